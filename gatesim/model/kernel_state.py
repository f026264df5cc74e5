"""The compiled kernel's state vector and per-runtime queue layout, apart from numba.

The kernel (:mod:`gatesim.model.kernel`) keeps how far a gate has run in one
int64 vector so that a run can stop before its horizon and go on later; the
caller (:mod:`gatesim.model.kernel_sim`) reads and sets a few of its slots.
Kept here so that the caller needs no numba to know them (a run that loads
the kernel ahead of time never imports numba).
"""

from __future__ import annotations

__all__ = [
    "STATE_ARRIVAL",
    "STATE_CALENDAR",
    "STATE_HEAP",
    "STATE_N_TIMES",
    "STATE_N_WORDS",
    "STATE_SIZE",
    "STATE_WAIT_HEAD",
    "STATE_WAIT_TAIL",
    "STATE_WHEEL_BUCKET",
    "STATE_WHEEL_N",
    "STATE_YARD_FREE",
    "WHEEL_BUCKETS_PER_H",
    "WHEEL_SLOTS",
]

# slots: early heap size, next arrival, next calendar row, times written, words written,
# free yard slots, head and tail of the approach's queue
STATE_HEAP, STATE_ARRIVAL, STATE_CALENDAR, STATE_N_TIMES, STATE_N_WORDS = range(5)
STATE_YARD_FREE, STATE_WAIT_HEAD, STATE_WAIT_TAIL = 5, 6, 7
# the wheel of pending wake-ups (gatesim.model.kernel): its current bucket, its entries
STATE_WHEEL_BUCKET, STATE_WHEEL_N = 8, 9
STATE_SIZE = 10

# The wheel's buckets: a bucket is 1/WHEEL_BUCKETS_PER_H of an hour, kept in a ring of WHEEL_SLOTS
# lists (a power of two: 17 h ahead); a wake-up further ahead than the ring shares a list with nearer
# ones and is passed over until its turn. They set the speed only, never the order of wake-ups.
WHEEL_BUCKETS_PER_H = 480.0
WHEEL_SLOTS = 8192

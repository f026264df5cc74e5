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
    "STATE_YARD_FREE",
]

# slots: heap size, next arrival, next calendar row, times written, words written,
# free yard slots, head and tail of the approach's queue
STATE_HEAP, STATE_ARRIVAL, STATE_CALENDAR, STATE_N_TIMES, STATE_N_WORDS = range(5)
STATE_YARD_FREE, STATE_WAIT_HEAD, STATE_WAIT_TAIL = 5, 6, 7
STATE_SIZE = 8

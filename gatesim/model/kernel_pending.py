"""The compiled kernel's pending wake-ups: a wheel of time buckets, and an early heap.

The kernel (:mod:`gatesim.model.kernel`) runs a gate's pending wake-ups in (time, truck)
order. A truck has one pending wake-up at a time, so the keys are distinct and the order
in which they come out does not depend on how they are kept: only the speed does.

- **The wheel** (a calendar queue): a bucket is a span of ``1 / WHEEL_BUCKETS_PER_H``
  hours, a list kept in (time, truck) order; ``WHEEL_SLOTS`` lists in a ring hold the
  buckets (``head[slot]``, linked through ``nxt`` by truck). The earliest wake-up is the
  first of the current bucket's list; a new one goes into its list after the few of its
  bucket that come before it. A wake-up further ahead than the ring shares a list with
  nearer ones, after them, and is passed over until its turn.
- **The early heap**: a wake-up set before the wheel's current bucket (the bucket runs
  ahead of the clock when an arrival or a stage-level row comes before the earliest
  pending wake-up) goes into a binary heap of trucks (``hk``). Every entry
  of it comes before every entry of the wheel, and the wheel moves on only when it is
  empty, so its first is the earliest of all.

A pending wake-up's time is its truck's ``wake_t`` (set when it is added, unchanged while it
is pending). On a year of the baseline this runs the kernel ~15% faster than one binary heap
of every pending wake-up, whose sift down grew with the trucks in service and on the road
(``python benchmarks/kernel_ab.py``: its time per wake-up by gate). The functions are inlined
into the kernel's loop.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from gatesim.model.kernel_state import WHEEL_BUCKETS_PER_H, WHEEL_SLOTS

__all__ = ["before", "pending_first", "pending_insert", "pending_pop"]

# An unsigned index, as in gatesim.model.kernel (numba leaves out the wrap-around of a negative one)
_ix = np.uint64
_SLOT_MASK = WHEEL_SLOTS - 1


@njit(cache=True, inline="always")
def before(t1: float, k1: int, t2: float, k2: int) -> bool:
    """(t1, k1) comes before (t2, k2): time, then truck."""
    # compiles to compares and a select: no branch to mispredict on the tie
    return t1 < t2 if t1 != t2 else k1 < k2


@njit(cache=True, inline="always")
def _heap_sift_down(hk, size, k, wake_t) -> None:
    """Put truck ``k`` at the root of the early heap of ``size`` trucks and sift it down."""
    t = wake_t[_ix(k)]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size:
            a, b = hk[_ix(c + 1)], hk[_ix(c)]
            c += before(wake_t[_ix(a)], a, wake_t[_ix(b)], b)
        e = hk[_ix(c)]
        if before(wake_t[_ix(e)], e, t, k):
            hk[_ix(i)] = e
            i = c
        else:
            break
    hk[_ix(i)] = k


@njit(cache=True, inline="always")
def _heap_push(hk, size, k, wake_t) -> None:
    """Add truck ``k`` to the early heap of ``size`` trucks (it has room for one more)."""
    t = wake_t[_ix(k)]
    i = size
    while i > 0:
        p = (i - 1) >> 1
        e = hk[_ix(p)]
        if before(t, k, wake_t[_ix(e)], e):
            hk[_ix(i)] = e
            i = p
        else:
            break
    hk[_ix(i)] = k


@njit(cache=True, inline="always")
def pending_first(eh, wn, cb, hk, head, nxt, wake_t):
    """The earliest pending wake-up: (truck, time, the wheel's current bucket); truck -1 if
    there is none. ``eh``, ``wn``: the early heap's and the wheel's sizes, ``cb`` the bucket."""
    if eh > 0:
        return hk[_ix(0)], wake_t[_ix(hk[_ix(0)])], cb
    if wn == 0:
        return -1, np.inf, cb
    while True:  # the first list, from bucket cb on, whose first is in its bucket
        e = head[_ix(cb & _SLOT_MASK)]
        if e >= 0 and wake_t[_ix(e)] * WHEEL_BUCKETS_PER_H < np.float64(cb + 1):
            return e, wake_t[_ix(e)], cb
        cb += 1


@njit(cache=True, inline="always")
def pending_pop(k, cb, eh, wn, hk, head, nxt, wake_t):
    """Take out truck ``k``, the earliest pending wake-up (:func:`pending_first`, with nothing
    added since). Returns the early heap's and the wheel's sizes."""
    if eh > 0:  # the early heap's first
        eh -= 1
        if eh > 0:
            _heap_sift_down(hk, eh, hk[_ix(eh)], wake_t)
        return eh, wn
    head[_ix(cb & _SLOT_MASK)] = nxt[_ix(k)]  # the first of the current bucket's list
    return eh, wn - 1


@njit(cache=True, inline="always")
def pending_insert(k, t, cb, eh, wn, hk, head, nxt, wake_t):
    """Add truck ``k``'s wake-up at ``t`` (no earlier than the last one taken out): to the early
    heap if it comes before the wheel's current bucket ``cb``, else in its place in its bucket's
    list. Returns the early heap's and the wheel's sizes."""
    wake_t[_ix(k)] = t
    x = t * WHEEL_BUCKETS_PER_H
    if x < cb:  # before every entry of the wheel
        _heap_push(hk, eh, k, wake_t)
        return eh + 1, wn
    s = np.int64(x) & _SLOT_MASK
    e = head[_ix(s)]
    prev = -1
    while e >= 0 and before(wake_t[_ix(e)], e, t, k):
        prev = e
        e = nxt[_ix(e)]
    nxt[_ix(k)] = e
    if prev < 0:
        head[_ix(s)] = k
    else:
        nxt[_ix(prev)] = k
    return eh, wn + 1

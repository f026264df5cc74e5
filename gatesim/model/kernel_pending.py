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
  pending wake-up) goes into a binary heap (``ht`` time bits, ``hk`` trucks). Every entry
  of it comes before every entry of the wheel, and the wheel moves on only when it is
  empty, so its first is the earliest of all.

On a year of the baseline this runs the kernel ~12% faster than one binary heap of every
pending wake-up (~150 entries on average at the busiest gate: a sift down its ~7 levels
took about half of a wake-up's time). The functions are inlined into the kernel's loop.
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
def _bits(t: float) -> np.int64:
    """A time as the early heap keeps it: the bits of a float >= 0 (or +inf) order as the float
    does, and integer compares are cheaper than float ones (no unordered case) in a sift."""
    return np.float64(t).view(np.int64)


@njit(cache=True, inline="always")
def _time(b: int) -> float:
    return np.int64(b).view(np.float64)


@njit(cache=True, inline="always")
def before(t1: float, k1: int, t2: float, k2: int) -> bool:
    """(t1, k1) comes before (t2, k2): time, then truck."""
    # On the heap's integers this form compiles to compares and a select, no branch to
    # mispredict in the sift: ~4% of the kernel less than the bitwise
    # (t1 < t2) | ((t1 == t2) & (k1 < k2)), which was the faster form on floats (by ~10%)
    return t1 < t2 if t1 != t2 else k1 < k2


@njit(cache=True, inline="always")
def _heap_sift_down(ht, hk, size, t, k) -> None:
    """Put (t, k) at the root of the heap of ``size`` entries and sift it down."""
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size:
            c += before(ht[_ix(c + 1)], hk[_ix(c + 1)], ht[_ix(c)], hk[_ix(c)])
        if before(ht[_ix(c)], hk[_ix(c)], t, k):
            ht[_ix(i)] = ht[_ix(c)]
            hk[_ix(i)] = hk[_ix(c)]
            i = c
        else:
            break
    ht[_ix(i)] = t
    hk[_ix(i)] = k


@njit(cache=True, inline="always")
def _heap_push(ht, hk, size, t, k) -> None:
    """Add (t, k) to the heap of ``size`` entries (it has room for one more)."""
    i = size
    while i > 0:
        p = (i - 1) >> 1
        if before(t, k, ht[_ix(p)], hk[_ix(p)]):
            ht[_ix(i)] = ht[_ix(p)]
            hk[_ix(i)] = hk[_ix(p)]
            i = p
        else:
            break
    ht[_ix(i)] = t
    hk[_ix(i)] = k


@njit(cache=True, inline="always")
def pending_first(eh, wn, cb, ht, hk, head, nxt, wake_t):
    """The earliest pending wake-up: (truck, time, the wheel's current bucket); truck -1 if
    there is none. ``eh``, ``wn``: the early heap's and the wheel's sizes, ``cb`` the bucket."""
    if eh > 0:
        return hk[_ix(0)], _time(ht[_ix(0)]), cb
    if wn == 0:
        return -1, np.inf, cb
    while True:  # the first list, from bucket cb on, whose first is in its bucket
        e = head[_ix(cb & _SLOT_MASK)]
        if e >= 0 and wake_t[_ix(e)] * WHEEL_BUCKETS_PER_H < np.float64(cb + 1):
            return e, wake_t[_ix(e)], cb
        cb += 1


@njit(cache=True, inline="always")
def pending_pop(k, cb, eh, wn, ht, hk, head, nxt):
    """Take out truck ``k``, the earliest pending wake-up (:func:`pending_first`, with nothing
    added since). Returns the early heap's and the wheel's sizes."""
    if eh > 0:  # the early heap's first
        eh -= 1
        if eh > 0:
            _heap_sift_down(ht, hk, eh, ht[_ix(eh)], hk[_ix(eh)])
        return eh, wn
    head[_ix(cb & _SLOT_MASK)] = nxt[_ix(k)]  # the first of the current bucket's list
    return eh, wn - 1


@njit(cache=True, inline="always")
def pending_insert(k, t, cb, eh, wn, ht, hk, head, nxt, wake_t):
    """Add truck ``k``'s wake-up at ``t`` (no earlier than the last one taken out): to the early
    heap if it comes before the wheel's current bucket ``cb``, else in its place in its bucket's
    list. Returns the early heap's and the wheel's sizes."""
    wake_t[_ix(k)] = t
    x = t * WHEEL_BUCKETS_PER_H
    if x < cb:  # before every entry of the wheel
        _heap_push(ht, hk, eh, _bits(t), k)
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

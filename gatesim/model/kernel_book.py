"""The compiled kernel's booking rules: a stage runtime's next start, over arrays.

``book`` is :meth:`gatesim.model.stage.StageRuntime.book` and ``book_timed``
:meth:`gatesim.model.stage_timed.TimedStageRuntime.book`, step for step and with the
same float operations, on the arrays of :mod:`gatesim.model.kernel` (which inlines
them into its truck loop): a runtime's servers are a min-heap of free times (fixed
servers) or of the end times of the services under way (on a timeline).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["book", "book_timed"]

# An unsigned index, as in gatesim.model.kernel (numba leaves out the wrap-around of a negative one)
_ix = np.uint64


@njit(cache=True, inline="always")
def replace_min(free, lo, n, v) -> None:
    """The server heap ``free[lo:lo+n]``: its smallest free time becomes ``v``."""
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and free[_ix(lo + c + 1)] < free[_ix(lo + c)]:
            c += 1
        if free[_ix(lo + c)] < v:
            free[_ix(lo + i)] = free[_ix(lo + c)]
            i = c
        else:
            break
    free[_ix(lo + i)] = v


@njit(cache=True, inline="always")
def next_open(r, t, cursor, iv_hi, opens, closes, used, cap) -> float:
    """The first instant >= ``t`` runtime ``r`` is open with quota left (takes one unit of it).

    ``cursor[r]`` is ``bisect_right(closes, t)`` of the runtime's last booking: a
    runtime's booking instants never decrease (calls come in time order, and its
    earliest free server only moves later), so the search goes on from there.
    """
    hi = iv_hi[_ix(r)]
    i = cursor[_ix(r)]
    while i < hi and closes[_ix(i)] <= t:
        i += 1
    cursor[_ix(r)] = i
    c = cap[_ix(r)]
    if c >= 0:
        while i < hi and used[_ix(i)] >= c:
            i += 1  # quota used up: the next opening
        if i < hi:
            used[_ix(i)] += 1
    if i >= hi:
        return np.inf  # never opens again within the horizon
    o = opens[_ix(i)]
    return o if o > t else t


@njit(cache=True, inline="always")
def book(r, t, svc, servers, free_lo, free, cursor, iv_hi, opens, closes, used, cap, always) -> float:
    """StageRuntime.book of runtime ``r``: reserve a server for a truck joining at ``t``."""
    n = servers[_ix(r)]
    if n > 0 and free[_ix(free_lo[_ix(r)])] > t:
        t = free[_ix(free_lo[_ix(r)])]
    if not always[_ix(r)]:
        t = next_open(r, t, cursor, iv_hi, opens, closes, used, cap)
    if n > 0:
        replace_min(free, free_lo[_ix(r)], n, t + svc)
    return t


@njit(cache=True, inline="always")
def push_free(free, lo, n, v) -> None:
    """Add ``v`` to the min-heap ``free[lo:lo+n]`` (it has room for one more)."""
    i = n
    while i > 0:
        p = (i - 1) >> 1
        if v < free[_ix(lo + p)]:
            free[_ix(lo + i)] = free[_ix(lo + p)]
            i = p
        else:
            break
    free[_ix(lo + i)] = v


@njit(cache=True, inline="always")
def book_timed(  # noqa: C901  # TimedStageRuntime.book and _search, kept whole as there
    r, t, svc, free_lo, free, n_busy, last, span_cur, span_hi, span_t, span_cap, span_iv, used, cap
) -> float:
    """TimedStageRuntime.book of runtime ``r`` (model/stage_timed.py), step for step: the
    first candidate instant (the arrival, an end of a service under way, a span's start)
    at which a server may start the truck; ``free[free_lo[r]:][:n_busy[r]]`` is the heap of
    the services' end times, ``span_cap`` the servers of a span (0 none, -1 unlimited)."""
    s = t if t > last[_ix(r)] else last[_ix(r)]
    p = span_cur[_ix(r)]
    hi = span_hi[_ix(r)]
    lo = free_lo[_ix(r)]
    nb = n_busy[_ix(r)]
    q = cap[_ix(r)]
    c = 0
    while True:
        while p + 1 < hi and span_t[_ix(p + 1)] <= s:
            p += 1
        while nb > 0 and free[_ix(lo)] <= s:
            nb -= 1
            if nb > 0:
                replace_min(free, lo, nb, free[_ix(lo + nb)])
        c = span_cap[_ix(p)]
        if c != 0 and (c < 0 or nb < c) and (q < 0 or used[_ix(span_iv[_ix(p)])] < q):
            break
        nxt = span_t[_ix(p + 1)] if p + 1 < hi else np.inf
        if c > 0 and nb >= c and free[_ix(lo)] < nxt:  # full: the next end may free a server
            nxt = free[_ix(lo)]
        if nxt == np.inf:
            s = nxt  # never again within the horizon
            break
        s = nxt
    span_cur[_ix(r)] = p
    last[_ix(r)] = s
    if s != np.inf:
        if q >= 0:
            used[_ix(span_iv[_ix(p)])] += 1
        if c > 0:
            push_free(free, lo, nb, s + svc)
            nb += 1
    n_busy[_ix(r)] = nb
    return s

"""The compiled FIFO kernel: one gate's booking path over arrays, compiled with numba.

It runs exactly what the SimPy booking engine runs for a gate whose stages are
all FIFO (:mod:`gatesim.model.gate` with :mod:`gatesim.model.stage`): the same
truck state machine (arrive, take a yard slot or wait on the approach, queue,
be booked a start = max(arrival, earliest free server, the stage's next
opening with quota left), serve, travel), the same wake-up instants computed
with the same float operations, and the same order of the events of an
instant. SimPy runs a wake-up by (time, priority, push order): the calendar's
rows come first (SimPy's NORMAL), then trucks in truck-id order (a truck has
one pending wake-up at a time, so time and truck id decide). The kernel keeps
its pending wake-ups in a binary heap on (time, truck) and merges the
arrivals and the calendar rows in as two sorted streams, so it pops wake-ups
in SimPy's order and writes the same log words and times in the same order:
the log is bit-identical, not merely equal per truck.

Gates do not interact on this path, so each gate runs on its own; a run can
stop before ``until`` and go on later (the state lives in the arrays).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from gatesim.model.kernel_state import (
    STATE_ARRIVAL,
    STATE_CALENDAR,
    STATE_HEAP,
    STATE_N_TIMES,
    STATE_N_WORDS,
    STATE_WAIT_HEAD,
    STATE_WAIT_TAIL,
    STATE_YARD_FREE,
)

__all__ = ["run_gate"]

# A truck's phase: what its next wake-up resumes (_QUEUED: a booked start, in its runtime's queue).
_YARD, _START, _END, _TRAVEL, _DONE, _QUEUED = 1, 2, 3, 4, 5, 6

# Log words (gatesim.events.kinds, gatesim.events.log): kind | stage << 8, SAME_TIME flag.
_SAME = 0x80
_ARRIVED, _CROSSED = 0, 7
_BLOCKED = (1 << 8) | 1
_YARD_IN = (1 << 8) | 2
_YARD_OUT = (1 << 8) | 6


@njit(cache=True, inline="always")
def _less(t1: float, k1: int, t2: float, k2: int) -> bool:
    return t1 < t2 or (t1 == t2 and k1 < k2)


@njit(cache=True, inline="always")
def _sift_down(ht, hk, size, t, k) -> None:
    """Put (t, k) at the root of the heap of ``size`` entries and sift it down."""
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and _less(ht[c + 1], hk[c + 1], ht[c], hk[c]):
            c += 1
        if _less(ht[c], hk[c], t, k):
            ht[i] = ht[c]
            hk[i] = hk[c]
            i = c
        else:
            break
    ht[i] = t
    hk[i] = k


@njit(cache=True, inline="always")
def _push(ht, hk, size, t, k) -> None:
    i = size
    while i > 0:
        p = (i - 1) >> 1
        if _less(t, k, ht[p], hk[p]):
            ht[i] = ht[p]
            hk[i] = hk[p]
            i = p
        else:
            break
    ht[i] = t
    hk[i] = k


@njit(cache=True, inline="always")
def _replace_min(free, lo, n, v) -> None:
    """The server heap ``free[lo:lo+n]``: its smallest free time becomes ``v``."""
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and free[lo + c + 1] < free[lo + c]:
            c += 1
        if free[lo + c] < v:
            free[lo + i] = free[lo + c]
            i = c
        else:
            break
    free[lo + i] = v


@njit(cache=True, inline="always")
def _next_open(r, t, cursor, iv_hi, opens, closes, used, cap) -> float:
    """The first instant >= ``t`` runtime ``r`` is open with quota left (takes one unit of it).

    ``cursor[r]`` is ``bisect_right(closes, t)`` of the runtime's last booking: a
    runtime's booking instants never decrease (calls come in time order, and its
    earliest free server only moves later), so the search goes on from there.
    """
    hi = iv_hi[r]
    i = cursor[r]
    while i < hi and closes[i] <= t:
        i += 1
    cursor[r] = i
    c = cap[r]
    if c >= 0:
        while i < hi and used[i] >= c:
            i += 1  # quota used up: the next opening
        if i < hi:
            used[i] += 1
    if i >= hi:
        return np.inf  # never opens again within the horizon
    o = opens[i]
    return o if o > t else t


@njit(cache=True, inline="always")
def _book(r, t, svc, servers, free_lo, free, cursor, iv_hi, opens, closes, used, cap, always) -> float:
    """StageRuntime.book of runtime ``r``: reserve a server for a truck joining at ``t``."""
    n = servers[r]
    if n > 0 and free[free_lo[r]] > t:
        t = free[free_lo[r]]
    if not always[r]:
        t = _next_open(r, t, cursor, iv_hi, opens, closes, used, cap)
    if n > 0:
        _replace_min(free, free_lo[r], n, t + svc)
    return t


@njit(cache=True, _nrt=False)  # allocates nothing: no reference counts on its arrays
def run_gate(  # noqa: C901  # the state machine of gate.py's _truck, kept whole as there
    until,
    state,
    arrival_t,
    direction,
    calendar_t,
    calendar_w,
    route_lo,
    route_hi,
    step_rt,
    step_col,
    step_words,
    step_travel,
    step_takes,
    step_frees,
    skip_row,
    skip_from,
    skip_to,
    skip_mask,
    service,
    servers,
    free_lo,
    free,
    cursor,
    iv_hi,
    opens,
    closes,
    used,
    cap,
    always,
    heap_t,
    heap_k,
    q_head,
    q_tail,
    q_next,
    wake_t,
    phase,
    step,
    waiters,
    out_t,
    out_w,
    gate_bits,
    first_truck,
    horizon,
) -> None:
    """Run the gate's wake-ups before ``until`` (<= the horizon); ``state`` and the
    per-truck arrays carry over to the next call. ``step_words[s]`` holds the
    QUEUED, STARTED and ENDED words of route step ``s`` (stage code << 8 | kind);
    ``skip_row[s]`` the row of ``skip_mask`` (per truck: the routing rule applies
    to its class) of the step's rule, -1 for none, in force from ``skip_from[s]``
    to ``skip_to[s]`` (time of day).

    A truck booked a later start waits in its runtime's queue (``q_head[r]``,
    ``q_tail[r]``, linked by ``q_next``, its start in ``wake_t``): a runtime's
    starts are booked in time order, so only the queue's head needs a place in
    the heap of pending wake-ups, which then holds the trucks in service and on
    the road (a year: ~40 entries instead of ~300, ~80% of them booked starts).
    A start that would not come last in its queue by (time, truck) (equal
    starts booked out of truck order) takes a place in the heap instead."""
    hs = state[STATE_HEAP]
    ai = state[STATE_ARRIVAL]
    ci = state[STATE_CALENDAR]
    nt = state[STATE_N_TIMES]
    nw = state[STATE_N_WORDS]
    yard_free = state[STATE_YARD_FREE]
    wh = state[STATE_WAIT_HEAD]
    wt = state[STATE_WAIT_TAIL]
    n_arr = arrival_t.shape[0]
    n_cal = calendar_t.shape[0]
    while True:
        src = -1  # 0 calendar, 1 arrival, 2 heap
        now = np.inf
        k = -1
        if ci < n_cal:
            now = calendar_t[ci]
            src = 0
        if hs > 0 and heap_t[0] < now:  # the calendar's rows come first at an instant
            now = heap_t[0]
            k = heap_k[0]
            src = 2
        if ai < n_arr:
            ta = arrival_t[ai]
            if ta < now or (src == 2 and ta == now and ai < k):
                now = ta
                k = ai
                src = 1
        if src < 0 or now >= until:
            break
        out_t[nt] = now
        nt += 1
        if src == 0:
            out_w[nw] = calendar_w[ci]
            nw += 1
            ci += 1
            continue
        base = ((first_truck + k) << 24) | gate_bits
        end = route_hi[direction[k]]
        has_next = False
        t_next = 0.0
        woken = -1
        q_up = -1  # the successor of a popped queue head
        # mode: 0 walk to the next step, 1 take the granted yard slot, 2 after the start, 3 done
        if src == 1:
            ai += 1
            out_w[nw] = base | _ARRIVED
            nw += 1
            sm = _SAME
            s = route_lo[direction[k]]
            mode = 0
        else:
            ph = phase[k]
            s = step[k]
            sm = 0  # every phase sets it before it is read
            mode = 3
            if ph == _QUEUED:  # the head of its runtime's queue: the next one takes its place in the heap
                r = step_rt[s]
                q_up = q_next[k]
                q_head[r] = q_up
                if q_up < 0:
                    q_tail[r] = -1
                ph = _START
            if ph == _YARD:
                sm = 0
                mode = 1
            elif ph == _START:
                out_w[nw] = base | step_words[s, 1]
                nw += 1
                mode = 2
            elif ph == _END:
                out_w[nw] = base | step_words[s, 2]
                nw += 1
                travel = step_travel[s]
                if travel != 0.0:
                    t_next = now + travel
                    has_next = t_next < horizon
                    phase[k] = _TRAVEL
                else:
                    sm = _SAME
                    s += 1
                    mode = 0
            else:  # _TRAVEL
                sm = 0
                s += 1
                mode = 0
        if mode == 0:  # routing rules: pass stages by (no event, no service, no travel)
            while s < end and skip_row[s] >= 0 and skip_mask[skip_row[s], k] != 0:
                hour = now % 24.0
                if skip_from[s] <= hour and hour < skip_to[s]:
                    s += 1
                else:
                    break
        if mode == 0:
            if s == end:
                out_w[nw] = base | _CROSSED | sm
                nw += 1
                phase[k] = _DONE
                mode = 3
            elif step_takes[s]:
                if yard_free > 0:
                    yard_free -= 1
                    mode = 1
                else:
                    out_w[nw] = base | _BLOCKED | sm
                    nw += 1
                    waiters[wt] = k
                    wt += 1
                    phase[k] = _YARD
                    step[k] = s
                    mode = 3
        if mode == 1:
            out_w[nw] = base | _YARD_IN | sm
            nw += 1
            sm = _SAME
            mode = 0
        if mode == 0:  # queue at step s and be booked
            out_w[nw] = base | step_words[s, 0] | sm
            nw += 1
            r = step_rt[s]
            t_start = _book(
                r,
                now,
                service[step_col[s], k],
                servers,
                free_lo,
                free,
                cursor,
                iv_hi,
                opens,
                closes,
                used,
                cap,
                always,
            )
            if t_start > now:
                t_next = t_start
                has_next = t_start < horizon
                phase[k] = _START
                step[k] = s
                mode = 3
                if has_next:
                    tail = q_tail[r]
                    if tail < 0:  # the queue's head: in the heap
                        q_head[r] = k
                        q_tail[r] = k
                        q_next[k] = -1
                        wake_t[k] = t_start
                        phase[k] = _QUEUED
                    elif _less(wake_t[tail], tail, t_start, k):  # after the tail: no heap entry
                        q_next[tail] = k
                        q_tail[r] = k
                        q_next[k] = -1
                        wake_t[k] = t_start
                        phase[k] = _QUEUED
                        has_next = False
            else:
                out_w[nw] = base | step_words[s, 1] | _SAME
                nw += 1
                mode = 2
        if mode == 2:
            if step_frees[s]:
                out_w[nw] = base | _YARD_OUT | _SAME
                nw += 1
                if wh < wt:
                    woken = waiters[wh]
                    wh += 1
                else:
                    yard_free += 1
            t_next = now + service[step_col[s], k]
            has_next = t_next < horizon
            phase[k] = _END
            step[k] = s
        if src == 2:
            if q_up >= 0:  # the popped head's successor takes the root, the truck goes in below
                _sift_down(heap_t, heap_k, hs, wake_t[q_up], q_up)
                if has_next:
                    _push(heap_t, heap_k, hs, t_next, k)
                    hs += 1
            elif has_next:
                _sift_down(heap_t, heap_k, hs, t_next, k)
            else:
                hs -= 1
                if hs > 0:
                    _sift_down(heap_t, heap_k, hs, heap_t[hs], heap_k[hs])
        elif has_next:
            _push(heap_t, heap_k, hs, t_next, k)
            hs += 1
        if woken >= 0:  # woken now (SimPy: now + 0.0), in its turn among this instant's trucks
            _push(heap_t, heap_k, hs, now, woken)
            hs += 1
    state[STATE_HEAP] = hs
    state[STATE_ARRIVAL] = ai
    state[STATE_CALENDAR] = ci
    state[STATE_N_TIMES] = nt
    state[STATE_N_WORDS] = nw
    state[STATE_YARD_FREE] = yard_free
    state[STATE_WAIT_HEAD] = wh
    state[STATE_WAIT_TAIL] = wt

"""The compiled FIFO kernel: one gate's booking path over arrays, compiled with numba.

It runs exactly what the SimPy booking engine runs for a gate whose stages are
all FIFO (:mod:`gatesim.model.gate` with :mod:`gatesim.model.stage` and
:mod:`gatesim.model.stage_timed`): the same truck state machine (arrive, take a
yard slot or wait on the approach, queue, be booked a start = max(arrival,
earliest free server, the stage's next opening with quota left; on a timeline,
the first instant with fewer in service than servers on duty), serve, travel),
the same wake-up instants computed with the same float operations, and the same
order of the events of an instant. SimPy runs a wake-up by (time, priority, push
order): the stage-level rows (calendar, servers, outages) come first (SimPy's
NORMAL), then trucks in truck-id order (a truck has one pending wake-up at a
time, so time and truck id decide). The kernel keeps its pending wake-ups in
(time, truck) order and merges the arrivals and the stage-level rows
(:func:`gatesim.model.stage_rows.stage_rows`) in as two sorted streams, so it runs wake-ups
in SimPy's order and writes the same log words and times in the same order:
the log is bit-identical, not merely equal per truck.

The pending wake-ups are kept in a wheel of time buckets, and the few set
before its current bucket in a small heap (:mod:`gatesim.model.kernel_pending`).

Gates do not interact on this path, so each gate runs on its own; a run can
stop before ``until`` and go on later (the state lives in the arrays).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from gatesim.model.kernel_book import book, book_timed
from gatesim.model.kernel_pending import before, pending_first, pending_insert, pending_pop
from gatesim.model.kernel_state import (
    STATE_ARRIVAL,
    STATE_CALENDAR,
    STATE_HEAP,
    STATE_N_TIMES,
    STATE_N_WORDS,
    STATE_WAIT_HEAD,
    STATE_WAIT_TAIL,
    STATE_WHEEL_BUCKET,
    STATE_WHEEL_N,
    STATE_YARD_FREE,
)

__all__ = ["run_gate"]

# An unsigned index: numba then leaves out the wrap-around of a negative index that it adds to
# every signed one (~11% of a year's kernel time). Every index here is >= 0.
_ix = np.uint64

# A truck's phase: what its next wake-up resumes (_QUEUED: a booked start, in its runtime's queue;
# _ARRIVE: handed over by a corridor, it arrives).
_YARD, _START, _END, _TRAVEL, _DONE, _QUEUED, _ARRIVE = 1, 2, 3, 4, 5, 6, 7

# Log words (gatesim.events.kinds, gatesim.events.log): kind | stage << 8, SAME_TIME flag.
_SAME = 0x80
_ARRIVED, _CROSSED = 0, 7
_BLOCKED = (1 << 8) | 1
_YARD_IN = (1 << 8) | 2
_YARD_OUT = (1 << 8) | 6


# it allocates nothing: without numba's runtime (its own flag, not in the stubs) no reference counts
@njit(cache=True, _nrt=False)  # type: ignore[call-overload]
def run_gate(  # noqa: C901  # the state machine of gate.py's _truck, kept whole as there
    until,
    state,
    arrival_t,
    adm_t,
    adm_k,
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
    timed,
    n_busy,
    last,
    span_cur,
    span_hi,
    span_t,
    span_cap,
    span_iv,
    heap_k,
    wheel_head,
    wheel_next,
    q_head,
    q_tail,
    q_next,
    wake_t,
    phase,
    step,
    waiters,
    out_t,
    out_k,
    out_w,
    first_truck,
    horizon,
) -> None:
    """Run the gate's wake-ups before ``until`` (<= the horizon); ``state`` and the
    per-truck arrays carry over to the next call. The log (gatesim.events.log's
    compact form): a time ``out_t`` and a truck ``out_k`` per wake-up, a word
    ``out_w`` (stage code << 8 | kind, SAME_TIME after a wake-up's first) per event.
    ``step_words[s]`` holds the QUEUED, STARTED and ENDED words of route step ``s``;
    ``adm_t``, ``adm_k``: trucks a corridor handed over since the last call (their
    instants, not before any wake-up run so far), pending wake-ups to arrive.
    ``skip_row[s]`` the row of ``skip_mask`` (per truck: the routing rule applies
    to its class) of the step's rule, -1 for none, in force from ``skip_from[s]``
    to ``skip_to[s]`` (time of day). A ``timed`` runtime (a server schedule,
    outages) books on its spans (``span_t`` from ``span_cur[r]`` to ``span_hi[r]``).

    A truck booked a later start waits in its runtime's queue (``q_head[r]``,
    ``q_tail[r]``, linked by ``q_next``, its start in ``wake_t``): a runtime's
    starts are booked in time order, so only the queue's head needs a place among
    the pending wake-ups (the wheel: ``wheel_head`` per slot, linked by
    ``wheel_next``; the early heap of trucks ``heap_k``), which then hold the
    trucks in service and on the road. A start that would not come last in its
    queue by (time, truck) (equal starts booked out of truck order) takes a
    place among them instead."""
    eh = state[STATE_HEAP]
    cb = state[STATE_WHEEL_BUCKET]
    wn = state[STATE_WHEEL_N]
    ai = state[STATE_ARRIVAL]
    ci = state[STATE_CALENDAR]
    nt = state[STATE_N_TIMES]
    nw = state[STATE_N_WORDS]
    yard_free = state[STATE_YARD_FREE]
    wh = state[STATE_WAIT_HEAD]
    wt = state[STATE_WAIT_TAIL]
    n_arr = arrival_t.shape[0]
    n_cal = calendar_t.shape[0]
    for a in range(adm_k.shape[0]):  # trucks handed over since the last call: they arrive
        k = adm_k[_ix(a)]
        phase[_ix(k)] = _ARRIVE
        eh, wn = pending_insert(k, adm_t[_ix(a)], cb, eh, wn, heap_k, wheel_head, wheel_next, wake_t)
    while True:
        src = -1  # 0 calendar, 1 arrival, 2 a pending wake-up
        now = np.inf
        k = -1
        if ci < n_cal:
            now = calendar_t[_ix(ci)]
            src = 0
        pk, pt, cb = pending_first(eh, wn, cb, heap_k, wheel_head, wheel_next, wake_t)
        if pk >= 0 and pt < now:  # the calendar's rows come first at an instant
            now = pt
            k = pk
            src = 2
        if ai < n_arr:
            ta = arrival_t[_ix(ai)]
            if ta < now or (src == 2 and ta == now and ai < k):
                now = ta
                k = ai
                src = 1
        if src < 0 or now >= until:
            break
        out_t[_ix(nt)] = now
        if src == 0:  # a packed row (gatesim.events.kinds.pack): its truck, its stage and kind
            out_k[_ix(nt)] = calendar_w[_ix(ci)] >> 24
            out_w[_ix(nw)] = calendar_w[_ix(ci)] & 0xFFFF
            nt += 1
            nw += 1
            ci += 1
            continue
        out_k[_ix(nt)] = first_truck + k
        nt += 1
        end = route_hi[_ix(direction[_ix(k)])]
        has_next = False
        t_next = 0.0
        woken = -1
        q_up = -1  # the successor of a popped queue head
        # mode: 0 walk to the next step, 1 take the granted yard slot, 2 after the start, 3 done
        if src == 1 or phase[_ix(k)] == _ARRIVE:
            if src == 1:
                ai += 1
            out_w[_ix(nw)] = _ARRIVED
            nw += 1
            sm = _SAME
            s = route_lo[_ix(direction[_ix(k)])]
            mode = 0
        else:
            ph = phase[_ix(k)]
            s = step[_ix(k)]
            sm = 0  # every phase sets it before it is read
            mode = 3
            if ph == _QUEUED:  # the head of its runtime's queue: the next one takes its place
                r = step_rt[_ix(s)]
                q_up = q_next[_ix(k)]
                q_head[_ix(r)] = q_up
                if q_up < 0:
                    q_tail[_ix(r)] = -1
                ph = _START
            if ph == _YARD:
                sm = 0
                mode = 1
            elif ph == _START:
                out_w[_ix(nw)] = step_words[_ix(s), 1]
                nw += 1
                mode = 2
            elif ph == _END:
                out_w[_ix(nw)] = step_words[_ix(s), 2]
                nw += 1
                travel = step_travel[_ix(s)]
                if travel != 0.0:
                    t_next = now + travel
                    has_next = t_next < horizon
                    phase[_ix(k)] = _TRAVEL
                else:
                    sm = _SAME
                    s += 1
                    mode = 0
            else:  # _TRAVEL
                sm = 0
                s += 1
                mode = 0
        if mode == 0:  # routing rules: pass stages by (no event, no service, no travel)
            while s < end and skip_row[_ix(s)] >= 0 and skip_mask[skip_row[_ix(s)], k] != 0:
                hour = now % 24.0
                if skip_from[s] <= hour and hour < skip_to[s]:
                    s += 1
                else:
                    break
        if mode == 0:
            if s == end:
                out_w[_ix(nw)] = _CROSSED | sm
                nw += 1
                phase[_ix(k)] = _DONE
                mode = 3
            elif step_takes[_ix(s)]:
                if yard_free > 0:
                    yard_free -= 1
                    mode = 1
                else:
                    out_w[_ix(nw)] = _BLOCKED | sm
                    nw += 1
                    waiters[_ix(wt)] = k
                    wt += 1
                    phase[_ix(k)] = _YARD
                    step[_ix(k)] = s
                    mode = 3
        if mode == 1:
            out_w[_ix(nw)] = _YARD_IN | sm
            nw += 1
            sm = _SAME
            mode = 0
        if mode == 0:  # queue at step s and be booked
            out_w[_ix(nw)] = step_words[_ix(s), 0] | sm
            nw += 1
            r = step_rt[_ix(s)]
            if timed[_ix(r)]:  # servers on a timeline (model/stage_timed.py)
                t_start = book_timed(
                    r,
                    now,
                    service[step_col[_ix(s)], _ix(k)],
                    free_lo,
                    free,
                    n_busy,
                    last,
                    span_cur,
                    span_hi,
                    span_t,
                    span_cap,
                    span_iv,
                    used,
                    cap,
                )
            else:
                t_start = book(
                    r,
                    now,
                    service[step_col[_ix(s)], _ix(k)],
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
                phase[_ix(k)] = _START
                step[_ix(k)] = s
                mode = 3
                if has_next:
                    tail = q_tail[_ix(r)]
                    if tail < 0:  # the queue's head: a pending wake-up
                        q_head[_ix(r)] = k
                        q_tail[_ix(r)] = k
                        q_next[_ix(k)] = -1
                        wake_t[_ix(k)] = t_start
                        phase[_ix(k)] = _QUEUED
                    elif before(wake_t[_ix(tail)], tail, t_start, k):  # after the tail: not pending yet
                        q_next[_ix(tail)] = k
                        q_tail[_ix(r)] = k
                        q_next[_ix(k)] = -1
                        wake_t[_ix(k)] = t_start
                        phase[_ix(k)] = _QUEUED
                        has_next = False
            else:
                out_w[_ix(nw)] = step_words[_ix(s), 1] | _SAME
                nw += 1
                mode = 2
        if mode == 2:
            if step_frees[_ix(s)]:
                out_w[_ix(nw)] = _YARD_OUT | _SAME
                nw += 1
                if wh < wt:
                    woken = waiters[_ix(wh)]
                    wh += 1
                else:
                    yard_free += 1
            t_next = now + service[step_col[_ix(s)], _ix(k)]
            has_next = t_next < horizon
            phase[_ix(k)] = _END
            step[_ix(k)] = s
        if src == 2:  # the wake-up run is no longer pending
            eh, wn = pending_pop(k, cb, eh, wn, heap_k, wheel_head, wheel_next, wake_t)
            if q_up >= 0:  # the popped head's successor
                eh, wn = pending_insert(
                    q_up, wake_t[_ix(q_up)], cb, eh, wn, heap_k, wheel_head, wheel_next, wake_t
                )
        if has_next:
            eh, wn = pending_insert(k, t_next, cb, eh, wn, heap_k, wheel_head, wheel_next, wake_t)
        if woken >= 0:  # woken now (SimPy: now + 0.0), in its turn among this instant's trucks
            eh, wn = pending_insert(woken, now, cb, eh, wn, heap_k, wheel_head, wheel_next, wake_t)
    state[STATE_HEAP] = eh
    state[STATE_WHEEL_BUCKET] = cb
    state[STATE_WHEEL_N] = wn
    state[STATE_ARRIVAL] = ai
    state[STATE_CALENDAR] = ci
    state[STATE_N_TIMES] = nt
    state[STATE_N_WORDS] = nw
    state[STATE_YARD_FREE] = yard_free
    state[STATE_WAIT_HEAD] = wh
    state[STATE_WAIT_TAIL] = wt

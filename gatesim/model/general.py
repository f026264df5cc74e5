"""The general, event-driven path: a stage whose next start depends on its state.

A FIFO stage with fixed servers books each truck's start when it joins the
queue (:mod:`gatesim.model.stage`). That is exact only while nothing can
happen to a queued truck and the order of service is the order of arrival.
A stage with any of these rules takes this path instead:

- ``discipline: priority``: the lowest class rank first, FIFO within a class,
  non-preemptive (a truck in service is never interrupted);
- ``patience_h``: a queued truck leaves after its patience (``reneged``);
- ``surge``: servers come when the queue is long and go when it is short.

With one of them it also follows the stage's ``server_schedule`` and outages (no
service starts during an outage; a truck in service when one starts is finished,
like at closing time). A FIFO stage with only a schedule or outages is booked
(:mod:`gatesim.model.stage_timed`), except in a corridor
(:func:`gatesim.model.build.stage_path`).

It works like a ``simpy.PriorityResource`` whose capacity changes: trucks wait
in a queue; a start is decided whenever a truck joins, a server frees, or the
servers on duty change, and the started truck is woken at that instant. A
truck in service keeps its server when the servers on duty fall (it is
finished; no new start until the busy count is below the new count).

The stage logs its own events (server counts, outage start and end) under the
reserved truck id ``NO_TRUCK``; the trucks log theirs (queued, started, ended,
reneged) in :mod:`gatesim.model.gate`.
"""

from __future__ import annotations

import math
from heapq import heappop, heappush
from itertools import count
from typing import NamedTuple

import numpy as np
import simpy

from gatesim.events.kinds import NO_TRUCK, Kind, pack
from gatesim.events.log import GateLog
from gatesim.model.process import NORMAL, start
from gatesim.model.timeline import Span, span_change
from gatesim.scenario.schema import Surge

__all__ = ["GeneralStage", "QueueNow", "estimated_wait_h"]

WAITING, STARTED, RENEGED = 0, 1, 2


class Waiter:
    """A truck in the queue: its wake-up, and whether it started or reneged."""

    __slots__ = ("k", "wake", "state")

    def __init__(self, k: int, wake) -> None:
        self.k = k
        self.wake = wake
        self.state = WAITING


class _Timer:
    """A minimal event calling ``fn(arg)`` when SimPy processes it."""

    __slots__ = ("callbacks", "_ok", "_value")

    def __init__(self, fn, arg) -> None:
        self.callbacks = [lambda _e: fn(arg)]
        self._ok = True
        self._value = None


class QueueNow(NamedTuple):
    """A rule stage's state at an instant, as the wait estimate reads it."""

    spans: list[Span]  # the stage's timeline
    span: Span  # the span in force now
    capacity: float  # servers on duty now (0: none; inf: unlimited)
    busy: int  # trucks in service
    waiting: int  # trucks in the queue
    quota_used: bool  # the opening's daily quota is used up


def estimated_wait_h(q: QueueNow, now: float, mean_service_h: float) -> float:
    """The wait a truck joining a rule stage now can expect: max(0, queued + 1 - free
    servers) x mean service / servers on duty, plus the time until the stage next has
    servers if it has none now (closed, in an outage, or the opening's daily quota used
    up: then the next opening). It ignores priority classes, reneging and later changes
    of servers. Both engines' live state use it (the twin reads its own resources)."""
    until = 0.0
    capacity = q.capacity
    if capacity == 0 or q.quota_used:
        skip = q.span.interval if q.quota_used else -1  # an opening whose quota is gone
        nxt = next(
            (
                s
                for s in q.spans
                if s.t_h > now and s.interval >= 0 and s.interval != skip and not s.outage and s.staffed != 0
            ),
            None,
        )
        if nxt is None:
            return math.inf
        until = nxt.t_h - now
        capacity = math.inf if nxt.staffed is None else nxt.staffed
    if capacity == math.inf:
        return until
    free = max(0.0, capacity - q.busy) if until == 0.0 else capacity
    ahead = max(0.0, q.waiting + 1 - free)
    return until + ahead * mean_service_h / capacity


class GeneralStage:
    """One stage's queue, servers and rules on the general path."""

    def __init__(
        self,
        env: simpy.Environment,
        part: GateLog,
        gate_code: int,
        code: int,
        name: str,
        spans: list[Span],
        daily_capacity: int | None,
        rank: np.ndarray | None,
        patience_h: np.ndarray | None,
        surge: Surge | None,
        log_servers: bool,
        mean_service_h: float,
    ) -> None:
        self.env = env
        self.code = code
        self.name = name
        self._part = part
        self._word = lambda kind: pack(NO_TRUCK, gate_code, code, kind)
        self._spans = spans
        self._cap = daily_capacity
        self._used: dict[int, int] = {}
        self._rank = rank.tolist() if rank is not None else None
        self._patience = patience_h.tolist() if patience_h is not None else None
        self._surge = surge
        self._log_servers = log_servers
        self.mean_service_h = mean_service_h
        self._queue: list[tuple[int, int, Waiter]] = []
        self._seq = count()
        self.waiting = 0  # trucks in the queue (reneged ones excluded)
        self.busy = 0  # trucks in service
        self.span = spans[0]
        self._surging = False
        self._surge_due = False
        self.capacity: float = self._capacity()
        self.reneged_word = (code << 8) | Kind.RENEGED
        start(env, lambda _resume: self._follow_timeline())

    # ---- what the trucks call
    def join(self, k: int, wake) -> Waiter:
        """Truck ``k`` joins the queue now; ``wake`` is scheduled when it starts or reneges."""
        waiter = Waiter(k, wake)
        rank = self._rank[k] if self._rank is not None else 0
        heappush(self._queue, (rank, next(self._seq), waiter))
        self.waiting += 1
        if self._patience is not None:
            p = self._patience[k]
            if p < math.inf:
                self.env.schedule(_Timer(self._renege, waiter), wake.priority, p)  # type: ignore[arg-type]  # _Timer: see process
        self._dispatch()
        s = self._surge
        if s is not None and not self._surging and not self._surge_due and self.waiting >= s.queue_at_least:
            self._surge_due = True
            self.env.schedule(_Timer(self._surge_on, None), NORMAL, s.delay_h)  # type: ignore[arg-type]  # as above
        return waiter

    def release(self) -> None:
        """A truck's service ended now: its server is free."""
        self.busy -= 1
        self._dispatch()

    def set_rank(self, k: int, rank: int) -> None:
        """Truck ``k`` (not queued yet) will queue with class rank ``rank`` (e.g. it booked a slot)."""
        if self._rank is not None:
            self._rank[k] = rank

    def next_start(self, t: float) -> float:
        """The start a truck joining at ``t`` can expect (see :meth:`expected_wait_h`)."""
        return t + self.expected_wait_h(t)

    def expected_wait_h(self, now: float) -> float:
        """See :func:`estimated_wait_h`."""
        quota_used = self._cap is not None and self._used.get(self.span.interval, 0) >= self._cap
        return estimated_wait_h(
            QueueNow(self._spans, self.span, self.capacity, self.busy, self.waiting, quota_used),
            now,
            self.mean_service_h,
        )

    # ---- decisions
    def _capacity(self) -> float:
        span = self.span
        if span.interval < 0 or span.outage:
            return 0
        if span.staffed is None:
            return math.inf
        return span.staffed + (self._surge.extra_servers if self._surging else 0)  # type: ignore[union-attr]  # surging => a surge

    def _dispatch(self) -> None:
        """Start queued trucks while a server is free (highest class, then first come)."""
        queue = self._queue
        while self.busy < self.capacity:
            while queue and queue[0][2].state == RENEGED:  # left the queue earlier: drop it now
                heappop(queue)
            if not queue:
                return
            if self._cap is not None:  # the opening's quota
                i = self.span.interval
                if self._used.get(i, 0) >= self._cap:
                    return
                self._used[i] = self._used.get(i, 0) + 1
            waiter = heappop(queue)[2]
            waiter.state = STARTED
            self.busy += 1
            self.waiting -= 1
            waiter.wake.wake()
            self._surge_check()

    def _renege(self, waiter: Waiter) -> None:
        if waiter.state != WAITING:
            return
        waiter.state = RENEGED
        self.waiting -= 1
        waiter.wake.wake()
        self._surge_check()

    def _surge_check(self) -> None:
        s = self._surge
        if s is not None and self._surging and self.waiting < s.until_queue_below:
            self._surging = False
            self._set_capacity()

    def _surge_on(self, _arg: object) -> None:
        self._surge_due = False
        if self.waiting >= self._surge.until_queue_below:  # type: ignore[union-attr]  # scheduled only with a surge
            self._surging = True
            self._set_capacity()
            self._dispatch()

    def staffed(self) -> int | None:
        """Servers on duty now (schedule plus surge), whether open or not."""
        staffed = self.span.staffed
        if staffed is None:
            return None
        return staffed + (self._surge.extra_servers if self._surging else 0)  # type: ignore[union-attr]  # surging => a surge

    def _set_capacity(self) -> None:
        """The surge started or ended: new servers on duty, logged."""
        self.capacity = self._capacity()
        if self._log_servers:
            self._log(Kind.SERVERS, self.staffed())

    def _log(self, kind: Kind, value: int | None = None) -> None:
        part = self._part
        part.t_h.append(self.env.now)
        part.word.append(self._word(kind))
        if kind == Kind.SERVERS:
            part.servers.append(-1 if value is None else value)

    def _follow_timeline(self):
        """Driver: at each span's start, set the servers and start who can start."""
        env = self.env
        previous: Span | None = None
        for span in self._spans:
            if span.t_h > env.now:
                yield span.t_h - env.now
            self.span = span
            self.capacity = self._capacity()
            outage, servers_changed = span_change(previous, span)
            if outage is not None:
                self._log(outage)
            if self._log_servers and servers_changed:
                self._log(Kind.SERVERS, self.staffed())
            previous = span
            self._dispatch()

"""A FIFO stage whose servers on duty change over time (a server schedule, outages), booked.

The servers on duty follow the stage's timeline (:mod:`gatesim.model.timeline`),
which the scenario alone fixes, so the order of service is still the order of
arrival and a truck's start is known the moment it joins: the earliest instant
``s`` >= its arrival (and >= the previous truck's start) at which the stage is
open and not in an outage, fewer trucks are in service than servers on duty,
and the opening's daily quota has room. A truck in service when the count falls
keeps its server (it is finished; nobody starts until fewer are in service than
the new count). A service that ends at ``s`` frees its server at ``s``, and a
change of the timeline at ``s`` is in force at ``s`` (a stage's own events come
before the trucks' at an instant).

That is what the general path's queue decides for a FIFO stage, event by event
(:mod:`gatesim.model.general`; the twin's resource in
:mod:`gatesim.model.reference_stages`), here in one call per truck: the start is
the first of the candidates (the arrival, the ends of the services under way,
the timeline's instants) at which a server may start it; the services under way
are a heap of their end times. The compiled kernel books the same way
(``book_timed`` in :mod:`gatesim.model.kernel_book`), with the same float operations.
"""

from __future__ import annotations

import math
from heapq import heappop, heappush

from gatesim.model.timeline import Span, span_wakes

__all__ = ["TimedStageRuntime", "span_capacity"]


def span_capacity(span: Span) -> int:
    """Servers that may start a truck during ``span``: 0 when closed or in an outage,
    -1 for unlimited (a stage without a server count), else the servers on duty."""
    if span.interval < 0 or span.outage:
        return 0
    return -1 if span.staffed is None else span.staffed


class TimedStageRuntime:
    """One FIFO stage on a timeline: the booking runtime (``book``, ``next_start``)."""

    __slots__ = ("code", "name", "_t", "_cap", "_iv", "_p", "_busy", "_last", "_quota", "_used")

    def __init__(self, code: int, name: str, spans: list[Span], daily_capacity: int | None) -> None:
        self.code = code
        self.name = name
        self._t = span_wakes(spans)  # each span is in force from its driver's wake
        self._cap = [span_capacity(s) for s in spans]
        self._iv = [s.interval for s in spans]
        self._p = 0  # the span of the last booked start
        self._busy: list[float] = []  # end times of the services that may be under way (a heap)
        self._last = 0.0  # the last booked start: the next truck's is not earlier (FIFO)
        self._quota = daily_capacity
        self._used = [0] * (max(self._iv) + 1)  # trucks started per opening interval

    def book(self, t: float, service_h: float) -> float:
        """Reserve a server for a truck arriving at ``t``; return its start time."""
        s, p = self._search(t, self._busy)
        self._p = p
        self._last = s
        if s == math.inf:
            return s  # never starts within the horizon
        if self._quota is not None:
            self._used[self._iv[p]] += 1
        if self._cap[p] > 0:
            heappush(self._busy, s + service_h)
        return s

    def next_start(self, t: float) -> float:
        """The start a truck joining at ``t`` would get, without booking it (exact, as
        :meth:`gatesim.model.stage.StageRuntime.next_start`)."""
        return self._search(t, list(self._busy))[0]

    def _search(self, t: float, busy: list[float]) -> tuple[float, int]:
        """The first instant >= ``t`` a server may start a truck, and its span; ``busy``
        loses the services that ended by then."""
        times, caps, ivs, quota, used = self._t, self._cap, self._iv, self._quota, self._used
        n = len(times)
        s = t if t > self._last else self._last
        p = self._p
        while True:
            while p + 1 < n and times[p + 1] <= s:
                p += 1
            while busy and busy[0] <= s:
                heappop(busy)
            c = caps[p]
            if c != 0 and (c < 0 or len(busy) < c) and (quota is None or used[ivs[p]] < quota):
                return s, p
            nxt = times[p + 1] if p + 1 < n else math.inf
            if c > 0 and len(busy) >= c and busy[0] < nxt:  # full: the next end may free a server
                nxt = busy[0]
            if nxt == math.inf:
                return nxt, p  # never again within the horizon
            s = nxt

"""A stage's servers, hours and daily capacity, booked FIFO.

Trucks reach a stage in time order (SimPy processes events in time order),
so a multi-server FIFO queue needs no request/release round trip: a truck
arriving at ``t`` starts at the earliest instant >= ``t`` when a server is
free and the stage is open (and, with a daily capacity, today's quota is not
used up); it takes the server that frees first. A service that has started
runs to its end even past closing time: officers finish the truck in hand.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from heapq import heapreplace

import numpy as np

__all__ = ["StageRuntime", "open_start"]


def open_start(
    t: float, opens: list[float], closes: list[float], used: Sequence[int] | np.ndarray, cap: int | None
) -> float:
    """The first instant >= ``t`` at which a stage with opening intervals ``[opens[i],
    closes[i])`` is open and the opening's quota (``cap``; None: none) has room, without
    taking it (``used``: trucks started per opening); inf if it never is within the horizon."""
    i = bisect_right(closes, t)
    while i < len(closes):
        if cap is None or used[i] < cap:
            o = opens[i]
            return o if o > t else t
        i += 1
    return math.inf


class StageRuntime:
    __slots__ = ("code", "name", "servers", "_free", "_opens", "_closes", "_always", "_cap", "_used")

    def __init__(
        self,
        code: int,
        name: str,
        servers: int | None,
        opens: np.ndarray,
        closes: np.ndarray,
        always_open: bool,
        daily_capacity: int | None,
    ) -> None:
        self.code = code
        self.name = name
        self.servers = servers
        self._free = [0.0] * servers if servers is not None else None
        self._opens = opens.tolist()
        self._closes = closes.tolist()
        self._always = always_open and daily_capacity is None
        self._cap = daily_capacity
        self._used = [0] * len(self._opens)

    def book(self, t: float, service_h: float) -> float:
        """Reserve a server for a truck arriving at ``t``; return its start time.

        One call per truck and stage (the next opening is found inline: a
        second method call per booking was 10% of a year's run).
        """
        free = self._free
        if free is not None and free[0] > t:
            t = free[0]
        if not self._always:
            closes = self._closes
            i = bisect_right(closes, t)
            cap = self._cap
            if cap is None:
                if i < len(closes):
                    o = self._opens[i]
                    if o > t:
                        t = o
                else:
                    t = math.inf  # never opens again within the horizon
            else:
                t = self._next_open_capped(t, i, cap)
        if free is not None:
            heapreplace(free, t + service_h)
        return t

    def next_start(self, t: float) -> float:
        """The start a truck joining at ``t`` would get, without booking it
        (the stage's virtual waiting time; exact for this FIFO stage)."""
        free = self._free
        if free is not None and free[0] > t:
            t = free[0]
        if self._always:
            return t
        return open_start(t, self._opens, self._closes, self._used, self._cap)

    def _next_open_capped(self, t: float, i: int, cap: int) -> float:
        closes = self._closes
        used = self._used
        while i < len(closes):
            if used[i] < cap:
                used[i] += 1
                o = self._opens[i]
                return o if o > t else t
            i += 1
        return math.inf  # never opens again within the horizon

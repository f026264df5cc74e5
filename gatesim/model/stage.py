"""A stage's servers, hours and daily capacity, booked FIFO.

Trucks reach a stage in time order (SimPy processes events in time order),
so a multi-server FIFO queue needs no request/release round trip: a truck
arriving at ``t`` starts at the earliest instant >= ``t`` when a server is
free and the stage is open (and, with a daily capacity, today's quota is not
used up); it takes the server that frees first. A service that has started
runs to its end even past closing time: officers finish the truck in hand.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right

import numpy as np

__all__ = ["StageRuntime"]


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
        """Reserve a server for a truck arriving at ``t``; return its start time."""
        free = self._free
        if free is not None and free[0] > t:
            t = free[0]
        if not self._always:
            t = self._next_open(t)
        if free is not None:
            heapq.heapreplace(free, t + service_h)
        return t

    def _next_open(self, t: float) -> float:
        i = bisect_right(self._closes, t)
        closes = self._closes
        cap = self._cap
        while i < len(closes):
            if cap is None or self._used[i] < cap:
                if cap is not None:
                    self._used[i] += 1
                o = self._opens[i]
                return o if o > t else t
            i += 1
        return math.inf  # never opens again within the horizon

"""One gate at run time: its stages, yard, and the truck process (the hot path)."""

from __future__ import annotations

from collections import deque
from functools import partial
from typing import Any

import simpy

from gatesim.events.kinds import YARD_STAGE, Kind
from gatesim.events.log import EventLog
from gatesim.model.process import Resume, start, wake
from gatesim.model.stage import StageRuntime
from gatesim.model.trucks import Trucks
from gatesim.scenario.schema import DIRECTIONS, Gate

__all__ = ["GateRuntime"]

_Q, _S, _E = int(Kind.QUEUED), int(Kind.STARTED), int(Kind.ENDED)
_ARRIVED, _CROSSED = int(Kind.ARRIVED), int(Kind.CROSSED)
_BLOCKED = (YARD_STAGE << 8) | Kind.BLOCKED
_YARD_IN = (YARD_STAGE << 8) | Kind.YARD_IN
_YARD_OUT = (YARD_STAGE << 8) | Kind.YARD_OUT


class GateRuntime:
    """Runs the trucks of one gate through their route's stages."""

    def __init__(
        self,
        env: simpy.Environment,
        log: EventLog,
        code: int,
        gate: Gate,
        stages: dict[str, StageRuntime],
        trucks: Trucks,
        first_truck: int,
    ) -> None:
        self.env = env
        self.log = log
        self.code = code
        self.trucks = trucks
        self.first_truck = first_truck
        self.yard_free = gate.yard.capacity_trucks if gate.yard is not None else 0
        self._waiters: deque = deque()  # resume callbacks of trucks on the approach
        self._t = trucks.arrivals.t_h.tolist()
        self._dir = trucks.arrivals.direction.tolist()
        # Per direction: the route as a tuple of steps with everything precomputed.
        self._routes: list[tuple[Any, ...] | None] = []
        for d in DIRECTIONS:
            route = gate.routes.get(d)
            if route is None:
                self._routes.append(None)
                continue
            steps = []
            for sid in route.stages:
                rt = stages[sid]
                st = gate.stages[sid]
                c = rt.code << 8
                steps.append(
                    (
                        rt,
                        trucks.service_h[sid].tolist(),
                        st.travel_min / 60.0,
                        sid == route.yard_from,
                        sid == route.yard_until,
                        c | _Q,
                        c | _S,
                        c | _E,
                    )
                )
            self._routes.append(tuple(steps))

    def source(self):
        """Schedule each hour's trucks at their arrival instants, an hour at a time.

        One wake-up per hour instead of one per truck: trucks are started
        directly at their arrival time, and no more than an hour of them
        exist before they arrive.
        """
        env = self.env
        truck = self._truck
        times = self._t
        n = len(times)
        k = 0
        hour = 0.0
        while k < n:
            hour += 1.0
            while k < n and times[k] < hour:
                start(env, partial(truck, k), times[k] - env.now)
                k += 1
            if k < n:
                yield hour - env.now

    def _truck(self, k: int, resume: Resume):
        env = self.env
        log_t = self.log.t_h.append
        log_w = self.log.word.append
        base = ((self.first_truck + k) << 24) | (self.code << 16)
        now = env.now
        log_t(now)
        log_w(base | _ARRIVED)
        for rt, service, travel_h, acquire, release, wq, ws, we in self._routes[self._dir[k]]:
            if acquire:
                if self.yard_free > 0:
                    self.yard_free -= 1
                else:
                    log_t(now)
                    log_w(base | _BLOCKED)
                    self._waiters.append(resume)
                    yield None  # parked until a slot frees
                    now = env.now
                log_t(now)
                log_w(base | _YARD_IN)
            log_t(now)
            log_w(base | wq)
            svc = service[k]
            t_start = rt.book(now, svc)
            if t_start > now:
                yield t_start - now
                now = t_start
            log_t(now)
            log_w(base | ws)
            if release:
                log_t(now)
                log_w(base | _YARD_OUT)
                if self._waiters:
                    wake(env, self._waiters.popleft())
                else:
                    self.yard_free += 1
            yield svc
            now += svc
            log_t(now)
            log_w(base | we)
            if travel_h:
                yield travel_h
                now += travel_h
        log_t(now)
        log_w(base | _CROSSED)

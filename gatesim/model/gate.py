"""One gate at run time: its stages, yard, and the truck process (the hot path)."""

from __future__ import annotations

from collections import deque
from heapq import heappush
from typing import Any

import numpy as np
import simpy

from gatesim.events.kinds import YARD_STAGE, Kind
from gatesim.events.log import SAME_TIME, EventLog
from gatesim.model.process import NORMAL, Sleeper
from gatesim.model.stage import StageRuntime
from gatesim.model.trucks import Trucks
from gatesim.scenario.schema import DIRECTIONS, Gate

__all__ = ["GateRuntime"]

_Q, _S, _E = int(Kind.QUEUED), int(Kind.STARTED), int(Kind.ENDED)
_ARRIVED, _CROSSED = int(Kind.ARRIVED), int(Kind.CROSSED)
_BLOCKED = (YARD_STAGE << 8) | Kind.BLOCKED
_YARD_IN = (YARD_STAGE << 8) | Kind.YARD_IN
_YARD_OUT = (YARD_STAGE << 8) | Kind.YARD_OUT


def _floats(values: np.ndarray) -> memoryview:
    return memoryview(np.ascontiguousarray(values, dtype=np.float64))


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
        part = log.gate(code)
        self.log_t, self.log_w = part.t_h.append, part.word.append
        self.code = code
        self.trucks = trucks
        self.first_truck = first_truck
        self.yard_free = gate.yard.capacity_trucks if gate.yard is not None else 0
        self._waiters: deque[Sleeper] = deque()  # wake-ups of trucks on the approach
        # Per-truck columns are read through memoryviews of the numpy arrays:
        # a float is made per read, but none is kept per truck (a list would
        # hold 32 bytes per value: over 100 MB for a year of services).
        self._t = _floats(trucks.arrivals.t_h)
        self._dir = memoryview(np.ascontiguousarray(trucks.arrivals.direction, dtype=np.uint8))
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
                        rt.book,
                        _floats(trucks.service_h[sid]),
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
        queue = env._queue
        eid = env._eid
        n = len(times)
        k = 0
        hour = 0.0
        while k < n:
            hour += 1.0
            while k < n and times[k] < hour:
                w = Sleeper()
                w.attach(truck(k, w))
                # as ``env.schedule(w, NORMAL, times[k] - env.now)`` would
                heappush(queue, (env._now + (times[k] - env._now), NORMAL, next(eid), w))
                k += 1
            if k < n:
                yield hour - env.now

    def _truck(self, k: int, w: Sleeper):
        """One truck's events, in time order (the hot path).

        ``now`` is the time logged; ``t_env`` is SimPy's clock, which is where
        the next wake-up is counted from (as ``env.schedule`` would), so the
        schedule is exactly the one of a plain SimPy process.
        """
        yield  # primed by Sleeper.attach
        env = self.env
        queue = env._queue
        eid = env._eid
        push = heappush
        cbs = w.cbs
        log_t = self.log_t
        log_w = self.log_w
        base = ((self.first_truck + k) << 24) | (self.code << 16)
        now = t_env = env._now
        # A time is appended only for the first event after each wake-up; the
        # other events of the same instant carry SAME_TIME and reuse it.
        log_t(now)
        log_w(base | _ARRIVED)
        same = SAME_TIME  # flag of the next stage's first event (0 after travel)
        normal = NORMAL
        for book, service, travel_h, acquire, release, wq, ws, we in self._routes[self._dir[k]]:
            if acquire:
                if self.yard_free > 0:
                    self.yard_free -= 1
                else:
                    log_w(base | _BLOCKED | same)
                    w.callbacks = cbs
                    self._waiters.append(w)
                    yield  # parked until a slot frees
                    now = t_env = env._now
                    log_t(now)
                    same = 0
                log_w(base | _YARD_IN | same)
                same = SAME_TIME
            log_w(base | wq | same)
            svc = service[k]
            t_start = book(now, svc)
            if t_start > now:
                t_env += t_start - now
                w.callbacks = cbs
                push(queue, (t_env, normal, next(eid), w))
                yield
                # Log SimPy's clock, not t_start: they can differ by an ulp,
                # and a truck woken at this instant logs the clock.
                now = t_env
                log_t(now)
                log_w(base | ws)
            else:
                log_w(base | ws | SAME_TIME)
            if release:
                log_w(base | _YARD_OUT | SAME_TIME)
                if self._waiters:
                    env.schedule(self._waiters.popleft(), normal, 0.0)
                else:
                    self.yard_free += 1
            t_env += svc
            w.callbacks = cbs
            push(queue, (t_env, normal, next(eid), w))
            yield
            now = t_env
            log_t(now)
            log_w(base | we)
            if travel_h:
                t_env += travel_h
                w.callbacks = cbs
                push(queue, (t_env, normal, next(eid), w))
                yield
                now = t_env
                log_t(now)
                same = 0
            else:
                same = SAME_TIME
        log_w(base | _CROSSED | same)
        w.detach()
        yield  # never resumed; freed when step drops the callback list

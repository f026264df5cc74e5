"""One gate at run time: its stages, yard, and the truck process (the hot path)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

import numpy as np
import simpy

from gatesim.events.kinds import YARD_STAGE, Kind
from gatesim.events.log import SAME_TIME, EventLog
from gatesim.model.general import RENEGED, GeneralStage, Waiter
from gatesim.model.process import Sleeper, start
from gatesim.model.stage import StageRuntime
from gatesim.model.stage_timed import TimedStageRuntime
from gatesim.model.trucks import Trucks
from gatesim.scenario.schema import DIRECTIONS, Gate, Route, class_values

__all__ = ["GateRuntime", "Joins", "Reneging", "RouteStep", "skip_rules"]

_Q, _S, _E = int(Kind.QUEUED), int(Kind.STARTED), int(Kind.ENDED)
_ARRIVED, _CROSSED = int(Kind.ARRIVED), int(Kind.CROSSED)
_BLOCKED = (YARD_STAGE << 8) | Kind.BLOCKED
_YARD_IN = (YARD_STAGE << 8) | Kind.YARD_IN
_YARD_OUT = (YARD_STAGE << 8) | Kind.YARD_OUT


def _floats(values: np.ndarray) -> memoryview:
    # ndarray has the buffer protocol; numpy's stubs do not declare it as Buffer
    return memoryview(np.ascontiguousarray(values, dtype=np.float64))  # type: ignore[arg-type]


class Skip(NamedTuple):
    """A routing rule at a step: the trucks it applies to pass the stage by within the hours."""

    applies: memoryview  # per truck: 1 if the truck's class is one the rule names
    from_h: float  # Hanoi time of day (sim hours modulo 24)
    to_h: float

    def now(self, k: int, t_h: float) -> bool:
        """Truck ``k`` reaching the stage at ``t_h`` passes it by."""
        return bool(self.applies[k]) and self.from_h <= t_h % 24.0 < self.to_h


def skip_rules(route: Route, trucks: Trucks) -> dict[str, Skip]:
    """The route's routing rules by stage id, with each truck's class matched once."""
    out = {}
    for rule in route.skip:
        column = trucks.arrivals.cargo if rule.by == "cargo" else trucks.channel
        values = class_values(rule.by)
        mask = np.isin(column, [values.index(c) for c in rule.classes]).astype(np.uint8)
        out[rule.stage] = Skip(memoryview(mask), float(rule.from_h), float(rule.to_h))  # type: ignore[arg-type]  # see _floats
    return out


class Reneging(Protocol):
    """What a gate tells the source of its trucks (``gatesim.model.sources``)."""

    def reneged(self, gate_code: int, k: int) -> None:
        """Truck ``k`` gave up waiting at gate ``gate_code`` now and left it."""


class Joins(Protocol):
    """A step the truck joins and is woken from (its start, or giving up): a general-path
    stage, or a route buffer's end (model/buffer.py)."""

    reneged_word: int

    def join(self, k: int, wake: Any) -> Waiter: ...  # wake: a Sleeper, or what wakes one

    def release(self) -> None: ...


class RouteStep(NamedTuple):
    """One stage of a direction's route, with everything the truck needs precomputed.

    Exactly one of ``book`` (the FIFO booking path) and ``general`` (the
    event-driven path, for stages with a state-dependent rule) is set.
    """

    book: Callable[[float, float], float] | None  # StageRuntime.book: start time of a truck arriving now
    general: Joins | None  # the stage's queue on the general path (or a buffer's end)
    service_h: memoryview  # service hours, per truck
    travel_h: float  # travel after the stage
    takes_yard: bool  # the truck takes a yard slot before it queues here
    frees_yard: bool  # the truck frees its yard slot when its service starts here
    queued: int  # the packed stage|kind of the stage's QUEUED event (STARTED, ENDED likewise)
    started: int
    ended: int
    skip: Skip | None  # a routing rule at this stage


class GateRuntime:
    """Runs the trucks of one gate through their route's stages."""

    def __init__(
        self,
        env: simpy.Environment,
        log: EventLog,
        code: int,
        gate: Gate,
        stages: dict[tuple[str, str], StageRuntime | TimedStageRuntime | GeneralStage],
        trucks: Trucks,
        first_truck: int,
        feed: Reneging | None = None,
    ) -> None:
        """``stages``: the runtime serving each (stage id, direction): a stage
        shared by both directions is the same object under both keys; ``feed``:
        the truck source told when one of its trucks gives up here."""
        self.env = env
        part = log.gate(code)
        self.log_t, self.log_w = part.t_h.append, part.word.append
        self.code = code
        self.trucks = trucks
        self.first_truck = first_truck
        self.yard_capacity = gate.yard.capacity_trucks if gate.yard is not None else 0
        self.yard_free = self.yard_capacity
        self.waiters: deque[Sleeper] = deque()  # wake-ups of trucks on the approach
        self.stages = stages
        self.feed = feed
        # the automated lane (model/smart.py): the trucks it carries take lane_route instead
        self.lane_trucks: memoryview | None = None
        self.lane_route: tuple[RouteStep, ...] = ()
        # Per-truck columns are read through memoryviews of the numpy arrays:
        # a float is made per read, but none is kept per truck (a list would
        # hold 32 bytes per value: over 100 MB for a year of services).
        self._t = _floats(trucks.arrivals.t_h)
        self._dir = memoryview(np.ascontiguousarray(trucks.arrivals.direction, dtype=np.uint8))  # type: ignore[arg-type]  # see _floats
        self._routes: list[tuple[RouteStep, ...] | None] = []
        for d in DIRECTIONS:
            route = gate.routes.get(d)
            if route is None:
                self._routes.append(None)
                continue
            steps = []
            skips = skip_rules(route, trucks)
            for sid in route.stages:
                rt = stages[(sid, d)]
                st = gate.stages[sid]
                c = rt.code << 8
                general = rt if isinstance(rt, GeneralStage) else None
                steps.append(
                    RouteStep(
                        book=None if isinstance(rt, GeneralStage) else rt.book,
                        general=general,
                        service_h=_floats(trucks.service_h[sid]),
                        travel_h=st.travel_min / 60.0,
                        takes_yard=sid == route.yard_from,
                        frees_yard=sid == route.yard_until,
                        queued=c | _Q,
                        started=c | _S,
                        ended=c | _E,
                        skip=skips.get(sid),
                    )
                )
            self._routes.append(tuple(steps))

    def route(self, d: int) -> tuple[RouteStep, ...] | None:
        """Direction ``d``'s route (index into DIRECTIONS), as the trucks walk it."""
        return self._routes[d]

    def set_route(self, d: int, steps: tuple[RouteStep, ...]) -> None:
        """Walk direction ``d``'s route by ``steps`` from now on (a route buffer's ends, model/smart.py)."""
        self._routes[d] = steps

    def rebook(self, books: dict[int, Callable[[float, float], float]]) -> None:
        """Route the booking of stage runtime ``id(rt)`` through ``books[id(rt)]``
        (a :class:`~gatesim.model.live.LiveState` recording the trucks it books)."""
        self._routes = [
            None
            if route is None
            else tuple(
                # a FIFO step's book is a bound method of its stage runtime
                step._replace(book=books.get(id(step.book.__self__), step.book))  # type: ignore[attr-defined]
                if step.book
                else step
                for step in route
            )
            for route in self._routes
        ]

    def source(self):
        """Schedule each hour's trucks at their arrival instants, an hour at a time.

        One wake-up per hour instead of one per truck: trucks are started
        directly at their arrival time, and no more than an hour of them
        exist before they arrive.
        """
        env = self.env
        truck = self._truck
        times = self._t
        first = self.first_truck
        n = len(times)
        k = 0
        hour = 0.0
        while k < n:
            hour += 1.0
            while k < n and times[k] < hour:
                w = Sleeper(env, first + k)
                w.attach(truck(k, w))
                w.at(env._now + (times[k] - env._now))  # as env.schedule(w, priority, delay) would
                k += 1
            if k < n:
                yield hour - env.now

    def start_arrivals(self) -> None:
        """Start the gate's own arrivals (:meth:`source`)."""
        start(self.env, lambda _resume: self.source())

    def admit(self, k: int, at_h: float) -> None:
        """Truck ``k`` of this gate's columns arrives at the instant ``at_h`` (>= now)."""
        w = Sleeper(self.env, self.first_truck + k)
        w.attach(self._truck(k, w))
        w.at(at_h)

    # The hot loop, kept whole: a helper call per event would cost run time.
    def _truck(self, k: int, w: Sleeper):  # noqa: C901
        """One truck's events, in time order (the hot path).

        ``now`` is the time logged; ``t_env`` is SimPy's clock, which is where
        the next wake-up is counted from (``t_env + delay``, as ``env.timeout``
        would). A truck booked to start later wakes at exactly its booked
        start. Each sleep is ``w.at(t); yield``; each parking ``w.park(); yield``.
        """
        yield  # primed by Sleeper.attach
        env = self.env
        log_t = self.log_t
        log_w = self.log_w
        base = ((self.first_truck + k) << 24) | (self.code << 16)
        now = t_env = env._now
        # A time is appended only for the first event after each wake-up; the
        # other events of the same instant carry SAME_TIME and reuse it.
        log_t(now)
        log_w(base | _ARRIVED)
        same = SAME_TIME  # flag of the next stage's first event (0 after travel)
        in_yard = False
        route = self._routes[self._dir[k]]
        if self.lane_trucks is not None and self.lane_trucks[k]:
            route = self.lane_route  # the automated lane carries its container
        # every arriving truck's direction has a route (arrivals are drawn for routed directions only)
        for book, general, service, travel_h, takes_yard, frees_yard, wq, ws, we, skip in route:  # type: ignore[union-attr]
            if skip is not None and skip.now(k, now):
                continue  # passed by: no event, no service, no travel; the next stage at once
            if takes_yard:
                if self.yard_free > 0:
                    self.yard_free -= 1
                else:
                    log_w(base | _BLOCKED | same)
                    w.park()
                    self.waiters.append(w)
                    yield  # parked until a slot frees
                    now = t_env = env._now
                    log_t(now)
                    same = 0
                log_w(base | _YARD_IN | same)
                same = SAME_TIME
                in_yard = True
            log_w(base | wq | same)
            svc = service[k]
            if general is None:  # FIFO booking: the start is known now
                t_start = book(now, svc)  # type: ignore[misc]  # a FIFO step (general None) has a book
                if t_start > now:
                    # Wake at the booked instant itself (a server's free time or an
                    # opening), not now + (t_start - now), which can be an ulp off:
                    # trucks due at the same instant must tie exactly (truck-id order).
                    t_env = t_start
                    w.at(t_env)
                    yield
                    now = t_env
                    log_t(now)
                    log_w(base | ws)
                else:
                    log_w(base | ws | SAME_TIME)
            else:  # general path: wait until the stage starts us, or give up
                waiter = general.join(k, w)
                w.park()
                yield
                now = t_env = env._now
                log_t(now)
                if waiter.state == RENEGED:
                    log_w(base | general.reneged_word)
                    if in_yard:
                        self._free_yard(base)
                    if self.feed is not None:  # its source may send it elsewhere
                        self.feed.reneged(self.code, k)
                    w.detach()
                    yield  # never resumed
                log_w(base | ws)
            if frees_yard:
                self._free_yard(base)
                in_yard = False
            t_env += svc
            w.at(t_env)
            yield
            now = t_env
            log_t(now)
            log_w(base | we)
            if general is not None:
                general.release()
            if travel_h:
                t_env += travel_h
                w.at(t_env)
                yield
                now = t_env
                log_t(now)
                same = 0
            else:
                same = SAME_TIME
        log_w(base | _CROSSED | same)
        w.detach()
        yield  # never resumed; freed when step drops the callback list

    def _free_yard(self, base: int) -> None:
        """The truck leaves the yard now: its slot goes to the first truck on the approach."""
        self.log_w(base | _YARD_OUT | SAME_TIME)
        if self.waiters:
            self.waiters.popleft().wake()
        else:
            self.yard_free += 1

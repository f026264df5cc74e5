"""The reference twin: the same model written the plain SimPy way.

This module is the executable specification of the model. It draws the same
trucks as the fast engine (same streams, arrivals, service times, classes and
patience) and writes the same event log, so every projection and output works
on it; but it is written the way a SimPy textbook writes a queue:

- a SimPy process per truck (:meth:`GateTwin.truck`) walks its route;
- a FIFO stage's servers are a ``simpy.Resource`` (:class:`FifoStage`, in
  :mod:`gatesim.model.reference_stages` with the other stage): a
  truck holds its server from the moment it gets one until its service ends,
  waiting (with it) until the stage is open and the day's quota has room;
- a stage with queue rules is a ``simpy.PriorityResource`` whose servers on
  duty change (:class:`RuledStage`): a process follows the stage's timeline
  (opening hours, server schedule, outages), a surge adds servers, the class
  rank is the request's priority, and a truck with patience waits on
  ``request | timeout(patience)`` and leaves the queue if the timeout wins;
- the yard is a ``simpy.Resource`` of slots: a truck asks for a slot before
  it queues at its route's ``yard_from`` stage (waiting on the approach road,
  blocked, when the yard is full; FIFO wake-up) and frees it when its service
  starts at ``yard_until`` (or when it reneges).

Trucks come from a truck source (:mod:`gatesim.model.sources`, :func:`twin_source`):
each gate's own arrivals, or the twin's own corridor
(:mod:`gatesim.model.reference_corridor`: a process per corridor truck from its
origin, gate choice, holding at the origin or in a staging yard, booking, to the
gate; :mod:`gatesim.model.reference_holding`: the meters). It shares the
corridor's rules and draws with the fast engine, not its orchestration, and reads
the twin's gates only: the start a truck joining a stage now would get, worked out
from the resources (:mod:`gatesim.model.reference_live`), the yard and its approach.

One rule is not textbook SimPy: **trucks due at the same instant act in
truck-id order**, after the stages' own events (see :class:`TruckWakeup`).
The fast engine follows the same rule, so ties (many trucks released at an
opening instant, deterministic road times) resolve alike in both.

``gatesim run --engine reference`` runs it. It is slower than the fast engine
(``gatesim/model/gate.py`` books FIFO stages without request/release events)
and is meant to be read and changed: a modeller tries a new queue rule here
first; ``tests/properties/test_engine_twin.py`` checks that both engines give every
truck the same stage start and end times.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sized
from dataclasses import dataclass
from typing import TYPE_CHECKING

import simpy

from gatesim.events.kinds import NO_STAGE, YARD_STAGE, Kind, pack
from gatesim.events.log import EventLog
from gatesim.model.build import GatePlan, ReplicationPlan, StagePath, StagePlan, build_replication
from gatesim.model.gate import Reneging
from gatesim.model.metadata import run_metadata
from gatesim.model.process import TRUCK_PRIORITY
from gatesim.model.reference_live import FifoStart, RuledStart
from gatesim.model.reference_stages import FifoStage, RuledStage, TimedStage, TruckWakeup
from gatesim.model.sources import GateArrivals, GateTrucks
from gatesim.model.trucks import Trucks, mean_service_h
from gatesim.scenario.schema import DIRECTIONS, Gate, Scenario, SkipRule, class_values

if TYPE_CHECKING:  # loaded only for a scenario with a corridor (twin_source)
    from gatesim.model.reference_corridor import CorridorTwin

__all__ = ["GateTwin", "Step", "gate_twin", "simulate_reference"]


# ---- a gate and its trucks -------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One stage of a route, as a truck of that route sees it."""

    stage: FifoStage | RuledStage
    stage_id: str
    travel_h: float  # after the service, to the next stage
    takes_yard_slot: bool  # the truck takes a yard slot before it queues here
    frees_yard_slot: bool  # ... and frees it when its service starts here
    skip: SkipRule | None  # a routing rule: some trucks pass this stage by at some hours


class GateTwin:
    """One gate: its stages, its yard and its trucks' processes."""

    def __init__(
        self,
        env: simpy.Environment,
        log: EventLog,
        code: int,
        gate: Gate,
        stages: dict[str, FifoStage | RuledStage],
        trucks: Trucks,
        first_truck: int,
        feed: Reneging | None = None,
    ) -> None:
        """``feed``: the source of the gate's trucks, told when one gives up here."""
        self.env = env
        self.code = code
        self.part = log.gate(code)
        self.trucks = trucks
        self.first_truck = first_truck
        self.feed = feed
        self.yard = simpy.Resource(env, capacity=gate.yard.capacity_trucks) if gate.yard is not None else None
        self.yard_capacity = gate.yard.capacity_trucks if gate.yard is not None else 0
        # what a truck joining each (stage id, direction) now would get (the corridor reads it)
        self.stages: dict[tuple[str, str], FifoStart | RuledStart] = {
            (sid, d): RuledStart(st, mean_service_h(gate, sid))
            if isinstance(st, RuledStage)
            else FifoStart(env, st, di)
            for sid, st in stages.items()
            for di, d in enumerate(DIRECTIONS)
        }
        self.routes: dict[int, list[Step]] = {}
        for d, direction in enumerate(DIRECTIONS):
            route = gate.routes.get(direction)
            if route is not None:
                self.routes[d] = [
                    Step(
                        stage=stages[sid],
                        stage_id=sid,
                        travel_h=gate.stages[sid].travel_min / 60.0,
                        takes_yard_slot=sid == route.yard_from,
                        frees_yard_slot=sid == route.yard_until,
                        skip=next((rule for rule in route.skip if rule.stage == sid), None),
                    )
                    for sid in route.stages
                ]

    def log(self, k: int, stage: int, kind: Kind) -> None:
        self.part.t_h.append(self.env.now)
        self.part.word.append(pack(self.first_truck + k, self.code, stage, kind))

    def hold(self, k: int, delay: float) -> TruckWakeup:
        """Truck ``k`` waits ``delay`` hours (``0``: lets the trucks before it in this instant act first)."""
        return TruckWakeup(self.env, self.env.now + delay, TRUCK_PRIORITY + self.first_truck + k)

    def until(self, k: int, t: float) -> TruckWakeup:
        """Truck ``k`` waits until the instant ``t``."""
        return TruckWakeup(self.env, t, TRUCK_PRIORITY + self.first_truck + k)

    @property
    def yard_free(self) -> int:
        return int(self.yard.capacity) - self.yard.count if self.yard is not None else 0

    @property
    def waiters(self) -> Sized:
        """The trucks on the approach road, waiting for a yard slot."""
        return self.yard.queue if self.yard is not None else []

    def start_arrivals(self) -> None:
        self.env.process(self.source())

    def source(self):
        """Start each truck's process at its arrival instant."""
        for k, t in enumerate(self.trucks.arrivals.t_h.tolist()):
            yield self.until(k, t)
            self.env.process(self.truck(k))

    def admit(self, k: int, at_h: float) -> None:
        """Truck ``k`` arrives at the instant ``at_h`` (sent by a truck source)."""

        def arrive(_event: object) -> None:
            self.env.process(self.truck(k))

        self.until(k, at_h).callbacks.append(arrive)

    def truck(self, k: int):
        """One truck's journey through its route."""
        direction = int(self.trucks.arrivals.direction[k])
        self.log(k, NO_STAGE, Kind.ARRIVED)
        slot = None
        for step in self.routes[direction]:
            if step.skip is not None and self.passes_by(k, step.skip):
                continue  # no queue, no service, no travel: on to the next stage now
            if step.takes_yard_slot:
                slot = yield from self.take_yard_slot(k)
            self.log(k, step.stage.code, Kind.QUEUED)
            if isinstance(step.stage, TimedStage):
                yield from self.timed_service(k, step, slot)
            elif isinstance(step.stage, RuledStage):
                served = yield from self.ruled_service(k, step, slot)
                if not served:  # reneged: left the gate
                    if self.feed is not None:  # its source may send it elsewhere
                        self.feed.reneged(self.code, k)
                    return
            else:
                yield from self.fifo_service(k, step, direction, slot)
        self.log(k, NO_STAGE, Kind.CROSSED)

    def take_yard_slot(self, k: int):
        """A yard slot for truck ``k``: at once, or after waiting on the approach road (blocked)."""
        assert self.yard is not None  # a route takes a yard slot only at a gate with a yard
        slot = self.yard.request()
        if not slot.triggered:  # yard full: wait on the approach road
            self.log(k, YARD_STAGE, Kind.BLOCKED)
            yield slot
            yield self.hold(k, 0.0)  # act in our turn among this instant's trucks
        self.log(k, YARD_STAGE, Kind.YARD_IN)
        return slot

    def passes_by(self, k: int, rule: SkipRule) -> bool:
        """Truck ``k`` is of a class ``rule`` names and reaches the stage within its hours."""
        column = self.trucks.arrivals.cargo if rule.by == "cargo" else self.trucks.channel
        if class_values(rule.by)[int(column[k])] not in rule.classes:
            return False
        return rule.from_h <= self.env.now % 24.0 < rule.to_h

    def fifo_service(self, k: int, step: Step, direction: int, slot):
        """Queue for a server (FIFO), wait for the opening with it, be served, free it."""
        stage = step.stage
        assert isinstance(stage, FifoStage)
        servers = stage.servers[direction] if stage.servers is not None else None
        server = servers.request() if servers is not None else None
        service_h = float(self.trucks.service_h[step.stage_id][k])
        visit: object = server if server is not None else (step.stage_id, k)  # the truck's visit here
        stage.service_h[visit] = service_h
        if server is not None:
            waited = not server.triggered
            yield server  # a server is ours (SimPy resumes us at once, before other trucks)
            # The day's quota goes in the order the servers were granted, i.e. the queue's
            # (FIFO): two servers freeing at one instant must not let the later truck of the
            # queue take the last unit because its id is lower.
            start = stage.first_start(self.env.now)
            stage.starts[visit] = start
            if waited:  # handed over at this instant: act in our turn among its trucks
                yield self.hold(k, 0.0)
        else:
            start = stage.first_start(self.env.now)
            stage.starts[visit] = start
        if start > self.env.now:
            yield self.until(k, start)  # holding the server until the stage opens
        self.started(k, step, slot)
        if servers is not None and server is not None:
            # The server is free at the end instant for the truck due to take it, in that
            # truck's turn, which may come before this truck's own end (a lower id): a stage
            # event at that instant (SimPy's NORMAL, before every truck) hands it over, as a
            # booked start does in the booking engines.
            self.env.timeout(service_h).callbacks.append(
                lambda _e: self.free_server(stage, servers, server, visit)
            )
        yield self.hold(k, service_h)
        self.log(k, stage.code, Kind.ENDED)
        if server is None:
            del stage.service_h[visit], stage.starts[visit]
        yield self.hold(k, step.travel_h)

    @staticmethod
    def free_server(stage: FifoStage, servers: simpy.Resource, server, visit: object) -> None:
        """A FIFO server's service ends now: the next truck of the queue gets it."""
        del stage.service_h[visit], stage.starts[visit]
        servers.release(server)

    def timed_service(self, k: int, step: Step, slot):
        """Queue for a server of a timed FIFO stage, be served, free it (as ``fifo_service``)."""
        stage = step.stage
        assert isinstance(stage, TimedStage)
        request = stage.join(0)
        waited = not request.triggered
        yield request  # a server is ours
        if waited:  # started at this instant by someone else: act in our turn among its trucks
            yield self.hold(k, 0.0)
        self.started(k, step, slot)
        service_h = float(self.trucks.service_h[step.stage_id][k])
        # freed at the end instant by a stage event, before every truck of it (fifo_service)
        self.env.timeout(service_h).callbacks.append(lambda _e: self.free_timed(stage, request))
        yield self.hold(k, service_h)
        self.log(k, stage.code, Kind.ENDED)
        yield self.hold(k, step.travel_h)

    @staticmethod
    def free_timed(stage: TimedStage, request) -> None:
        """A timed stage's service ends now: the next truck of the queue may start."""
        stage.release(request)

    def ruled_service(self, k: int, step: Step, slot):
        """Queue at a stage with rules; False if the truck gave up waiting."""
        stage = step.stage
        assert isinstance(stage, RuledStage)
        rank = self.trucks.rank.get(step.stage_id)
        request = stage.join(int(rank[k]) if rank is not None else 0)
        patience = self.trucks.patience_h.get(step.stage_id)
        p = float(patience[k]) if patience is not None else math.inf
        if p < math.inf:
            yield request | self.hold(k, p)
        else:
            yield request
        if not request.triggered:  # patience ran out first: leave the queue
            stage.leave_queue(request)
            yield self.hold(k, 0.0)  # act in our turn among this instant's trucks
            self.log(k, stage.code, Kind.RENEGED)
            if slot is not None and self.yard is not None and slot in self.yard.users:
                self.log(k, YARD_STAGE, Kind.YARD_OUT)
                self.yard.release(slot)
            return False
        yield self.hold(k, 0.0)  # the stage started us: act in our turn
        self.started(k, step, slot)
        yield self.hold(k, float(self.trucks.service_h[step.stage_id][k]))
        self.log(k, stage.code, Kind.ENDED)
        stage.release(request)  # the stage picks the next truck now; we go on first
        if step.travel_h:
            yield self.hold(k, step.travel_h)
        return True

    def started(self, k: int, step: Step, slot) -> None:
        """Service starts; at the route's ``yard_until`` the truck leaves the yard."""
        self.log(k, step.stage.code, Kind.STARTED)
        if step.frees_yard_slot:
            self.log(k, YARD_STAGE, Kind.YARD_OUT)
            assert self.yard is not None  # frees_yard_slot only at a gate with a yard
            self.yard.release(slot)


# ---- one replication -----------------------------------------------------------


def _stage(env: simpy.Environment, log: EventLog, g_code: int, sp: StagePlan) -> FifoStage | RuledStage:
    st = sp.stage
    if sp.spans is not None:
        return (TimedStage if sp.path == StagePath.TIMED else RuledStage)(
            env,
            log.gate(g_code),
            g_code,
            sp.code,
            sp.spans,
            st.daily_capacity,
            st.surge,
            bool(st.server_schedule or st.surge),
        )
    split = getattr(st, "lanes_by_direction", None)
    if split is not None:
        servers = {d: simpy.Resource(env, split[name]) for d, name in enumerate(DIRECTIONS)}
    elif st.servers is not None:
        shared = simpy.Resource(env, st.servers)
        servers = {d: shared for d in range(len(DIRECTIONS))}
    else:
        servers = None
    return FifoStage(sp.code, servers, sp.opens.tolist(), sp.closes.tolist(), sp.always, st.daily_capacity)


# A gate's twin from its plan, stages, the trucks its source gives it and that source
# (the default: GateTwin; model/smart_twin.py adds a lane and buffers)
TwinFactory = Callable[
    [
        simpy.Environment,
        EventLog,
        ReplicationPlan,
        GatePlan,
        dict[str, "FifoStage | RuledStage"],
        GateTrucks,
        Reneging,
    ],
    GateTwin,
]


def gate_twin(
    env: simpy.Environment,
    log: EventLog,
    _plan: ReplicationPlan,
    gp: GatePlan,
    stages: dict[str, FifoStage | RuledStage],
    fed: GateTrucks,
    feed: Reneging,
) -> GateTwin:
    return GateTwin(env, log, gp.code, gp.gate, stages, fed.trucks, fed.first_truck, feed)


def simulate_reference(
    scenario: Scenario,
    days: int,
    replication: int,
    seed: int,
    make_twin: TwinFactory | None = None,
    on_build: Callable[[dict[str, GateTwin]], None] | None = None,
) -> tuple[EventLog, dict]:
    """One replication with the twin: the same inputs and outputs as ``simulate``;
    ``on_build`` is handed the gates before the run (e.g. to attach a
    :class:`~gatesim.model.reference_live.TwinLiveState`)."""
    plan = build_replication(scenario, days, replication, seed)
    env = simpy.Environment()
    log = EventLog()
    source = twin_source(plan)
    twins: dict[str, GateTwin] = {}
    for gp in plan.gates:
        fed = source.trucks_for(gp, log)
        stages = {sid: _stage(env, log, gp.code, sp) for sid, sp in gp.stages.items()}
        twins[gp.gid] = (make_twin or gate_twin)(env, log, plan, gp, stages, fed, source)
    if on_build is not None:
        on_build(twins)
    env.process(_calendar(env, log, plan.calendar))
    source.attach(env, log, twins)
    env.run(until=plan.clock.horizon_h)
    meta = run_metadata(scenario, plan.clock, days, replication, seed)
    source.finish(log, meta)
    return log, meta


def twin_source(plan: ReplicationPlan) -> GateArrivals | CorridorTwin:
    """The twin's source of the plan's trucks: its own corridor
    (:mod:`gatesim.model.reference_corridor`) if the scenario has one, else each gate's arrivals."""
    if plan.scenario.corridor is None:
        return GateArrivals()
    from gatesim.model.reference_corridor import CorridorTwin  # the corridor's modules load only when used

    return CorridorTwin(plan)


def _calendar(env: simpy.Environment, log: EventLog, rows: list[tuple[float, int]]):
    """Log each stage's openings and closings (the stages read their hours directly)."""
    for t, word in rows:
        if t > env.now:
            yield env.timeout(t - env.now)
        part = log.gate((word >> 16) & 0xFF)
        part.t_h.append(env.now)
        part.word.append(word)

"""The smart gate's parts in the reference twin: the specification of the SimPy engine's.

- **The lane**: its vehicles are a ``simpy.Resource`` of ``fleet_agvs``. A container
  of a truck the lane carries queues for a vehicle (FIFO), waits with it until the
  lane is open, is loaded, travels out and is unloaded (``crossing_h``: the truck's
  service at the lane), and the truck goes on with its route; the vehicle stays held
  for its whole hold (``hold_h``: cycle, charging, downtime), then logs
  ``agv_returned`` and takes the next container.
- **A route's buffer**: a ``simpy.Resource`` of places. A truck queued at the
  buffer's ``from_stage`` asks for a place before the stage's server (``buffer_full``
  while it waits, ``buffer_in`` when it has one) and gives it back when its service
  starts at ``until_stage``, or when it gives up waiting there (``buffer_out``).

As everywhere in the twin, trucks due at one instant act in truck-id order.
"""

from __future__ import annotations

from dataclasses import dataclass

import simpy

from gatesim.events.kinds import NO_STAGE, NO_TRUCK, YARD_STAGE, Kind, pack
from gatesim.events.log import EventLog
from gatesim.model.agv import LanePlan, lane_plan
from gatesim.model.build import GatePlan, ReplicationPlan, closed_dates
from gatesim.model.gate import Reneging
from gatesim.model.reference import GateTwin, Step, gate_twin
from gatesim.model.reference_stages import FifoStage, RuledStage
from gatesim.model.smart import has_smart
from gatesim.model.sources import GateTrucks
from gatesim.scenario.schema import DIRECTIONS

__all__ = ["smart_twin"]


@dataclass(frozen=True)
class LaneStep:
    """The lane in a carried truck's route, in place of the stages it replaces."""

    code: int
    frees_yard_slot: bool  # loading frees the truck's yard slot


@dataclass(frozen=True)
class BufferEnds:
    """A route's buffer: its places, and the stages where a place is taken and freed."""

    places: simpy.Resource
    from_stage: str
    until_stage: str
    from_code: int
    until_code: int


class SmartGateTwin(GateTwin):
    """A gate of the twin with an automated lane and route buffers."""

    def __init__(
        self,
        env: simpy.Environment,
        log: EventLog,
        gp: GatePlan,
        stages: dict[str, FifoStage | RuledStage],
        lane: LanePlan | None,
        vocabulary: list[str],
    ) -> None:
        assert gp.trucks is not None  # per-gate trucks (the twin runs no corridor)
        super().__init__(env, log, gp.code, gp.gate, stages, gp.trucks, gp.first_truck)
        self.buffers: dict[int, BufferEnds] = {}
        for d, name in enumerate(DIRECTIONS):
            route = gp.gate.routes.get(name)
            if route is not None and route.buffer is not None:
                b = route.buffer
                self.buffers[d] = BufferEnds(
                    simpy.Resource(env, capacity=b.capacity_trucks),
                    b.from_stage,
                    b.until_stage,
                    vocabulary.index(b.from_stage),
                    vocabulary.index(b.until_stage),
                )
        self.held: dict[
            int, simpy.resources.resource.Request
        ] = {}  # truck -> its place in its route's buffer
        self.lane = lane
        if lane is not None:
            self.fleet = simpy.Resource(env, capacity=lane.lane.fleet_agvs)
            self.lane_hours = FifoStage(
                lane.code, None, lane.opens.tolist(), lane.closes.tolist(), lane.always, None
            )
            steps = self.routes[lane.direction]
            self.lane_route: list[Step | LaneStep] = [
                *steps[: lane.first],
                LaneStep(lane.code, lane.frees_yard),
                *steps[lane.last + 1 :],
            ]

    def truck(self, k: int):
        """One truck's journey: the conventional route, or the lane's for a truck it carries."""
        direction = int(self.trucks.arrivals.direction[k])
        self.log(k, NO_STAGE, Kind.ARRIVED)
        slot = None
        carried = self.lane is not None and bool(self.lane.carried[k])
        route: list[Step | LaneStep] = self.lane_route if carried else list(self.routes[direction])
        buffer = self.buffers.get(direction)
        for step in route:
            if isinstance(step, LaneStep):
                yield from self.lane_service(k, step, slot)
                continue
            if step.skip is not None and self.passes_by(k, step.skip):
                continue
            if step.takes_yard_slot:
                slot = yield from self.take_yard_slot(k)
            self.log(k, step.stage.code, Kind.QUEUED)
            if buffer is not None and step.stage_id == buffer.from_stage:
                yield from self.take_place(k, buffer)
            if isinstance(step.stage, RuledStage):
                served = yield from self.ruled_service(k, step, slot)
                if not served:
                    self.free_place(k, buffer)  # gave up waiting: its place (if any) frees too
                    return
            else:
                yield from self.fifo_service(k, step, direction, slot)
        self.log(k, NO_STAGE, Kind.CROSSED)

    # ---- the buffer
    def take_place(self, k: int, buffer: BufferEnds):
        """Wait (in the stage's queue) for a place in the buffer, first come first served."""
        place = buffer.places.request()
        if not place.triggered:
            self.log(k, buffer.from_code, Kind.BUFFER_FULL)
            yield place
            yield self.hold(k, 0.0)  # act in our turn among this instant's trucks
        self.log(k, buffer.from_code, Kind.BUFFER_IN)
        self.held[k] = place

    def free_place(self, k: int, buffer: BufferEnds | None) -> None:
        place = self.held.pop(k, None)
        if place is not None and buffer is not None:
            self.log(k, buffer.until_code, Kind.BUFFER_OUT)
            buffer.places.release(place)

    def started(self, k: int, step: Step, slot) -> None:
        """Service starts; at the buffer's ``until_stage`` the truck frees its place."""
        super().started(k, step, slot)
        buffer = self.buffers.get(int(self.trucks.arrivals.direction[k]))
        if buffer is not None and step.stage_id == buffer.until_stage:
            self.free_place(k, buffer)

    # ---- the lane
    def lane_service(self, k: int, step: LaneStep, slot):
        """Queue for a vehicle, wait with it for the lane's hours, cross; the vehicle goes back."""
        assert self.lane is not None  # a LaneStep only in a gate with a lane
        self.log(k, step.code, Kind.QUEUED)
        vehicle = self.fleet.request()
        yield vehicle
        start = self.lane_hours.first_start(self.env.now)
        yield self.hold(k, 0.0)  # act in our turn among this instant's trucks
        if start > self.env.now:
            yield self.until(k, start)  # holding the vehicle until the lane opens
        self.log(k, step.code, Kind.STARTED)
        if step.frees_yard_slot and slot is not None and self.yard is not None:
            self.log(k, YARD_STAGE, Kind.YARD_OUT)
            self.yard.release(slot)
        self.env.process(self.vehicle_cycle(vehicle, step.code))
        yield self.hold(k, self.lane.lane.crossing_h)
        self.log(k, step.code, Kind.ENDED)  # unloaded on the far side: the container has crossed
        yield self.hold(k, 0.0)

    def vehicle_cycle(self, vehicle, code: int):
        """The vehicle is held for its whole cycle and charging, then free for the next container."""
        assert self.lane is not None
        yield self.env.timeout(self.lane.lane.hold_h)
        self.part.t_h.append(self.env.now)
        self.part.word.append(pack(NO_TRUCK, self.code, code, Kind.AGV_RETURNED))
        self.fleet.release(vehicle)


def smart_twin(
    env: simpy.Environment,
    log: EventLog,
    plan: ReplicationPlan,
    gp: GatePlan,
    stages: dict[str, FifoStage | RuledStage],
    fed: GateTrucks,
    feed: Reneging,
) -> GateTwin:
    """The gate's twin: with its lane and buffers when it has them (never with a corridor)."""
    if not has_smart(gp.gate):
        return gate_twin(env, log, plan, gp, stages, fed, feed)
    assert gp.trucks is not None  # per-gate trucks (the twin runs no corridor)
    closed = closed_dates(plan.scenario, gp.gid)
    lane = lane_plan(
        gp.gid, gp.gate, gp.trucks, plan.vocabulary, plan.clock, closed, plan.seed, plan.replication
    )
    return SmartGateTwin(env, log, gp, stages, lane, plan.vocabulary)

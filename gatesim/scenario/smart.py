"""The smart border gate's parts of a gate: an automated (AGV) freight lane, and a finite
buffer on a route (the Chinese side coupled to the Vietnamese one).

**The lane** (``gates.<gate>.agv_lane``): a fleet of driverless container vehicles
shuttling on a closed road between a Vietnamese and a Chinese yard. A truck of the
lane's direction whose cargo class the lane carries, and that holds a lane booking
(a share ``booked_share`` of them, at most ``bookings_per_day`` a day: the day's first
by arrival), leaves its route where the lane starts (the stages the lane ``replaces``): its
container waits for a vehicle, is loaded, travels out and is unloaded on the far side,
where it has crossed; the truck then goes on with the route's stages after the
replaced ones, if any. The vehicle is held for its whole cycle (loading, out,
unloading, back) plus charging, stretched by its downtime; a cycle starts only within
the lane's hours and, once started, runs to its end. Every other truck keeps the
conventional route.

**The buffer** (``routes.<direction>.buffer``): a finite number of places between two
stages of a route, as between the Vietnamese handover and the Chinese acceptance. A
truck takes a place when its service at ``from_stage`` is about to start (it has
queued there) and frees it when its service starts at ``until_stage``. While the
buffer is full, the truck waits in ``from_stage``'s queue (logged as ``buffer_full``,
then ``buffer_in`` when it gets a place, first come first served): a faster
Vietnamese side cannot push more trucks than the Chinese side takes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import Field, model_validator

from gatesim.limits import AGV_CYCLE_MIN, DOWNTIME_SHARE
from gatesim.scenario.base import Count, Minutes, PositiveCount, Share, StrictModel
from gatesim.scenario.hours import Hours
from gatesim.scenario.outcomes import Cargo

__all__ = [
    "LANE_STAGE",
    "AgvLane",
    "RouteBuffer",
    "check_route_buffer",
    "check_smart",
    "check_without_corridor",
]

# The lane's name in the log's stage vocabulary (its QUEUED, STARTED, ENDED events)
LANE_STAGE = "agv_lane"


class AgvLane(StrictModel):
    """An automated freight lane: its fleet, cycle, hours and which trucks it carries."""

    direction: Literal["export", "import"] = "export"
    replaces: list[str] = Field(..., min_length=1)  # consecutive stages of the direction's route
    fleet_agvs: PositiveCount
    # out and back: loading, travel out, unloading, travel back (charging apart)
    cycle_min: float = Field(..., **AGV_CYCLE_MIN.bounds)
    load_min: Minutes
    unload_min: Minutes
    travel_out_min: Minutes | None = None  # default: half the cycle's travel
    charge_min: Minutes = 0.0  # charging after each cycle
    downtime_share: float = Field(0.0, **DOWNTIME_SHARE.bounds)  # of a vehicle's time
    hours: Hours = Hours()  # when a cycle may start
    cargo: list[Cargo] = Field(..., min_length=1)  # the cargo classes it carries
    booked_share: Share = 1.0  # of the trucks with such cargo: those holding a lane booking
    bookings_per_day: Count | None = None  # at most so many bookings a day (the day's first trucks)

    @model_validator(mode="after")
    def _cycle(self) -> AgvLane:
        fixed = self.load_min + self.unload_min + (self.travel_out_min or 0.0)
        if self.cycle_min < fixed:
            parts = "load_min + unload_min" + (" + travel_out_min" if self.travel_out_min else "")
            raise ValueError(
                f"cycle_min: {self.cycle_min:g} min is shorter than {parts} ({fixed:g} min); "
                "the cycle is loading, travel out, unloading and travel back"
            )
        if len(set(self.cargo)) != len(self.cargo):
            raise ValueError("cargo: a cargo class is listed twice")
        return self

    @property
    def travel_out_used_min(self) -> float:
        if self.travel_out_min is not None:
            return self.travel_out_min
        return (self.cycle_min - self.load_min - self.unload_min) / 2.0

    @property
    def crossing_h(self) -> float:
        """From the start of loading to the end of unloading (the container has crossed)."""
        return (self.load_min + self.travel_out_used_min + self.unload_min) / 60.0

    @property
    def hold_h(self) -> float:
        """How long a vehicle is held per container: the cycle and charging, over its uptime."""
        return (self.cycle_min + self.charge_min) / (1.0 - self.downtime_share) / 60.0

    def per_open_hour(self) -> float:
        """Containers the fleet carries per open hour when always busy (the fluid capacity)."""
        return self.fleet_agvs / self.hold_h


class RouteBuffer(StrictModel):
    """A finite buffer between two stages of a route, in trucks."""

    capacity_trucks: PositiveCount
    from_stage: str  # a place is taken when service here is about to start
    until_stage: str  # ... and freed when service starts here


def check_route_buffer(stages: Sequence[str], buffer: RouteBuffer | None, skipped: Sequence[str]) -> None:
    """A buffer spans two stages of its route, the first before the second, no routing rule at either."""
    if buffer is None:
        return
    for key in ("from_stage", "until_stage"):
        sid = getattr(buffer, key)
        if sid not in stages:
            raise ValueError(f"buffer.{key}: {sid!r} is not in stages {list(stages)}")
        if sid in skipped:
            raise ValueError(f"buffer.{key}: {sid!r} has a skip rule (trucks could pass the buffer by)")
    if stages.index(buffer.from_stage) >= stages.index(buffer.until_stage):
        raise ValueError("buffer.from_stage: must come before until_stage")


def check_smart(lane: AgvLane | None, routes: Mapping[Any, Any], stages: Mapping[str, Any]) -> None:
    """A gate's buffers and lane against its routes and stages."""
    if LANE_STAGE in stages:  # reserved in the log's stage vocabulary, whichever gate has a lane
        raise ValueError(f"stages: {LANE_STAGE!r} is the automated lane's name; give the stage another")
    for d, route in routes.items():
        _check_buffer_stages(d, route, stages)
    if lane is not None:
        _check_lane(lane, routes, stages)


def _check_buffer_stages(d: str, route: Any, stages: Mapping[str, Any]) -> None:
    """A buffer starts at a FIFO stage (the place is taken as its start is booked), and a truck
    holding a place gives up only at ``until_stage``."""
    buffer = route.buffer
    if buffer is None:
        return
    if stages[buffer.from_stage].general:
        raise ValueError(
            f"routes.{d}.buffer.from_stage: {buffer.from_stage!r} has queue rules; "
            "a buffer starts at a first-come-first-served stage"
        )
    inside = route.stages[route.stages.index(buffer.from_stage) + 1 : route.stages.index(buffer.until_stage)]
    for sid in inside:
        if stages[sid].patience_h is not None:
            raise ValueError(
                f"routes.{d}.buffer: stage {sid!r} inside the buffer has patience_h; "
                "a truck holding a place gives up only at until_stage"
            )


def _check_lane(lane: AgvLane, routes: Mapping[Any, Any], stages: Mapping[str, Any]) -> None:
    """The lane replaces consecutive stages of its direction's route; the route's yard slot is
    taken before them, and its buffer (if any) lies wholly inside or outside them."""
    route = routes.get(lane.direction)
    if route is None:
        raise ValueError(f"agv_lane.direction: the gate has no {lane.direction} route")
    where = [route.stages.index(s) if s in route.stages else -1 for s in lane.replaces]
    if -1 in where:
        missing = lane.replaces[where.index(-1)]
        raise ValueError(
            f"agv_lane.replaces: {missing!r} is not in the {lane.direction} route {route.stages}"
        )
    if where != list(range(where[0], where[0] + len(where))):
        raise ValueError(
            f"agv_lane.replaces: must be consecutive stages of the {lane.direction} route {route.stages}, in order"
        )
    if route.yard_from is not None and route.yard_from in lane.replaces:
        raise ValueError(
            f"agv_lane.replaces: {route.yard_from!r} is where the route takes its yard slot; "
            "the lane starts after it"
        )
    buffer = route.buffer
    if buffer is not None and (buffer.from_stage in lane.replaces) != (buffer.until_stage in lane.replaces):
        raise ValueError(
            "agv_lane.replaces: the route's buffer must lie wholly inside or outside the replaced stages"
        )


def check_without_corridor(gates: Mapping[str, Any]) -> None:
    """The lane and route buffers run on a gate's own trucks, not a corridor's."""
    for gid, gate in gates.items():
        if gate.agv_lane is not None:
            raise ValueError(f"gates.{gid}.agv_lane: an automated lane runs without a corridor only")
        for d, route in gate.routes.items():
            if route.buffer is not None:
                raise ValueError(
                    f"gates.{gid}.routes.{d}.buffer: a route buffer runs without a corridor only"
                )

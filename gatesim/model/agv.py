"""The automated (AGV) freight lane at run time: which trucks it carries, its hours,
and its fleet on the SimPy booking engine.

The fleet is a FIFO multi-server stage whose servers are the vehicles and whose
service is a vehicle's whole hold (cycle, charging, downtime): a container waiting
for a vehicle is booked like a truck at a FIFO stage (the first instant a vehicle is
free and the lane open), the truck sleeps only until its container is unloaded
(``crossing_h``: loading, travel out, unloading), and the vehicle's return is a call at
``start + hold_h`` that logs ``agv_returned``. The twin
(:mod:`gatesim.model.smart_twin`) holds a ``simpy.Resource`` of vehicles for the same
span: the specification of this.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import simpy

from gatesim.events.kinds import NO_TRUCK, Kind, pack
from gatesim.events.log import GateLog
from gatesim.model.calendar import Clock, open_intervals
from gatesim.model.calls import call_at
from gatesim.model.process import NORMAL
from gatesim.model.stage import StageRuntime
from gatesim.model.streams import stream
from gatesim.model.trucks import Trucks
from gatesim.scenario.schema import CARGO_CLASSES, DIRECTIONS, Gate
from gatesim.scenario.smart import LANE_STAGE, AgvLane

__all__ = ["LanePlan", "LaneRuntime", "lane_opening", "lane_plan"]


@dataclass(frozen=True)
class LanePlan:
    """A gate's lane in one replication: hours, span of the route it replaces, its trucks."""

    lane: AgvLane
    code: int  # the lane's code in the log's stage vocabulary
    direction: int  # index into DIRECTIONS
    first: int  # the replaced stages are the route's steps first..last
    last: int
    frees_yard: bool  # the replaced stages include the route's yard_until: loading frees the slot
    opens: np.ndarray
    closes: np.ndarray
    always: bool
    carried: np.ndarray  # per truck: 1 if the lane carries its container (uint8)


def lane_opening(
    lane: AgvLane, clock: Clock, closed: frozenset[dt.date]
) -> tuple[np.ndarray, np.ndarray, bool]:
    """The lane's opening intervals (closed dates as for the gate's stages) and whether always open."""
    opens, closes = open_intervals(lane.hours, clock, closed)
    return opens, closes, lane.hours.always_open and not closed


def lane_plan(
    gate_id: str,
    gate: Gate,
    trucks: Trucks,
    vocabulary: list[str],
    clock: Clock,
    closed: frozenset[dt.date],
    seed: int,
    replication: int,
) -> LanePlan | None:
    """The gate's lane in this replication (None without one). Bookings are drawn from the
    gate's stream ``agv_lane/booking`` (one uniform per truck): switching the lane on
    changes no other draw."""
    lane = gate.agv_lane
    if lane is None:
        return None
    route = gate.routes[lane.direction]
    first = route.stages.index(lane.replaces[0])
    n = trucks.arrivals.t_h.size
    u = stream(seed, replication, gate_id, "agv_lane/booking").random(n)
    d = DIRECTIONS.index(lane.direction)
    cargo = np.isin(trucks.arrivals.cargo, [CARGO_CLASSES.index(c) for c in lane.cargo])
    carried = (trucks.arrivals.direction == d) & cargo & (u < lane.booked_share)
    if lane.bookings_per_day is not None:  # the day's first bookings (Hanoi day of arrival)
        carried &= _rank_in_day(trucks.arrivals.t_h, carried) < lane.bookings_per_day
    opens, closes, always = lane_opening(lane, clock, closed)
    return LanePlan(
        lane=lane,
        code=vocabulary.index(LANE_STAGE),
        direction=d,
        first=first,
        last=first + len(lane.replaces) - 1,
        frees_yard=route.yard_until in lane.replaces,
        opens=opens,
        closes=closes,
        always=always,
        carried=carried.astype(np.uint8),
    )


def _rank_in_day(t_h: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Per truck: how many ``chosen`` trucks arrived before it on its day (trucks in time order)."""
    day = np.floor(t_h / 24.0).astype(np.int64)
    before = np.cumsum(chosen) - chosen  # chosen trucks before this one, over the run
    first_of_day = np.searchsorted(day, day, side="left")  # each truck's day's first truck
    return before - before[first_of_day]


class LaneRuntime:
    """The fleet on the booking engine: ``book`` a container, log the vehicle's return."""

    def __init__(self, env: simpy.Environment, part: GateLog, g_code: int, plan: LanePlan) -> None:
        self.env = env
        self.hold_h = plan.lane.hold_h
        self.fleet = StageRuntime(
            plan.code, LANE_STAGE, plan.lane.fleet_agvs, plan.opens, plan.closes, plan.always, None
        )
        word = pack(NO_TRUCK, g_code, plan.code, Kind.AGV_RETURNED)
        t_h, words = part.t_h, part.word

        def returned() -> None:
            t_h.append(env.now)
            words.append(word)

        self._returned = returned

    def book(self, t: float, _crossing_h: float) -> float:
        """The start of loading for a container joining at ``t``; the vehicle is held
        ``hold_h`` from then (the truck itself sleeps only ``crossing_h``)."""
        start = self.fleet.book(t, self.hold_h)
        call_at(self.env, start + self.hold_h, NORMAL, self._returned)
        return start

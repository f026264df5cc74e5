"""The expected wait the platform publishes for each gate and direction.

Read from the gates' live state at the current instant, never from the log
of the future: a virtual truck joining the gate now is walked along its
route, each stage giving the start it would book for a truck arriving then
(exact on the FIFO booking path: the stage's earliest free server in open
hours; the engine's ``expected_wait_h`` on the general path); the waits add
up. That walk ignores trucks that have not reached a stage yet (exports in
the yard, before the stage that frees their slot), so for trucks that use
the yard the wait is at least the time to clear every truck ahead of them in
the yard and on the approach at the rate of the stage that frees yard slots
(its servers over its mean service, in its open hours): the published figure
is the larger of the two.

Trucks on the way: trucks that have chosen the gate and left their
origin but not arrived yet are known to the platform (they registered for
the gate) and are counted as if they had already joined it. Assumed: each
such truck is ahead of a truck deciding now, and it costs the headway of its
route's bottleneck (the stage with the longest mean service per server over
its open hours of the day; a road: per lane): ``en_route x bottleneck_h`` is
added to the walk's wait, and for trucks that use the yard it is added to the
trucks ahead in the yard bound (at the rate of the stage that frees yard
slots). This overstates the wait when the trucks on the way would reach an
idle gate spread out over their travel (up to ``en_route x bottleneck_h``,
e.g. ~15 imports on the 30 min from Pingxiang); it understates nothing the
walk sees. The information delay applies to the whole figure as before.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from collections.abc import Mapping
from typing import NamedTuple, Protocol

from gatesim.model.trucks import mean_service_h
from gatesim.scenario.corridor import Choice
from gatesim.scenario.schema import DIRECTIONS, Direction, Gate, RoadStage

__all__ = ["GateWaits", "PublishedWaits"]


class Starts(Protocol):
    """A stage runtime, as the published wait reads it (``StageRuntime``, ``GeneralStage``)."""

    def next_start(self, t: float) -> float:
        """The start a truck joining at ``t`` would get (without booking it)."""


class WaitStep(NamedTuple):
    """One stage of a route, as the published wait walks it."""

    stage: Starts
    service_h: float  # the stage's mean service
    travel_h: float  # after the stage
    takes_yard: bool  # the truck takes a yard slot before it queues here


BIG_H = 1e6  # a wait that never ends (a gate that never opens again): cost, not inf


def _bottleneck_h(gate: Gate, direction: Direction) -> float:
    """Round-the-clock hours per truck at the slowest stage of a direction's route
    (mean service over servers, or lanes for a road, over the share of the day it is
    open); 0 for a route with no limited stage."""
    route = gate.routes.get(direction)
    worst = 0.0
    for sid in route.stages if route is not None else ():
        st = gate.stages[sid]
        if isinstance(st, RoadStage):
            split = st.lanes_by_direction
            servers = st.lanes if st.lanes is not None else (split[direction] if split is not None else None)
        else:
            servers = st.servers
        if not servers:
            continue  # unlimited servers: no headway
        open_share = max(st.hours.close_h - st.hours.open_h, 1e-9) / 24.0
        worst = max(worst, mean_service_h(gate, sid) / servers / open_share)
    return worst


class GateWaits:
    """Expected wait (hours) at one gate, per direction, from its runtimes at ``now``.

    ``runtimes``: each (stage id, direction)'s runtime, with ``next_start(t)``
    (the start a truck joining at ``t`` would get, without booking it);
    ``gate_rt``: the gate's ``yard_free`` and ``waiters`` (on the approach).
    """

    def __init__(self, gate: Gate, runtimes: Mapping[tuple[str, str], Starts], gate_rt) -> None:
        self.rt = gate_rt
        self.yard_capacity = gate.yard.capacity_trucks if gate.yard is not None else 0
        self.routes: list[list[WaitStep] | None] = []
        # fixed driving inside the gate's route (e.g. Chi Ma's road 236): part of the cost
        self.route_travel_h = [
            sum(gate.stages[s].travel_min for s in gate.routes[d].stages) / 60.0 if d in gate.routes else 0.0
            for d in DIRECTIONS
        ]
        self.drain_h: float = 0.0  # hours (round the clock) to free one yard slot
        # per direction: hours (round the clock) the route's bottleneck takes per truck
        self.bottleneck_h = [_bottleneck_h(gate, d) for d in DIRECTIONS]
        for d in DIRECTIONS:
            route = gate.routes.get(d)
            if route is None:
                self.routes.append(None)
                continue
            steps = []
            for sid in route.stages:
                steps.append(
                    WaitStep(
                        runtimes[(sid, d)],
                        mean_service_h(gate, sid),
                        gate.stages[sid].travel_min / 60.0,
                        sid == route.yard_from,
                    )
                )
            self.routes.append(steps)
            if route.yard_until is not None:
                st = gate.stages[route.yard_until]
                open_share = max(st.hours.close_h - st.hours.open_h, 1e-9) / 24.0
                self.drain_h = mean_service_h(gate, route.yard_until) / (st.servers or 1) / open_share

    def on_approach(self) -> int:
        return len(self.rt.waiters)

    def expected_wait_h(self, direction: int, now: float, en_route: int = 0) -> float:
        """The published wait for a truck of ``direction`` deciding now, with ``en_route``
        trucks of that direction on their way to the gate (see the module docstring)."""
        steps = self.routes[direction]
        if steps is None:
            return math.inf
        t = now
        wait = en_route * self.bottleneck_h[direction]
        ahead = 0.0  # the yard's lower bound
        for stage_rt, svc, travel, takes_yard in steps:
            if takes_yard:
                in_yard = self.yard_capacity - self.rt.yard_free
                ahead = (in_yard + self.on_approach() + en_route) * self.drain_h
            s = stage_rt.next_start(t)
            if s == math.inf:
                return math.inf
            wait += s - t
            t = s + svc + travel
        return max(wait, ahead)


class PublishedWaits:
    """What the platform has published: every gate's wait per direction, at each instant.

    Typed columns (a year at 15 min: 35k figures; as tuples of nested lists they
    took ~22 MiB): instants, and their waits flat, ``[gate][direction]``. With
    ``fixed_wait_h`` the waits are the scenario's figures, never published.
    """

    def __init__(self, choice: Choice, gate_ids: list[str]) -> None:
        self.info_delay_h = choice.info_delay_h
        self.width = len(gate_ids) * len(DIRECTIONS)
        self.t_h = array("d")
        self.wait_h = array("d")
        fw = choice.fixed_wait_h
        self.fixed = (
            None if fw is None else array("d", [fw.get(g, 0.0) for g in gate_ids for _d in DIRECTIONS])
        )

    def publish(self, now: float, gates: list[GateWaits], en_route_by_dir: list[list[int]]) -> None:
        self.t_h.append(now)
        for gw, on_way in zip(gates, en_route_by_dir):
            for d in range(len(DIRECTIONS)):
                self.wait_h.append(min(gw.expected_wait_h(d, now, on_way[d]), BIG_H))

    def seen(self, now: float) -> array:
        """Waits as published ``info_delay_h`` before now, flat: ``[gate * n_directions + direction]``."""
        if self.fixed is not None:
            return self.fixed
        target = now - self.info_delay_h
        # the latest figure published at or before target (the first one if none yet)
        i = max(bisect_right(self.t_h, target) - 1, 0)
        m = self.width
        return self.wait_h[i * m : (i + 1) * m]

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
from bisect import bisect_right

from gatesim.scenario.schema import CHANNELS, DIRECTIONS, Direction, Gate, RoadStage

__all__ = ["GateWaits", "mean_service_h"]


def mean_service_h(gate: Gate, sid: str) -> float:
    """Mean service hours of a truck at a stage, over the gate's channel and transshipment shares."""
    st = gate.stages[sid]
    if st.kind == "road":
        return 1.0 / st.per_lane_vehicles_per_h
    svc, a = st.service, gate.arrivals
    m = svc.base_mean_min + a.transshipment_share * svc.transshipment_mean_min
    if svc.by_channel_min is not None:
        m += sum(a.channel_shares[c] * svc.by_channel_min[c] for c in CHANNELS)
    return m / 60.0


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


def _next_start(rt, t: float) -> float:
    """Start a stage would give a truck joining at ``t`` (without booking it)."""
    if hasattr(rt, "expected_wait_h"):  # the engine's general path
        return t + rt.expected_wait_h(t)
    if hasattr(rt, "next_start"):
        return rt.next_start(t)
    free = rt._free
    if free is not None and free[0] > t:
        t = free[0]
    if not rt._always:
        closes = rt._closes
        i = bisect_right(closes, t)
        if i >= len(closes):
            return math.inf
        o = rt._opens[i]
        if o > t:
            t = o
    return t


class GateWaits:
    """Expected wait (hours) at one gate, per direction, from its runtimes at ``now``."""

    def __init__(self, gate: Gate, runtimes: dict, gate_rt) -> None:
        self.rt = gate_rt
        self.yard_capacity = gate.yard.capacity_trucks if gate.yard is not None else 0
        self.routes: list[list[tuple[object, float, float, bool]] | None] = []
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
                stage_rt = runtimes.get((sid, d)) or runtimes.get(sid)
                steps.append(
                    (
                        stage_rt,
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
        w = getattr(self.rt, "waiters", None)
        return len(w if w is not None else self.rt._waiters)

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
            s = _next_start(stage_rt, t)
            if s == math.inf:
                return math.inf
            wait += s - t
            t = s + svc + travel
        return max(wait, ahead)

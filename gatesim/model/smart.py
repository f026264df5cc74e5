"""The smart gate's parts wired into a gate of the SimPy booking engine, what the run's
metadata says of them, and which engines run them.

A route's buffer replaces the steps at its two ends by :mod:`gatesim.model.buffer`'s
entry and exit; the lane gives the trucks it carries a route of their own: the
steps before the replaced stages, one lane step (:mod:`gatesim.model.agv`), the
steps after. The compiled kernel runs neither (its scope is not changed by them):
:func:`smart_refusal` keeps such scenarios on SimPy.
"""

from __future__ import annotations

import numpy as np
import simpy

from gatesim.events.kinds import Kind
from gatesim.events.log import EventLog
from gatesim.model.agv import LaneRuntime, lane_plan
from gatesim.model.buffer import BufferEntry, BufferExit, BufferRuntime
from gatesim.model.build import GatePlan, ReplicationPlan, closed_dates
from gatesim.model.gate import GateRuntime, RouteStep
from gatesim.model.trucks import Trucks
from gatesim.scenario.schema import DIRECTIONS, Gate, Scenario

__all__ = ["attach_smart", "has_smart", "smart_meta", "smart_refusal"]


def has_smart(gate: Gate) -> bool:
    """The gate has an automated lane or a route buffer."""
    return gate.agv_lane is not None or any(r.buffer is not None for r in gate.routes.values())


def smart_refusal(scenario: Scenario) -> str | None:
    """Why the compiled kernel cannot run ``scenario`` for its smart-gate parts (None: none)."""
    for gid, gate in scenario.gates.items():
        if has_smart(gate):
            return f"gate {gid} has an automated lane or a route buffer, which run on SimPy"
    return None


def smart_meta(gate: Gate) -> dict:
    """The run's metadata of a gate's lane and buffers (empty without them: the metadata of
    other scenarios is unchanged)."""
    out: dict = {}
    lane = gate.agv_lane
    if lane is not None:
        out["agv_lane"] = {
            "direction": lane.direction,
            "replaces": list(lane.replaces),
            "fleet_agvs": lane.fleet_agvs,
            "hold_h": lane.hold_h,
            "crossing_h": lane.crossing_h,
            "per_open_hour": lane.per_open_hour(),
        }
    buffers = {
        d: {
            "capacity_trucks": r.buffer.capacity_trucks,
            "from_stage": r.buffer.from_stage,
            "until_stage": r.buffer.until_stage,
        }
        for d, r in gate.routes.items()
        if r.buffer is not None
    }
    if buffers:
        out["buffers"] = buffers
    return out


def attach_smart(
    env: simpy.Environment,
    log: EventLog,
    plan: ReplicationPlan,
    gp: GatePlan,
    rt: GateRuntime,
    trucks: Trucks,
) -> None:
    """Wire the gate's buffers and lane into its runtime (nothing without them)."""
    gate = gp.gate
    if not has_smart(gate):
        return
    part = log.gate(gp.code)
    vocab = plan.vocabulary
    for d, name in enumerate(DIRECTIONS):
        route = gate.routes.get(name)
        steps = rt.route(d)
        if route is None or route.buffer is None or steps is None:
            continue
        buffer = BufferRuntime(env, part, gp.code, gp.first_truck, route.buffer.capacity_trucks)
        new = list(steps)
        i, j = route.stages.index(route.buffer.from_stage), route.stages.index(route.buffer.until_stage)
        entry, leave = steps[i], steps[j]
        assert entry.book is not None  # a buffer starts at a FIFO stage (scenario/smart.py)
        new[i] = entry._replace(
            book=None,
            general=BufferEntry(buffer, vocab.index(route.buffer.from_stage), entry.book, entry.service_h),
        )
        new[j] = leave._replace(
            book=None,
            general=BufferExit(
                buffer, vocab.index(route.buffer.until_stage), leave.book, leave.general, leave.service_h
            ),
        )
        rt.set_route(d, tuple(new))
    lp = lane_plan(
        gp.gid,
        gate,
        trucks,
        vocab,
        plan.clock,
        closed_dates(plan.scenario, gp.gid),
        plan.seed,
        plan.replication,
    )
    if lp is None:
        return
    steps = rt.route(lp.direction)
    assert steps is not None  # the lane's direction has a route (scenario/smart.py)
    lane = LaneRuntime(env, part, gp.code, lp)
    c = lp.code << 8
    crossing = np.full(trucks.arrivals.t_h.size, lp.lane.crossing_h)
    step = RouteStep(
        book=lane.book,
        general=None,
        service_h=memoryview(crossing),  # type: ignore[arg-type]  # ndarray has the buffer protocol
        travel_h=0.0,
        takes_yard=False,
        frees_yard=lp.frees_yard,
        queued=c | int(Kind.QUEUED),
        started=c | int(Kind.STARTED),
        ended=c | int(Kind.ENDED),
        skip=None,
    )
    rt.lane_route = steps[: lp.first] + (step,) + steps[lp.last + 1 :]
    rt.lane_trucks = memoryview(lp.carried)  # type: ignore[arg-type]  # as above

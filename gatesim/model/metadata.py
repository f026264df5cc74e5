"""The run's metadata, stored with its log: the same whichever engine ran it."""

from __future__ import annotations

from gatesim.events.kinds import NO_STAGE, NO_TRUCK, YARD_STAGE, Kind
from gatesim.model.build import stage_path, stage_vocabulary
from gatesim.model.calendar import Clock
from gatesim.model.smart import smart_meta
from gatesim.scenario.schema import CARGO_CLASSES, CHANNELS, DIRECTIONS, Gate, Scenario, Stage

__all__ = ["run_metadata"]

LOG_SCHEMA_VERSION = 2  # 2: reneged, servers, outage kinds; no-truck id -1; servers column; priority payload


def stage_meta(sid: str, st: Stage, corridor: bool) -> dict:
    """What projections need to know of a stage (in the run's metadata)."""
    return {
        "id": sid,
        "role": st.role,
        "servers": st.servers,
        "daily_capacity": st.daily_capacity,
        "path": stage_path(st, corridor),
    }


def gate_meta(gid: str, gate: Gate, corridor: bool) -> dict:
    """What projections need to know of a gate (in the run's metadata)."""
    return {
        "id": gid,
        "name": gate.name,
        "stages": [stage_meta(sid, st, corridor) for sid, st in gate.stages.items()],
        "yard_capacity": gate.yard.capacity_trucks if gate.yard else None,
        "approach_lanes": gate.approach.lanes,
        "truck_spacing_m": gate.approach.truck_spacing_m,
        **smart_meta(gate),  # an automated lane, route buffers (none: nothing)
    }


def run_metadata(scenario: Scenario, clock: Clock, days: int, replication: int, seed: int) -> dict:
    """The run's metadata, stored with its log (any engine writes the same)."""
    w0, w1 = clock.window_h
    return {
        "log_schema_version": LOG_SCHEMA_VERSION,
        "scenario": scenario.name,
        "replication": replication,
        "seed": seed,
        "t0": clock.t0.isoformat(),
        "window_start_h": w0,
        "window_end_h": w1,
        "horizon_h": clock.horizon_h,
        "drain_days": clock.drain_days,
        "days": days,
        "warmup_days": clock.warmup_days,
        "gates": [
            gate_meta(gid, gate, scenario.corridor is not None) for gid, gate in scenario.gates.items()
        ],
        "stages": stage_vocabulary(scenario),
        "kinds": [k.name.lower() for k in Kind],
        "directions": list(DIRECTIONS),
        "cargo": list(CARGO_CLASSES),
        "channels": list(CHANNELS),
        "no_stage": NO_STAGE,
        "no_truck": NO_TRUCK,
        "yard_stage": YARD_STAGE,
    }

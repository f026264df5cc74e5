"""One replication of a scenario: build the gates, run SimPy, return the event log.

The model never formats, plots or writes files; it hands back the log and
the metadata projections need to read it (vocabularies, window, capacities).
"""

from __future__ import annotations

import datetime as dt
import gc
import math
from collections.abc import Callable

import numpy as np
import simpy

from gatesim.events.kinds import NO_STAGE, NO_TRUCK, YARD_STAGE, Kind, pack
from gatesim.events.log import EventLog
from gatesim.memory import release_free_memory
from gatesim.model.arrivals import Arrivals, draw_arrivals, hourly_rates
from gatesim.model.calendar import Clock, open_intervals
from gatesim.model.gate import GateRuntime
from gatesim.model.general import GeneralStage
from gatesim.model.process import start
from gatesim.model.stage import StageRuntime
from gatesim.model.streams import stream
from gatesim.model.timeline import outage_intervals, stage_timeline
from gatesim.model.trucks import draw_trucks
from gatesim.scenario.schema import CARGO_CLASSES, CHANNELS, DIRECTIONS, Gate, Scenario, Stage

__all__ = ["LOG_SCHEMA_VERSION", "gate_meta", "run_metadata", "simulate", "stage_meta", "stage_vocabulary"]

LOG_SCHEMA_VERSION = 2  # 2: reneged, servers, outage kinds; no-truck id -1; servers column; priority payload


def stage_vocabulary(scenario: Scenario) -> list[str]:
    """Stage names by code: two reserved codes, then every stage id in scenario order."""
    names = ["-", "yard"]
    for gate in scenario.gates.values():
        for sid in gate.stages:
            if sid not in names:
                names.append(sid)
    if len(names) > 255:
        raise ValueError(f"too many distinct stage ids: {len(names) - 2}")
    return names


def _closed_dates(scenario: Scenario, gate_id: str) -> frozenset[dt.date]:
    out: set[dt.date] = set()
    for r in scenario.calendar.regimes:
        if r.kind == "closed" and gate_id in r.gates:
            d = r.start
            while d <= r.end:
                out.add(d)
                d += dt.timedelta(days=1)
    return frozenset(out)


def _booking_runtimes(code, sid, st, opens, closes, always) -> dict[tuple[str, str], StageRuntime]:
    """A FIFO stage's booking runtime by (stage id, direction): one shared by both
    directions, or one per direction for a road with ``lanes_by_direction`` (same
    stage code: one stage in the log, its lanes split)."""
    split = getattr(st, "lanes_by_direction", None)
    if split is not None:
        return {
            (sid, d): StageRuntime(code, sid, split[d], opens, closes, always, st.daily_capacity)
            for d in DIRECTIONS
        }
    shared = StageRuntime(code, sid, st.servers, opens, closes, always, st.daily_capacity)
    return {(sid, d): shared for d in DIRECTIONS}


def _general_runtime(env, log, g_code, code, sid, st, spans, trucks) -> dict[tuple[str, str], GeneralStage]:
    """A stage with a state-dependent rule: one general-path queue for both directions."""
    service = trucks.service_h[sid]
    general = GeneralStage(
        env,
        log.gate(g_code),
        g_code,
        code,
        sid,
        spans,
        st.daily_capacity,
        trucks.rank.get(sid),
        trucks.patience_h.get(sid),
        st.surge,
        log_servers=bool(st.server_schedule or st.surge),
        mean_service_h=float(service.mean()) if service.size else 0.0,
    )
    return {(sid, d): general for d in DIRECTIONS}


def simulate(
    scenario: Scenario,
    days: int,
    replication: int,
    seed: int,
    on_build: Callable[[dict[str, GateRuntime]], None] | None = None,
    on_day: Callable[[int, int], None] | None = None,
) -> tuple[EventLog, dict]:
    """Run one replication (see :func:`_simulate`), then free the run's garbage.

    The trucks still in the system at the horizon keep the environment, the
    gates' runtimes and every per-truck column alive through reference cycles
    (generator <-> sleeper <-> runtime): without a collection now they lived on
    through decode, projections and the write, until the collector's next full
    pass (a year: ~80 MiB of the baseline's peak, ~200 MiB of the corridor's).
    """
    out = _simulate(scenario, days, replication, seed, on_build, on_day)
    gc.collect()
    release_free_memory()  # the freed columns' pages (heap, not mmap) back to the OS
    return out


# One place that wires gates, corridor and log in the order the golden test fixes (noqa: C901).
def _simulate(  # noqa: C901
    scenario: Scenario,
    days: int,
    replication: int,
    seed: int,
    on_build: Callable[[dict[str, GateRuntime]], None] | None = None,
    on_day: Callable[[int, int], None] | None = None,
) -> tuple[EventLog, dict]:
    """Run one replication; ``on_build`` is handed the gates' runtimes before
    the run starts (to attach a :class:`~gatesim.model.live.LiveState`, or
    model components that read it); ``on_day(k, n)`` is called after each of
    the n simulated days (progress)."""
    clock = Clock.of(scenario, days)
    env = simpy.Environment()
    log = EventLog()
    vocab = stage_vocabulary(scenario)
    calendar_rows: list[tuple[float, int]] = []
    first_truck = 0
    runtimes_by_gate: dict[str, GateRuntime] = {}
    # --- corridor (issue 15): trucks drawn per origin choose a gate (None: per-gate arrivals) ---
    corridor = None
    if scenario.corridor is not None:
        from gatesim.corridor.dispatch import CorridorRun

        corridor = CorridorRun(scenario, clock, seed, replication)
    # --- end corridor ---
    for g_code, gid in enumerate(scenario.gates):
        gate = scenario.gates[gid]
        closed = _closed_dates(scenario, gid)
        if corridor is None:
            arrivals = _arrivals(hourly_rates(scenario, gid, clock), clock, seed, replication, gid)
            trucks = draw_trucks(scenario, gid, arrivals, seed, replication)
        else:  # corridor (issue 15): the corridor's trucks, one truck id space over the gates
            arrivals, trucks = corridor.no_arrivals, corridor.gate_trucks(gid)
        runtimes: dict[tuple[str, str], StageRuntime | GeneralStage] = {}
        for sid, st in gate.stages.items():
            code = vocab.index(sid)
            opens, closes = open_intervals(st.hours, clock, closed)
            always = st.hours.always_open and not closed
            if st.general:
                spans = stage_timeline(
                    st, clock, opens, closes, outage_intervals(st, clock, seed, replication, gid, sid)
                )
                runtimes.update(_general_runtime(env, log, g_code, code, sid, st, spans, trucks))
            else:
                runtimes.update(_booking_runtimes(code, sid, st, opens, closes, always))
            calendar_rows += _calendar_rows(g_code, code, opens, closes, always)
        if corridor is None:
            log.add_payload(first_truck, trucks.payload())
            rt = GateRuntime(env, log, g_code, gate, runtimes, trucks, first_truck)
            start(env, lambda _resume, rt=rt: rt.source())  # type: ignore[misc]  # rt bound now (a default), typed by mypy as unknown
        else:  # corridor (issue 15): the corridor starts each truck when it reaches the gate
            rt = GateRuntime(env, log, g_code, gate, runtimes, trucks, 0)
            corridor.add_gate(gid, g_code, rt, runtimes)
        runtimes_by_gate[gid] = rt
        first_truck += arrivals.t_h.size

    if on_build is not None:
        on_build(runtimes_by_gate)
    start(env, lambda _resume: _calendar(env, log, sorted(calendar_rows)))
    if corridor is not None:  # corridor (issue 15)
        corridor.attach(env, log)
    # Day by day: a stop at t pops before the events at t and leaves the queue's order
    # untouched, so the log is the same as one run to the horizon. After each day the
    # allocator's free pages go back to the OS: the live columns grow by realloc, and
    # below glibc's mmap threshold each move leaves a hole in the heap that glibc keeps
    # (a year of the corridor: simulate's peak 498 -> 433 MiB, benchmarks/README.md).
    n = math.ceil(clock.horizon_h / 24)
    for k in range(1, n + 1):
        env.run(until=min(24.0 * k, clock.horizon_h))
        release_free_memory()
        if on_day is not None:
            on_day(k, n)
    meta = run_metadata(scenario, clock, days, replication, seed)
    if corridor is not None:  # corridor (issue 15): payload fixed as the trucks departed
        log.add_payload(0, corridor.payload())
        meta["corridor"] = corridor.meta()
    return log, meta


def stage_meta(sid: str, st: Stage) -> dict:
    """What projections need to know of a stage (in the run's metadata)."""
    return {
        "id": sid,
        "role": st.role,
        "servers": st.servers,
        "daily_capacity": st.daily_capacity,
        "path": "general" if st.general else "booking",
    }


def gate_meta(gid: str, gate: Gate) -> dict:
    """What projections need to know of a gate (in the run's metadata)."""
    return {
        "id": gid,
        "name": gate.name,
        "stages": [stage_meta(sid, st) for sid, st in gate.stages.items()],
        "yard_capacity": gate.yard.capacity_trucks if gate.yard else None,
        "approach_lanes": gate.approach.lanes,
        "truck_spacing_m": gate.approach.truck_spacing_m,
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
        "gates": [gate_meta(gid, gate) for gid, gate in scenario.gates.items()],
        "stages": stage_vocabulary(scenario),
        "kinds": [k.name.lower() for k in Kind],
        "directions": list(DIRECTIONS),
        "cargo": list(CARGO_CLASSES),
        "channels": list(CHANNELS),
        "no_stage": NO_STAGE,
        "no_truck": NO_TRUCK,
        "yard_stage": YARD_STAGE,
    }


def _calendar_rows(g_code: int, code: int, opens, closes, always: bool) -> list[tuple[float, int]]:
    """The stage's OPENED and CLOSED events (one OPENED at 0 if always open)."""
    if always:
        return [(0.0, pack(NO_TRUCK, g_code, code, Kind.OPENED))]
    rows = []
    for o, c in zip(opens.tolist(), closes.tolist()):
        rows.append((o, pack(NO_TRUCK, g_code, code, Kind.OPENED)))
        rows.append((c, pack(NO_TRUCK, g_code, code, Kind.CLOSED)))
    return rows


def _arrivals(rates: np.ndarray, clock: Clock, seed: int, replication: int, gate_id: str) -> Arrivals:
    """The gate's arrivals: up to the window's end from the ``arrivals`` stream,
    the drain's from a stream of their own, so a drain adds trucks after the
    window and changes none before (the window's figures stay comparable)."""
    w_hours = int(round(clock.window_h[1]))
    main = draw_arrivals(rates[:w_hours], stream(seed, replication, gate_id, "arrivals"))
    if w_hours >= rates.shape[0]:
        return main
    drain = draw_arrivals(rates[w_hours:], stream(seed, replication, gate_id, "arrivals/drain"))
    return Arrivals(
        t_h=np.r_[main.t_h, drain.t_h + w_hours],
        direction=np.r_[main.direction, drain.direction],
        cargo=np.r_[main.cargo, drain.cargo],
    )


def _calendar(env: simpy.Environment, log: EventLog, rows: list[tuple[float, int]]):
    for t, w in rows:
        if t > env.now:
            yield t - env.now
        part = log.gate((w >> 16) & 0xFF)
        part.t_h.append(env.now)
        part.word.append(w)

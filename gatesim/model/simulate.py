"""One replication of a scenario: build the gates, run SimPy, return the event log.

The model never formats, plots or writes files; it hands back the log and
the metadata projections need to read it (vocabularies, window, capacities).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import numpy as np
import simpy

from gatesim.events.kinds import NO_STAGE, NO_TRUCK, YARD_STAGE, Kind, pack
from gatesim.events.log import EventLog
from gatesim.model.arrivals import Arrivals, draw_arrivals, hourly_rates
from gatesim.model.calendar import Clock, open_intervals
from gatesim.model.gate import GateRuntime
from gatesim.model.process import start
from gatesim.model.stage import StageRuntime
from gatesim.model.streams import stream
from gatesim.model.trucks import draw_trucks
from gatesim.scenario.schema import CARGO_CLASSES, CHANNELS, DIRECTIONS, Scenario

__all__ = ["LOG_SCHEMA_VERSION", "simulate", "stage_vocabulary"]

LOG_SCHEMA_VERSION = 1


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


def simulate(
    scenario: Scenario,
    days: int,
    replication: int,
    seed: int,
    on_day: Callable[[int, int], None] | None = None,
) -> tuple[EventLog, dict]:
    """One replication's event log and metadata; ``on_day(k, n)`` after each of the n simulated days."""
    clock = Clock.of(scenario, days)
    env = simpy.Environment()
    log = EventLog()
    vocab = stage_vocabulary(scenario)
    gate_ids = list(scenario.gates)
    calendar_rows: list[tuple[float, int]] = []
    gates_meta = []
    first_truck = 0
    for g_code, gid in enumerate(gate_ids):
        gate = scenario.gates[gid]
        closed = _closed_dates(scenario, gid)
        runtimes: dict[str, StageRuntime] = {}
        stage_meta = []
        for sid, st in gate.stages.items():
            code = vocab.index(sid)
            opens, closes = open_intervals(st.hours, clock, closed)
            always = st.hours.always_open and not closed
            runtimes[sid] = StageRuntime(code, sid, st.servers, opens, closes, always, st.daily_capacity)
            if always:
                calendar_rows.append((0.0, pack(NO_TRUCK, g_code, code, Kind.OPENED)))
            else:
                for o, c in zip(opens.tolist(), closes.tolist()):
                    calendar_rows.append((o, pack(NO_TRUCK, g_code, code, Kind.OPENED)))
                    calendar_rows.append((c, pack(NO_TRUCK, g_code, code, Kind.CLOSED)))
            stage_meta.append(
                {
                    "id": sid,
                    "role": st.role,
                    "servers": st.servers,
                    "daily_capacity": st.daily_capacity,
                }
            )
        rates = hourly_rates(scenario, gid, clock)
        arrivals = _arrivals(rates, clock, seed, replication, gid)
        trucks = draw_trucks(scenario, gid, arrivals, seed, replication)
        log.add_payload(first_truck, trucks.payload())
        rt = GateRuntime(env, log, g_code, gate, runtimes, trucks, first_truck)
        start(env, lambda _resume, rt=rt: rt.source())
        gates_meta.append(
            {
                "id": gid,
                "name": gate.name,
                "stages": stage_meta,
                "yard_capacity": gate.yard.capacity_trucks if gate.yard else None,
                "approach_lanes": gate.approach.lanes,
                "truck_spacing_m": gate.approach.truck_spacing_m,
            }
        )
        first_truck += arrivals.t_h.size

    start(env, lambda _resume: _calendar(env, log, sorted(calendar_rows)))
    w0, w1 = clock.window_h
    if on_day is None:
        env.run(until=clock.horizon_h)
    else:
        # Day by day for progress: a stop at t pops before the events at t and leaves the
        # queue's order untouched, so the log is the same as one run to the horizon.
        n = math.ceil(clock.horizon_h / 24)
        for k in range(1, n + 1):
            env.run(until=min(24.0 * k, clock.horizon_h))
            on_day(k, n)
    meta = {
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
        "gates": gates_meta,
        "stages": vocab,
        "kinds": [k.name.lower() for k in Kind],
        "directions": list(DIRECTIONS),
        "cargo": list(CARGO_CLASSES),
        "channels": list(CHANNELS),
        "no_stage": NO_STAGE,
        "yard_stage": YARD_STAGE,
    }
    return log, meta


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

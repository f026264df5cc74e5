"""One replication's inputs, built once from the scenario for every engine.

Every engine (the SimPy booking engine, the compiled FIFO kernel, the plain-SimPy
twin) runs the same replication: the same stage codes, opening intervals,
calendar rows, arrivals, trucks and outage timelines, drawn from the same named
streams. Building them here, and nowhere else, is what makes the engines'
logs comparable truck by truck; an engine only wires these into its own
runtime objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from gatesim.events.kinds import NO_TRUCK, Kind, pack
from gatesim.model.agv import lane_opening
from gatesim.model.arrivals import Arrivals, draw_arrivals, hourly_rates
from gatesim.model.calendar import Clock, open_intervals
from gatesim.model.streams import stream
from gatesim.model.timeline import Span, outage_intervals, stage_timeline
from gatesim.model.trucks import Trucks, draw_trucks
from gatesim.scenario.schema import Gate, Scenario, Stage
from gatesim.scenario.smart import LANE_STAGE

__all__ = ["GatePlan", "StagePath", "StagePlan", "build_replication", "stage_path", "stage_vocabulary"]


class StagePath(StrEnum):
    """How a stage decides its trucks' starts (every engine reads it from the plan; the run's
    metadata holds its value)."""

    BOOKING = "booking"  # FIFO, fixed servers: booked when the truck joins (model/stage.py)
    TIMED = "timed"  # FIFO, servers on duty on a timeline of their own: booked too (model/stage_timed.py)
    GENERAL = "general"  # a state-dependent rule: decided event by event (model/general.py)


def stage_vocabulary(scenario: Scenario) -> list[str]:
    """Stage names by code: two reserved codes, then every stage id in scenario order."""
    names = ["-", "yard"]
    for gate in scenario.gates.values():
        for sid in gate.stages:
            if sid not in names:
                names.append(sid)
    if any(gate.agv_lane is not None for gate in scenario.gates.values()):
        names.append(LANE_STAGE)  # after the stages: a scenario without a lane keeps its codes
    if len(names) > 255:
        raise ValueError(f"too many distinct stage ids: {len(names) - 2}")
    return names


def stage_path(stage: Stage, corridor: bool) -> StagePath:
    """The path a stage takes: ``GENERAL`` for a state-dependent rule (priority,
    patience, a surge), ``TIMED`` for a FIFO stage with a server schedule or outages,
    else ``BOOKING``. In a corridor a timed stage takes the general path: the gate
    choice reads the general path's wait estimate of it (corridor/waits.py), which a
    booking runtime would replace by the exact virtual wait, and so change the choices."""
    if stage.state_dependent or (stage.timed and corridor):
        return StagePath.GENERAL
    return StagePath.TIMED if stage.timed else StagePath.BOOKING


def closed_dates(scenario: Scenario, gate_id: str) -> frozenset[dt.date]:
    """The dates a ``closed`` calendar regime shuts the gate."""
    out: set[dt.date] = set()
    for r in scenario.calendar.regimes:
        if r.kind == "closed" and gate_id in r.gates:
            d = r.start
            while d <= r.end:
                out.add(d)
                d += dt.timedelta(days=1)
    return frozenset(out)


def calendar_rows(
    g_code: int, code: int, opens: np.ndarray, closes: np.ndarray, always: bool
) -> list[tuple[float, int]]:
    """The stage's OPENED and CLOSED events (one OPENED at 0 if always open)."""
    if always:
        return [(0.0, pack(NO_TRUCK, g_code, code, Kind.OPENED))]
    rows = []
    for o, c in zip(opens.tolist(), closes.tolist()):
        rows.append((o, pack(NO_TRUCK, g_code, code, Kind.OPENED)))
        rows.append((c, pack(NO_TRUCK, g_code, code, Kind.CLOSED)))
    return rows


def gate_arrivals(rates: np.ndarray, clock: Clock, seed: int, replication: int, gate_id: str) -> Arrivals:
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


@dataclass(frozen=True)
class StagePlan:
    """One stage of one gate in this replication."""

    sid: str
    code: int  # the stage's code in the log's vocabulary
    stage: Stage
    opens: np.ndarray  # opening intervals [opens[i], closes[i]) in sim hours
    closes: np.ndarray
    always: bool  # open around the clock (and no closed date)
    spans: list[Span] | None  # the timeline of a timed or general-path stage (None on the booking path)
    path: StagePath


@dataclass(frozen=True)
class GatePlan:
    """One gate in this replication: its stages, and its own trucks (None: the corridor's)."""

    gid: str
    code: int
    gate: Gate
    stages: dict[str, StagePlan]
    first_truck: int  # the truck id of the gate's first truck
    arrivals: Arrivals | None
    trucks: Trucks | None


@dataclass(frozen=True)
class ReplicationPlan:
    """Everything an engine needs to run one replication."""

    scenario: Scenario
    clock: Clock
    days: int
    replication: int
    seed: int
    vocabulary: list[str]
    gates: list[GatePlan]  # in gate-code order
    calendar: list[tuple[float, int]]  # (time, packed word) of every OPENED / CLOSED, sorted


def build_replication(
    scenario: Scenario, days: int, replication: int, seed: int, per_gate_trucks: bool | None = None
) -> ReplicationPlan:
    """Build one replication; ``per_gate_trucks=False`` leaves the trucks to a
    corridor (each gate's ``arrivals`` and ``trucks`` are then None); None (the
    default): per-gate trucks unless the scenario's corridor brings them."""
    if per_gate_trucks is None:
        per_gate_trucks = scenario.corridor is None
    clock = Clock.of(scenario, days)
    vocab = stage_vocabulary(scenario)
    rows: list[tuple[float, int]] = []
    gates: list[GatePlan] = []
    first_truck = 0
    for g_code, gid in enumerate(scenario.gates):
        gate = scenario.gates[gid]
        closed = closed_dates(scenario, gid)
        stages: dict[str, StagePlan] = {}
        for sid, st in gate.stages.items():
            code = vocab.index(sid)
            opens, closes = open_intervals(st.hours, clock, closed)
            always = st.hours.always_open and not closed
            spans = None
            if st.general:
                outages = outage_intervals(st, clock, seed, replication, gid, sid)
                spans = stage_timeline(st, clock, opens, closes, outages)
            path = stage_path(st, scenario.corridor is not None)
            stages[sid] = StagePlan(sid, code, st, opens, closes, always, spans, path)
            rows += calendar_rows(g_code, code, opens, closes, always)
        if gate.agv_lane is not None:  # the automated lane's hours (model/agv.py)
            rows += calendar_rows(
                g_code, vocab.index(LANE_STAGE), *lane_opening(gate.agv_lane, clock, closed)
            )
        arrivals = trucks = None
        if per_gate_trucks:
            arrivals = gate_arrivals(hourly_rates(scenario, gid, clock), clock, seed, replication, gid)
            trucks = draw_trucks(scenario, gid, arrivals, seed, replication)
        gates.append(GatePlan(gid, g_code, gate, stages, first_truck, arrivals, trucks))
        if arrivals is not None:
            first_truck += arrivals.t_h.size
    return ReplicationPlan(scenario, clock, days, replication, seed, vocab, gates, sorted(rows))

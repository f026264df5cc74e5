"""Platform dispatch from staging yards (metering ``staging``): a held truck takes a place in
the first staging yard with room or waits at its origin when all are full; a truck called
from a yard sets off ``call_forward_lead_h`` after its release."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections.corridor_kpis import corridor_kpis
from gatesim.run import run_replication
from gatesim.scenario.load import load_scenario

pytestmark = pytest.mark.integration

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SHORT = ["calendar.warmup_days=1", "calendar.drain_days=1"]
GATES = ("tan_thanh", "huu_nghi")


def _run(name: str, overrides: list[str], days: int = 2) -> LogData:
    sc, _ = load_scenario(SCENARIOS / name, [*SHORT, *overrides])
    return run_replication(sc, days, 0, sc.run.seed)


def _staging(capacity: int, lead_h: float) -> list[str]:
    return [
        f"corridor.metering.{g}.staging={{yards: [{{name: big, capacity_trucks: {capacity}}}], "
        f"call_forward_lead_h: {lead_h}}}"
        for g in GATES
    ]


def _level(log: LogData, code: int) -> tuple[np.ndarray, np.ndarray]:
    """Trucks in the gate's staging yards after each of its rows, and the rows' kinds."""
    sl = log.gate_slice(code)
    kind = log.kind[sl]
    step = np.where(kind == Kind.STAGED, 1, np.where(kind == Kind.CALLED, -1, 0))
    return np.cumsum(step), kind


def test_staging_yards_never_exceed_their_capacity_and_turn_trucks_away_only_when_full():
    log = _run("corridor_staging_yards.yaml", [])
    capacity = {"tan_thanh": 100, "huu_nghi": 60}  # the shipped file's yards, all together
    for code, g in enumerate(log.meta["gates"]):
        level, kind = _level(log, code)
        if g["id"] not in capacity:
            assert not (kind == Kind.STAGED).any()
            continue
        cap = capacity[g["id"]]
        assert level.max() == cap  # the yards fill in the peak (so the bound is tested)
        assert (level <= cap).all() and (level >= 0).all()
        full = kind == Kind.STAGING_FULL
        assert full.any()
        assert (level[full] == cap).all()  # turned away only while every place is taken
    kpis = corridor_kpis(log).set_index("gate")
    for g, cap in capacity.items():
        assert 0 < kpis.loc[g, "staging_mean_trucks"] <= kpis.loc[g, "staging_max_trucks"] <= cap
    # trucks of the window turned away (the first turned away may be warm-up trucks)
    assert kpis.loc[list(capacity), "staging_full"].sum() > 0


def test_lead_zero_and_room_for_all_reproduce_metering():
    plain = _run("corridor_fruit_peak_metering.yaml", [])
    staged = _run("corridor_fruit_peak_metering.yaml", _staging(100_000, 0.0))
    keep = ~np.isin(staged.kind, [Kind.STAGED, Kind.CALLED])
    assert (staged.kind == Kind.STAGED).sum() == (plain.kind == Kind.HELD).sum() > 100
    assert not (staged.kind == Kind.STAGING_FULL).any()
    for col in ("t_h", "truck", "gate", "stage", "kind"):
        assert np.array_equal(getattr(staged, col)[keep], getattr(plain, col)), col


def test_a_called_truck_sets_off_exactly_the_lead_after_its_call():
    lead = 0.75
    log = _run("corridor_fruit_peak_metering.yaml", _staging(50, lead))
    n = int(log.truck.max()) + 1

    def first(kind: Kind) -> np.ndarray:
        rows = np.flatnonzero(log.kind == kind)
        out = np.full(n, np.nan)
        out[log.truck[rows][::-1]] = log.t_h[rows][::-1]
        return out

    called, released, departed = first(Kind.CALLED), first(Kind.RELEASED), first(Kind.DEPARTED)
    was_called = ~np.isnan(called) & ~np.isnan(departed)
    assert was_called.sum() > 50
    assert np.allclose(departed[was_called] - called[was_called], lead, rtol=0, atol=1e-9)
    assert np.array_equal(called[was_called], released[was_called])
    # trucks that waited at their origin (staging full) set off when released, as without staging
    at_origin = ~np.isnan(released) & np.isnan(called) & ~np.isnan(departed)
    assert at_origin.sum() > 0
    assert np.allclose(departed[at_origin], released[at_origin], rtol=0, atol=1e-9)


def test_the_lead_delays_the_first_called_truck_at_the_gate_by_exactly_the_lead():
    """Until the first call both runs are the same; the first truck called reaches the gate
    exactly ``call_forward_lead_h`` later than without a lead."""
    lead = 0.75
    runs = [_run("corridor_fruit_peak_metering.yaml", _staging(50, h)) for h in (0.0, lead)]
    firsts = []
    for log in runs:
        row = np.flatnonzero(log.kind == Kind.CALLED)[np.argmin(log.t_h[log.kind == Kind.CALLED])]
        k = log.truck[row]
        arrived = log.t_h[(log.kind == Kind.ARRIVED) & (log.truck == k)]
        firsts.append((int(k), float(log.t_h[row]), float(arrived[0])))
    (k0, call0, arr0), (k1, call1, arr1) = firsts
    assert (k0, call0) == (k1, call1)
    assert arr1 - arr0 == pytest.approx(lead, abs=1e-9)

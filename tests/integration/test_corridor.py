"""The corridor: Chi Ma, demand by origin, gate choice, holding and metering."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from gatesim.events.kinds import YARD_STAGE, Kind
from gatesim.model.calendar import Clock
from gatesim.model.corridor.choice import expected_shares, logit_probabilities, pick
from gatesim.model.corridor.demand import draw_demand
from gatesim.projections.kpis import summarize
from gatesim.run import run_replication
from gatesim.scenario.load import load_scenario, validate

# Integration (out of the quick tier): simulates the corridor baseline over many days (and runs the CLI).
pytestmark = pytest.mark.integration

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BASELINE = SCENARIOS / "baseline_2026.yaml"
CORRIDOR = SCENARIOS / "corridor_2026.yaml"
GATES = ["tan_thanh", "huu_nghi", "coc_nam", "chi_ma"]


def _counts(log, kind: Kind) -> np.ndarray:
    """Events of ``kind`` per gate code."""
    return np.bincount(log.gate[log.kind == kind], minlength=len(log.meta["gates"]))


# ---- Chi Ma, the fourth gate ----------------------------------------------------------


def test_baseline_has_chi_ma_as_sourced():
    sc, _ = load_scenario(BASELINE)
    assert list(sc.gates) == GATES
    cm = sc.gates["chi_ma"]
    # mid-2025: ~230 vehicles/day, 41 export / 189 import; raised x1.15 like the other gates
    assert cm.arrivals.per_day == pytest.approx(230 * 1.15, rel=0.01)
    assert cm.arrivals.export_share == pytest.approx(41 / 230, abs=0.005)
    assert cm.stages["declaration"].hours.close_h == 20
    road = cm.stages["access_road"]
    assert road.kind == "road" and road.travel_min > 0
    assert cm.routes["export"].stages[0] == "access_road" and cm.routes["import"].stages[-1] == "access_road"
    for key in ("name", "arrivals.per_day", "arrivals.export_share", "stages.access_road", "yard"):
        assert f"gates.chi_ma.{key}" in sc.sources


def test_a_three_gate_scenario_still_runs():
    _, data = load_scenario(BASELINE)
    data = copy.deepcopy(data)
    del data["gates"]["chi_ma"]
    data["calendar"]["regimes"] = [r for r in data["calendar"]["regimes"] if "chi_ma" not in r["gates"]]
    sc = validate(data)
    s = summarize(run_replication(sc, 1, 0, 3))
    assert list(s["gate"]) == GATES[:3]
    assert (s["arrivals"] > 0).all()


def test_four_gates_in_the_summary():
    sc, _ = load_scenario(BASELINE)
    s = summarize(run_replication(sc, 1, 0, 3)).set_index("gate")
    assert list(s.index) == GATES
    assert s.loc["chi_ma", "arrivals"] > 100 and s.loc["chi_ma", "departures"] > 0
    assert s.loc["chi_ma", "wait_at_access_road_h"] >= 0


# ---- choice: pure functions ------------------------------------------------------------


def test_logit_closed_form_and_pick():
    cost = np.array([1.0, 2.0, 4.0])
    p = logit_probabilities(cost, 2.0, np.array([True, True, True]))
    w = np.exp(-cost / 2.0)
    assert p == pytest.approx(w / w.sum())
    assert logit_probabilities(cost, 2.0, np.array([True, False, True]))[1] == 0
    # pick: bands in gate order
    assert pick(p, 0.0) == 0 and pick(p, p[0] + 1e-9) == 1 and pick(p, 0.999999) == 2
    shares = expected_shares(cost, 2.0, np.array([0.1, 0.0, 0.2]), np.ones(3, bool))
    assert shares.sum() == pytest.approx(1.0)


# ---- choice in the model ---------------------------------------------------------------

_ONE_ORIGIN = """\
extends: {base}
name: corridor_fixed
calendar: {{warmup_days: 0, drain_days: 0}}
corridor:
  origins:
    depot:
      per_day: 3000
      export_share: 0.5
      cargo_mix:
        export: {{fruit: 0.5, electronics: 0.3, other: 0.2}}
        import: {{fruit: 0.2, electronics: 0.4, other: 0.4}}
      travel_min: {{tan_thanh: 30, huu_nghi: 60, coc_nam: 90, chi_ma: 120}}
  choice:
    scale_h: 1.0
    value_of_time_vnd_per_h: 50000
    fee_vnd: {fees}
    captive: {{coc_nam: 0.1}}
    fixed_wait_h: {{tan_thanh: 1.0, huu_nghi: 0.0, coc_nam: 0.5, chi_ma: 0.0}}
{extra}"""


def _scenario(tmp_path: Path, fees: str = "{}", extra: str = "", overrides=()):
    f = tmp_path / "corridor_fixed.yaml"
    f.write_text(_ONE_ORIGIN.format(base=BASELINE, fees=fees, extra=extra), encoding="utf-8")
    return load_scenario(f, overrides)[0]


def test_fixed_waits_give_the_logit_shares(tmp_path):
    sc = _scenario(tmp_path, fees="{chi_ma: 25000}")
    log = run_replication(sc, 2, 0, 5)
    chosen = _counts(log, Kind.DEPARTED)
    n = chosen.sum()
    assert n == log.meta["corridor"]["generated"]  # no holding: every truck left
    # cost = travel from the origin + driving inside the gate's route (the dedicated roads'
    # 10 min, Chi Ma's road 236) + fixed wait + fee / value of time, in hours
    road236 = sc.gates["chi_ma"].stages["access_road"].travel_min / 60.0
    cost = np.array([0.5 + 1 / 6 + 1.0, 1.0 + 1 / 6 + 0.0, 1.5 + 0.5, 2.0 + road236 + 0.0 + 0.5])
    want = expected_shares(cost, 1.0, np.array([0.0, 0.0, 0.1, 0.0]), np.ones(4, bool))
    got = chosen / n
    se = np.sqrt(want * (1 - want) / n)
    assert np.all(np.abs(got - want) < 4 * se + 1e-12), (got, want)


def test_a_prohibitive_cost_gate_gets_no_trucks(tmp_path):
    sc = _scenario(tmp_path, fees="{huu_nghi: 1.0e12}")
    log = run_replication(sc, 1, 0, 5)
    chosen = _counts(log, Kind.DEPARTED)
    assert chosen[GATES.index("huu_nghi")] == 0
    assert chosen[GATES.index("tan_thanh")] > 0 and chosen.sum() > 1000


def test_changing_one_gates_hours_leaves_the_trucks_unchanged():
    base, _ = load_scenario(CORRIDOR, ["calendar.warmup_days=1", "calendar.drain_days=0"])
    other, _ = load_scenario(
        CORRIDOR,
        [
            "calendar.warmup_days=1",
            "calendar.drain_days=0",
            "gates.coc_nam.stages.cn_acceptance.hours.close_h=20",
            "gates.coc_nam.stages.cn_release.hours.close_h=20",
        ],
    )
    da = draw_demand(base, Clock.of(base, 1), 7, 0)
    db = draw_demand(other, Clock.of(other, 1), 7, 0)
    for col in ("t_h", "origin", "direction", "cargo", "value_usd"):
        assert np.array_equal(getattr(da, col), getattr(db, col)), col
    # and in the runs' logs: every truck leaves at the same instant with the same cargo and value
    la, lb = run_replication(base, 1, 0, 7), run_replication(other, 1, 0, 7)
    for log in (la, lb):
        assert log.n_trucks == da.n
    for col in ("cargo", "direction", "value_usd"):
        assert np.array_equal(la.payload[col], lb.payload[col]), col
    dep = []
    for log in (la, lb):
        m = log.kind == Kind.DEPARTED
        t = np.full(log.n_trucks, np.nan)
        t[log.truck[m]] = log.t_h[m]
        dep.append(t)
    assert np.array_equal(dep[0], da.t_h) and np.array_equal(dep[1], da.t_h)
    # the gates differ, so some trucks choose differently (the test can see a change)
    ga, gb = (np.full(da.n, -1) for _ in range(2))
    for g, log in ((ga, la), (gb, lb)):
        m = log.kind == Kind.DEPARTED
        g[log.truck[m]] = log.gate[m]
    assert (ga != gb).any()


def _conservation(log) -> None:
    count = {k: int((log.kind == k).sum()) for k in Kind}
    held = count[Kind.HELD] - count[Kind.RELEASED]
    on_road = count[Kind.DEPARTED] - count[Kind.ARRIVED]
    reneged = count.get(Kind.RENEGED, 0)
    at_gate = count[Kind.ARRIVED] - count[Kind.CROSSED] - reneged
    assert min(held, on_road, at_gate) >= 0
    generated = log.meta["corridor"]["generated"]
    assert generated == count[Kind.CROSSED] + held + on_road + at_gate + reneged


_METERED = [
    "calendar.warmup_days=1",
    "calendar.drain_days=0",
    "corridor.origins.lang_son_fruit.per_day=900",  # a fruit peak (x4), so the yards fill
    "gates.tan_thanh.yard.capacity_trucks=80",
]


def _approach_max(log, code: int) -> int:
    """Most trucks on the approach at once, from the log (BLOCKED +1, their YARD_IN -1)."""
    sl = log.gate_slice(code)
    kind, stage, truck = log.kind[sl], log.stage[sl], log.truck[sl]
    blocked = kind == Kind.BLOCKED
    was = np.zeros(log.n_trucks, bool)
    was[truck[blocked]] = True
    leaves = (kind == Kind.YARD_IN) & (stage == YARD_STAGE) & was[truck]
    level = np.cumsum(blocked.astype(int) - leaves.astype(int))
    return int(level.max()) if level.size else 0


def test_metering_keeps_the_approach_under_its_threshold_and_conserves_trucks():
    code = GATES.index("tan_thanh")
    free, _ = load_scenario(CORRIDOR, _METERED)
    metered, _ = load_scenario(
        CORRIDOR, [*_METERED, "corridor.metering={tan_thanh: {approach_max_trucks: 10}}"]
    )
    lf = run_replication(free, 2, 0, 3)
    lm = run_replication(metered, 2, 0, 3)
    assert _approach_max(lf, code) > 10  # without metering the queue spills further
    assert _approach_max(lm, code) <= 10
    held = _counts(lm, Kind.HELD)
    assert held[code] > 0 and held.sum() == held[code]
    for log in (lf, lm):
        _conservation(log)


def test_cargo_stop_sends_the_cargo_elsewhere():
    stop = "corridor.stops=[{gate: tan_thanh, cargo: fruit, start: 2025-12-31T00:00, end: 2026-01-01T12:00}]"
    sc, _ = load_scenario(CORRIDOR, ["calendar.warmup_days=1", "calendar.drain_days=0", stop])
    log = run_replication(sc, 1, 0, 3)
    code = GATES.index("tan_thanh")
    dep = (log.kind == Kind.DEPARTED) & (log.gate == code)
    fruit = log.payload["cargo"][log.truck[dep]] == 0
    t = log.t_h[dep]
    stop_h = (24.0 * 0, 24.0 * 1 + 12.0)  # sim hours of the stop (sim time 0 = 31 Dec 2025)
    inside = (t >= stop_h[0]) & (t < stop_h[1])
    # only trucks captive to Tân Thanh may wait for it: none leaves for it with fruit during the stop
    assert not (fruit & inside).any()
    assert (fruit & ~inside).any()  # after the stop, fruit goes there again
    _conservation(log)


# ---- booking slots ---------------------------------------------------------------------

_BOOKING = "corridor.booking={huu_nghi: {slots_per_h: 12, share_booking: 0.6, lead_h: 2, no_show: %s}}"


def test_booked_arrivals_per_hour_never_exceed_the_slots():
    sc, _ = load_scenario(CORRIDOR, ["calendar.warmup_days=1", "calendar.drain_days=0", _BOOKING % 0.1])
    log = run_replication(sc, 1, 0, 3)
    code = GATES.index("huu_nghi")
    booked = np.zeros(log.n_trucks, bool)
    booked[log.truck[log.kind == Kind.BOOKED]] = True
    arr = (log.kind == Kind.ARRIVED) & (log.gate == code) & booked[log.truck]
    per_hour = np.bincount(np.floor(log.t_h[arr]).astype(int))
    assert per_hour.max() <= 12
    assert per_hour.max() == 12  # the slots bind somewhere: the check can fail
    s = summarize(log)
    assert len(s) == 4


def test_no_show_rate_one_is_the_walk_in_only_corridor():
    over = ["calendar.warmup_days=1", "calendar.drain_days=0"]
    walk, _ = load_scenario(CORRIDOR, over)
    noshow, _ = load_scenario(CORRIDOR, [*over, _BOOKING % 1.0])
    some, _ = load_scenario(CORRIDOR, [*over, _BOOKING % 0.0])
    cols = ["arrivals", "departures", "wait_mean_h", "wait_p95_h", "revenue_vnd"]
    a = summarize(run_replication(walk, 1, 0, 3))[cols]
    b = summarize(run_replication(noshow, 1, 0, 3))[cols]
    c = summarize(run_replication(some, 1, 0, 3))[cols]
    assert a.equals(b)
    assert not a.equals(c)  # booking that shows up changes the corridor


# ---- scenario files, errors, KPIs ------------------------------------------------------

PROPOSALS = {
    "chi_ma_road_236_upgraded": "baseline_2026.yaml",
    "fruit_green_lane": "baseline_2026.yaml",
    "corridor_2026": "baseline_2026.yaml",
    "corridor_chi_ma_road_236": "corridor_2026.yaml",
    "corridor_metering": "corridor_2026.yaml",
    "corridor_booking": "corridor_2026.yaml",
    "corridor_feb_2022_fruit_stop": "corridor_2026.yaml",
}


@pytest.mark.parametrize("name", sorted(PROPOSALS))
def test_proposal_files_extend_and_cite(name):
    from gatesim.scenario.load import read_yaml

    raw = read_yaml(SCENARIOS / f"{name}.yaml")
    assert raw["extends"] == PROPOSALS[name] and raw["name"] == name
    sc, _ = load_scenario(SCENARIOS / f"{name}.yaml")
    changed = [k for k in raw if k not in ("extends", "name", "description", "sources")]
    assert changed
    for s in raw["sources"].values():
        assert s["basis"] in ("seed", "public", "assumption", "calibrated") and s["source"]
    assert list(sc.gates) == GATES


def test_a_corridor_naming_an_unknown_gate_is_one_clear_error():
    from gatesim.errors import InputError

    with pytest.raises(InputError) as e:
        load_scenario(CORRIDOR, ["corridor.origins.guangxi.travel_min.dong_dang=10"])
    text = str(e.value)
    assert "dong_dang" in text and "chi_ma" in text and "\n" not in text


def test_corridor_kpis_in_the_summary():
    from gatesim.projections.corridor_kpis import CORRIDOR_COLUMNS
    from gatesim.run import run_scenario

    sc, _ = load_scenario(SCENARIOS / "corridor_metering.yaml", ["calendar.warmup_days=1"])
    s = run_scenario(sc, 1, 1, 3).summary.set_index("gate")
    assert all(c in s.columns for c in CORRIDOR_COLUMNS)
    assert s["corridor_share"].sum() == pytest.approx(1.0)
    assert (s["origin_to_crossing_h"].dropna() > 0).all()


def test_the_runs_logit_pick_is_the_closed_form():
    from gatesim.model.corridor.choice import logit_pick

    rng = np.random.default_rng(1)
    for _ in range(200):
        cost = rng.uniform(0, 10, 4)
        elig = rng.random(4) < 0.8
        if not elig.any():
            continue
        u = float(rng.random())
        want = pick(logit_probabilities(cost, 1.5, elig), u)
        assert logit_pick(list(cost), list(elig), 1.5, u) == want


def test_a_truck_that_gives_up_chooses_another_gate():
    acceptance = (
        "gates.tan_thanh.stages.cn_acceptance={role: acceptance, servers: 1, "
        "hours: {tz: china, open_h: 8, close_h: 20}, service: {dist: deterministic, steps_min: {a: 3.5}}, "
        "patience_h: {dist: fixed, mean_h: 0.5}}"
    )
    over = ["calendar.warmup_days=1", "calendar.drain_days=0", acceptance]
    sc, _ = load_scenario(CORRIDOR, [*over, "corridor.choice.rechoose_after_reneging=true"])
    log = run_replication(sc, 1, 0, 3)
    code = GATES.index("tan_thanh")
    gave_up = np.unique(log.truck[(log.kind == Kind.RENEGED) & (log.gate == code)])
    assert gave_up.size > 0
    dep = log.kind == Kind.DEPARTED
    again = dep & np.isin(log.truck, gave_up) & (log.gate != code)
    assert again.any()  # some left again, for another gate
    # conservation: every generated truck is crossed, on the road, at a gate, or reneged out
    count = {k: int((log.kind == k).sum()) for k in Kind}
    rechosen = count[Kind.DEPARTED] - np.unique(log.truck[dep]).size
    assert rechosen == again.sum()
    on_road = count[Kind.DEPARTED] - count[Kind.ARRIVED]
    at_gate = count[Kind.ARRIVED] - count[Kind.CROSSED] - count[Kind.RENEGED]
    reneged_out = count[Kind.RENEGED] - rechosen
    assert min(on_road, at_gate, reneged_out) >= 0
    assert log.meta["corridor"]["generated"] == count[Kind.CROSSED] + on_road + at_gate + reneged_out


@pytest.mark.slow  # several seconds: the slow tier, so the default tier stays under 10 min
def test_the_reference_engine_runs_a_corridor_with_the_fast_engines_summary(tmp_path):
    import subprocess
    import sys

    import pandas as pd

    summaries = []
    for engine in ("fast", "reference"):
        out = tmp_path / engine
        proc = subprocess.run(
            [sys.executable, "-m", "gatesim.cli", "run", str(CORRIDOR), "--engine", engine]
            + ["--days", "1", "-r", "1", "--out", str(out), "-q"],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
        summaries.append(pd.read_csv(out / "summary.csv"))
    fast, twin = summaries
    from gatesim.projections.corridor_kpis import CORRIDOR_COLUMNS

    assert set(CORRIDOR_COLUMNS) <= set(fast.columns)  # a corridor run's summary
    assert list(fast.columns) == list(twin.columns)
    for col in fast.columns:
        if fast[col].dtype.kind in "fi":
            assert np.allclose(fast[col], twin[col], rtol=1e-9, atol=0.0, equal_nan=True), col
        else:
            assert (fast[col].astype(str) == twin[col].astype(str)).all(), col


def test_booked_trucks_are_served_first_where_a_stage_ranks_by_booking():
    release = (
        "gates.huu_nghi.stages.cn_release={role: release, servers: 6, hours: {tz: china, open_h: 8, close_h: 20}, "
        "service: {dist: deterministic, steps_min: {release: 4}}, discipline: priority, "
        "priority_by: booked, priority_order: [booked, walk_in]}"
    )
    over = ["calendar.warmup_days=1", "calendar.drain_days=1", _BOOKING % 0.0, release]
    sc, _ = load_scenario(CORRIDOR, over)
    log = run_replication(sc, 1, 0, 3)
    code = GATES.index("huu_nghi")
    stage = log.meta["stages"].index("cn_release")
    booked = np.zeros(log.n_trucks, bool)
    booked[log.truck[(log.kind == Kind.BOOKED) & (log.gate == code)]] = True
    at = (log.gate == code) & (log.stage == stage)
    q = np.full(log.n_trucks, np.nan)
    s = np.full(log.n_trucks, np.nan)
    m = at & (log.kind == Kind.QUEUED)
    q[log.truck[m]] = log.t_h[m]
    m = at & (log.kind == Kind.STARTED)
    s[log.truck[m]] = log.t_h[m]
    wait = s - q
    ok = ~np.isnan(wait)
    assert (ok & booked).sum() > 20 and (ok & ~booked).sum() > 20
    assert np.mean(wait[ok & booked]) < np.mean(wait[ok & ~booked])
    assert log.payload["priority"][booked & ok].max() == 0  # rank 0: first served


def test_compare_takes_corridor_runs(tmp_path):
    from gatesim.compare import compare_tables
    from gatesim.run import run_scenario

    base, _ = load_scenario(CORRIDOR, ["calendar.warmup_days=1", "calendar.drain_days=0"])
    other, _ = load_scenario(CORRIDOR, ["calendar.warmup_days=1", "calendar.drain_days=0", _BOOKING % 0.0])
    a = run_scenario(base, 1, 2, 3).summary
    b = run_scenario(other, 1, 2, 3).summary
    t = compare_tables(a, [b]).set_index(["gate", "kpi"])
    assert t.loc[("huu_nghi", "booked"), "diff_mean"] > 0
    assert ("tan_thanh", "corridor_share") in t.index


def test_replay_of_a_corridor_run_gives_the_same_summary(tmp_path):
    from click.testing import CliRunner

    from gatesim.cli import main

    run, again = tmp_path / "run", tmp_path / "again"
    r = CliRunner().invoke(
        main,
        ["run", str(SCENARIOS / "corridor_metering.yaml"), "--days", "1", "-r", "1", "--out", str(run), "-q"]
        + ["--set", "calendar.warmup_days=1", "--set", "calendar.drain_days=0"],
    )
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["replay", str(run), "--out", str(again)])
    assert r.exit_code == 0, r.output
    assert (again / "summary.csv").read_bytes() == (run / "summary.csv").read_bytes()
    assert b"corridor_share" in (run / "summary.csv").read_bytes()

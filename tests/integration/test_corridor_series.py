"""The corridor's hourly KPIs, its report section, the published wait with trucks on the
way, holding that never lowers a day's crossings below capacity, and the corridor's priors."""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.events.kinds import Kind
from gatesim.model.corridor.metering import Meter
from gatesim.model.corridor.waits import GateWaits
from gatesim.projections import registry
from gatesim.projections.corridor_series import CORRIDOR_SERIES_COLUMNS, corridor_series
from gatesim.projections.timeseries import timeseries
from gatesim.report.rundata import nominal_capacity
from gatesim.run import run_replication
from gatesim.scenario.load import load_scenario

# slow too: runs, replays and reports corridor runs (~27 s); .ci/run runs the slow tier
pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
CORRIDOR = SCENARIOS / "corridor_2026.yaml"
SHORT = ["calendar.warmup_days=1", "calendar.drain_days=0"]
_BOOKING = "corridor.booking={huu_nghi: {slots_per_h: 12, share_booking: 0.6, lead_h: 2}}"
# a fruit peak (x4) so that Tân Thanh's exports exceed its Chinese side's acceptance
_PEAK = [*SHORT, "corridor.origins.lang_son_fruit.per_day=900", "gates.tan_thanh.yard.capacity_trucks=80"]
_METER = "corridor.metering={tan_thanh: {approach_max_trucks: 10}}"


@pytest.fixture(scope="module")
def metered_log():
    sc, _ = load_scenario(CORRIDOR, [*_PEAK, _METER, _BOOKING])
    return run_replication(sc, 1, 0, 3)


# ---- the hourly fold ---------------------------------------------------------------------


def test_corridor_columns_are_registry_entries_with_a_day_rule():
    for col in CORRIDOR_SERIES_COLUMNS:
        k = registry.by_column(col)
        assert k.per_hour in ("sum", "level", "mean"), col
        if k.per_hour_weight:  # a mean's weight is a column of the same rows
            assert k.per_hour_weight in CORRIDOR_SERIES_COLUMNS or k.per_hour_weight in registry.columns(
                "timeseries"
            ), col


def test_hourly_counts_add_up_to_the_logs_events(metered_log):
    log = metered_log
    s = corridor_series(log)
    w0, w1 = log.meta["window_start_h"], log.meta["window_end_h"]
    for code, g in enumerate(log.meta["gates"]):
        rows = s[s["gate"] == g["id"]]
        at = (log.gate == code) & (log.t_h >= w0) & (log.t_h <= w1)
        for col, kind in (("corridor_departed", Kind.DEPARTED), ("held_trucks", Kind.HELD)):
            assert rows[col].sum() == int((at & (log.kind == kind)).sum()), (g["id"], col)
        crossed = int((at & (log.kind == Kind.CROSSED)).sum())
        assert rows["booked"].sum() + rows["walkin"].sum() == crossed, g["id"]
    share = s.groupby("t_h")["corridor_share"].sum(min_count=1).dropna()
    assert np.allclose(share, 1.0)
    tt = s[s["gate"] == "tan_thanh"]
    assert tt["held_trucks"].sum() > 0  # the metering holds: the held columns are exercised


def test_held_truck_hours_are_the_held_intervals_clipped_to_each_hour(metered_log):
    """An independent count: every hold's interval (HELD to RELEASED, or the horizon) cut
    at the hour edges, truck by truck."""
    log = metered_log
    code = [g["id"] for g in log.meta["gates"]].index("tan_thanh")
    s = corridor_series(log)
    got = s.loc[s["gate"] == "tan_thanh", "held_truck_h"].to_numpy()
    hours = s.loc[s["gate"] == "tan_thanh", "t_h"].to_numpy()
    at = log.gate == code
    opened: dict[int, float] = {}
    want = np.zeros(hours.size)
    level_end = np.zeros(hours.size)
    spans = []
    for k, tr, t in zip(log.kind[at], log.truck[at], log.t_h[at], strict=True):
        if k == Kind.HELD:
            opened[int(tr)] = float(t)
        elif k == Kind.RELEASED:
            spans.append((opened.pop(int(tr)), float(t)))
    spans += [(t0, math.inf) for t0 in opened.values()]
    for a, b in spans:
        want += np.clip(np.minimum(b, hours + 1) - np.maximum(a, hours), 0, None)
        level_end += (a <= hours + 1) & (b > hours + 1)
    assert want.sum() > 1.0
    assert np.allclose(got, want, atol=1e-6)
    assert np.array_equal(s.loc[s["gate"] == "tan_thanh", "held_at_origin"].to_numpy(), level_end)


def test_slot_use_and_gate_times_per_hour(metered_log):
    log = metered_log
    s = corridor_series(log)
    hn = s[s["gate"] == "huu_nghi"]
    assert (hn["slots_offered"] == 12).all()
    used = hn["slot_use"] * hn["slots_offered"]
    assert used.max() <= 12 and used.sum() > 0
    assert (hn.loc[hn["booked"] > 0, "booked_wait_h"] > 0).all()
    assert hn.loc[hn["booked"] == 0, "booked_wait_h"].isna().all()
    assert s.loc[s["gate"] != "huu_nghi", "slot_use"].isna().all()
    assert (s["origin_to_crossing_h"].dropna() > 0).all()


def test_a_baseline_run_has_no_corridor_columns():
    sc, _ = load_scenario(
        SCENARIOS / "baseline_2026.yaml", ["calendar.warmup_days=0", "calendar.drain_days=0"]
    )
    log = run_replication(sc, 1, 0, 3)
    ts = timeseries(log)
    corridor_only = set(CORRIDOR_SERIES_COLUMNS) - set(registry.columns("timeseries"))
    assert corridor_only and not corridor_only & set(ts.columns)


def test_replay_and_report_of_a_corridor_run(tmp_path):
    run, again = tmp_path / "run", tmp_path / "again"
    over = [x for o in (*SHORT, _BOOKING) for x in ("--set", o)]
    r = CliRunner().invoke(
        main,
        ["run", str(SCENARIOS / "corridor_metering.yaml"), "--days", "1", "-r", "2", "--out", str(run), "-q"]
        + over,
    )
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["replay", str(run), "--out", str(again)])
    assert r.exit_code == 0, r.output
    for name in ("timeseries.csv", "summary.csv"):
        assert (again / name).read_bytes() == (run / name).read_bytes(), name
    ts = pd.read_csv(run / "timeseries.csv")
    assert list(ts.columns[-len(CORRIDOR_SERIES_COLUMNS) :]) == CORRIDOR_SERIES_COLUMNS
    r = CliRunner().invoke(main, ["report", str(run)])
    assert r.exit_code == 0, r.output
    page = (run / "report.html").read_text(encoding="utf-8")
    assert ": corridor</h2>" in page and (run / "report_png" / "corridor.png").exists()
    for col in CORRIDOR_SERIES_COLUMNS:
        assert html.escape(registry.label(col)) in page, col


def test_the_report_of_a_baseline_run_has_no_corridor_section(tmp_path):
    run = tmp_path / "run"
    r = CliRunner().invoke(
        main,
        ["run", str(SCENARIOS / "baseline_2026.yaml"), "--days", "1", "-r", "1", "--out", str(run), "-q"]
        + ["--set", "calendar.warmup_days=0", "--set", "calendar.drain_days=0", "--no-events"],
    )
    assert r.exit_code == 0, r.output
    assert CliRunner().invoke(main, ["report", str(run)]).exit_code == 0
    assert not (run / "report_png" / "corridor.png").exists()
    assert ": corridor" not in (run / "report.html").read_text(encoding="utf-8")


# ---- the published wait counts trucks on the way ------------------------------------------


class _Idle:
    """A stage runtime with nobody in it: a truck joining at t starts at t."""

    def next_start(self, t: float) -> float:
        return t


class _GateIdle:
    def __init__(self, yard: int | None) -> None:
        self.yard_free = yard or 0
        self.waiters: list = []


def test_trucks_on_the_way_add_their_bottleneck_headway_to_the_published_wait():
    sc, _ = load_scenario(CORRIDOR, SHORT)
    gate = sc.gates["huu_nghi"]
    runtimes = {(sid, d): _Idle() for sid in gate.stages for d in ("export", "import")}
    w = GateWaits(gate, runtimes, _GateIdle(gate.yard.capacity_trucks))
    imp, exp = 1, 0
    assert w.expected_wait_h(imp, 5.0) == 0.0  # an idle gate, nobody on the way
    # the import route's slowest stage, from the report's nominal capacities (trucks/day)
    caps = nominal_capacity(gate)
    slowest = min(cap for sid, (cap, _) in caps.items() if sid in gate.routes["import"].stages)
    assert w.expected_wait_h(imp, 5.0, en_route=30) == pytest.approx(30 * 24.0 / slowest)
    # exports also count them in the yard bound (the rate of the stage that frees yard slots)
    assert w.expected_wait_h(exp, 5.0, en_route=30) == pytest.approx(30 * max(w.drain_h, w.bottleneck_h[exp]))


def test_a_corridor_run_publishes_waits_that_count_trucks_on_the_way(monkeypatch):
    """With every gate's wait published as if nobody were on the way, the choice differs."""
    sc, _ = load_scenario(CORRIDOR, [*SHORT, "corridor.choice.info_delay_h=0"])
    a = run_replication(sc, 1, 0, 3)
    orig = GateWaits.expected_wait_h
    monkeypatch.setattr(GateWaits, "expected_wait_h", lambda self, d, now, en_route=0: orig(self, d, now))
    b = run_replication(sc, 1, 0, 3)
    ga, gb = (log.gate[log.kind == Kind.DEPARTED] for log in (a, b))
    ta, tb = (log.truck[log.kind == Kind.DEPARTED] for log in (a, b))
    assert np.array_equal(np.sort(ta), np.sort(tb))  # the same trucks leave
    assert not np.array_equal(ga[np.argsort(ta)], gb[np.argsort(tb)])  # some choose another gate


# ---- holding never lowers a day's crossings below the gate's capacity ---------------------


def _export_crossings_per_day(log, code: int, days: int) -> np.ndarray:
    m = (log.kind == Kind.CROSSED) & (log.gate == code)
    exports = log.payload["direction"][log.truck[m]] == 0
    return np.bincount(np.floor(log.t_h[m][exports] / 24.0).astype(int), minlength=days)[:days]


def _held_property(free_log, held_log, capacity: float, code: int, days: int) -> np.ndarray:
    """Per day: crossings with holding minus min(capacity, crossings without) (>= 0 must hold)."""
    free = _export_crossings_per_day(free_log, code, days)
    held = _export_crossings_per_day(held_log, code, days)
    return held - np.minimum(np.floor(capacity), free)


def test_holding_never_lowers_a_days_crossings_below_capacity(monkeypatch):
    free, _ = load_scenario(CORRIDOR, _PEAK)
    held, _ = load_scenario(CORRIDOR, [*_PEAK, _METER])
    code = list(free.gates).index("tan_thanh")
    # the exports' bottleneck: one acceptance lane at Pò Chài, open hours x 60 / minutes per truck
    st = held.gates["tan_thanh"].stages["cn_acceptance"]
    capacity = st.servers * (st.hours.close_h - st.hours.open_h) * 60.0 / st.service.base_mean_min
    days = 3  # warm-up day + 2
    lf, lh = run_replication(free, 2, 0, 3), run_replication(held, 2, 0, 3)
    assert (_export_crossings_per_day(lf, code, days)[1:] >= math.floor(capacity)).all()  # the peak binds
    assert ((lh.kind == Kind.HELD) & (lh.gate == code)).any()  # the metering holds trucks
    assert (_held_property(lf, lh, capacity, code, days) >= 0).all()
    # a broken hold rule (release only when the yard is three-quarters empty) starves the gate:
    # the property sees it
    room = Meter.room
    monkeypatch.setattr(Meter, "room", lambda self: self.gate.yard_free > 60 and room(self))
    lb = run_replication(held, 2, 0, 3)
    assert (_held_property(lf, lb, capacity, code, days) < 0).any()


# ---- the corridor's priors -----------------------------------------------------------------


def test_the_corridor_priors_load_and_keep_the_baselines_entries():
    from gatesim.scenario.load import read_yaml
    from gatesim.trust.priors import default_priors_path, load_priors

    sc, resolved = load_scenario(CORRIDOR)
    path = default_priors_path(CORRIDOR)
    priors = load_priors(path, sc, resolved)
    for name in ("corridor_scale_h", "corridor_info_delay_h", "corridor_captive"):
        assert name in priors.varied
    # every corridor.choice parameter of the scenario is labelled in the scenario (sources:)
    for key in (
        "scale_h",
        "value_of_time_vnd_per_h",
        "captive",
        "publish_every_h",
        "info_delay_h",
        "fee_vnd",
    ):
        assert f"corridor.choice.{key}" in sc.sources, key
    # the baseline's entries are the baseline file's, unchanged (the copy cannot drift)
    base = read_yaml(SCENARIOS / "baseline_2026.priors.yaml", {})
    mine = read_yaml(path, {})
    for part in ("varied", "ranges", "not_parameters", "pending"):
        for key, value in base[part].items():
            assert mine[part][key] == value, (part, key)
    # a corridor scenario's priors apply: a sampled point sets the logit's parameters
    point = priors.point(np.full(len(priors.names), 0.99))
    applied = priors.apply(resolved, point)
    assert applied.corridor.choice.scale_h == pytest.approx(priors.varied["corridor_scale_h"].value(0.99))
    assert sum(applied.corridor.choice.captive.values()) == pytest.approx(0.7)


def test_the_reports_daily_figures_follow_the_registrys_day_rules():
    """Sums add, a mean is weighted by its count column, the share is recomputed from counts."""
    from gatesim.report.corridor import daily_corridor
    from gatesim.report.rundata import RunData

    rng = np.random.default_rng(0)
    hours = np.arange(48.0)
    rows = []
    for rep in (0, 1):
        for gate in ("a", "b"):
            for h in hours:
                n = int(rng.integers(0, 5))
                rows.append(
                    {
                        "replication": rep,
                        "gate": gate,
                        "t_h": h,
                        "time": str(pd.Timestamp("2026-01-01") + pd.Timedelta(hours=h))[:16],
                        "departures": n,
                        **{c: float(rng.integers(0, 4)) for c in CORRIDOR_SERIES_COLUMNS},
                        "origin_to_crossing_h": float(rng.uniform(1, 9)) if n else np.nan,
                    }
                )
    series = pd.DataFrame(rows)
    series["when"] = pd.to_datetime(series["time"])
    run = RunData(Path("."), {}, pd.DataFrame(), pd.DataFrame(), series, {}, gates=["a", "b"])
    daily = daily_corridor(run)
    first = series[(series["gate"] == "a") & (series["t_h"] < 24)]
    want_o2c = np.mean(
        [
            np.nansum(r["origin_to_crossing_h"] * r["departures"]) / r["departures"].sum()
            for _, r in first.groupby("replication")
        ]
    )
    day = pd.Timestamp("2026-01-01")
    assert daily.loc[("a", day), "origin_to_crossing_h"] == pytest.approx(want_o2c)
    assert daily.loc[("a", day), "held_truck_h"] == pytest.approx(
        first.groupby("replication")["held_truck_h"].sum().mean()
    )
    shares = daily["corridor_share"].groupby(level="day").sum()
    assert np.allclose(shares, 1.0)

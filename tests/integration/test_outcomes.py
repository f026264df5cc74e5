"""What delay costs: identities on the event log, a metamorphic test, bad factors.

The identities recompute each figure from the log's events by brute force (each
truck's waiting intervals, one by one) and hold the projections to them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.events.kinds import Kind
from gatesim.projections.costs import DELAY_PARTS
from gatesim.projections.tables import tables
from gatesim.run import run_replication
from gatesim.scenario.load import load_scenario

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"


@pytest.fixture(scope="module")
def folded(baseline_logs):
    log = baseline_logs[0]
    summary, series = tables(log)
    return log, summary.set_index("gate"), series


def _intervals(log, code: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every waiting interval of gate ``code``: (truck, from, to), from the events one truck at a time."""
    sl = log.gate_slice(code)
    t, truck, kind, stage = log.t_h[sl], log.truck[sl], log.kind[sl], log.stage[sl]
    open_q: dict[tuple[int, int], float] = {}
    blocked: dict[int, float] = {}
    out = []
    for ti, tr, k, st in zip(t.tolist(), truck.tolist(), kind.tolist(), stage.tolist(), strict=True):
        if k == Kind.QUEUED:
            open_q[(tr, st)] = ti
        elif k == Kind.STARTED and (tr, st) in open_q:
            out.append((tr, open_q.pop((tr, st)), ti))
        elif k == Kind.BLOCKED:
            blocked[tr] = ti
        elif k == Kind.YARD_IN and tr in blocked:
            out.append((tr, blocked.pop(tr), ti))
    # still waiting at the end of the run: waiting until the horizon
    horizon = log.meta["horizon_h"]
    out += [(tr, t0, horizon) for (tr, _), t0 in open_q.items()] + [
        (tr, t0, horizon) for tr, t0 in blocked.items()
    ]
    a = np.array(out, dtype=float).reshape(-1, 3)
    return a[:, 0].astype(int), a[:, 1], a[:, 2]


def test_delay_cost_fuel_and_emissions_are_the_waiting_hours_times_the_factors(folded, baseline):
    log, summary, _ = folded
    f = log.meta["outcomes"]
    dc, em = baseline.economy.delay_cost, baseline.emissions
    w0, w1 = log.meta["window_start_h"], log.meta["window_end_h"]
    cargo = np.array(log.meta["cargo"])[log.payload["cargo"]]
    value_vnd = log.payload["value_usd"] * baseline.economy.vnd_per_usd
    checked = 0
    for code, g in enumerate(log.meta["gates"]):
        row = summary.loc[g["id"]]
        truck, a, b = _intervals(log, code)
        hours = np.clip(b, w0, w1) - np.clip(a, w0, w1)  # the part of each interval in the window
        total_h = hours.sum()
        reefer_h = hours[np.isin(cargo[truck], dc.reefer_cargo)].sum()
        rate = np.array([dc.inventory_rate_per_h[c] for c in cargo[truck]])
        inventory = (hours * value_vnd[truck] * rate).sum()
        assert row["truck_hours_delay"] == pytest.approx(total_h, rel=1e-9)
        assert row["delay_cost_operating_vnd"] == pytest.approx(total_h * dc.operating_vnd_per_h, rel=1e-9)
        assert row["delay_cost_driver_vnd"] == pytest.approx(total_h * dc.driver_vnd_per_h, rel=1e-9)
        assert row["delay_cost_parking_vnd"] == pytest.approx(total_h * dc.parking_vnd_per_day / 24, rel=1e-9)
        assert row["delay_cost_reefer_vnd"] == pytest.approx(
            reefer_h * dc.reefer_fuel_vnd_per_day / 24, rel=1e-9
        )
        assert row["delay_cost_inventory_vnd"] == pytest.approx(inventory, rel=1e-9)
        # delay cost = the sum of its parts
        parts = sum(row[f"delay_cost_{p}_vnd"] for p in DELAY_PARTS)
        assert row["delay_cost_vnd"] == pytest.approx(parts, rel=1e-12)
        # idle hours = waiting x share; fuel = idle hours x rate; CO2 = fuel x factor
        idle = total_h * em.idle_share
        assert row["idle_truck_h"] == pytest.approx(idle, rel=1e-9)
        assert row["idle_fuel_l"] == pytest.approx(idle * em.idle_fuel_l_per_h, rel=1e-9)
        assert row["co2_kg"] == pytest.approx(row["idle_fuel_l"] * em.co2_kg_per_l, rel=1e-12)
        nox = sum(em.fleet_mix[e] * em.nox_g_per_idle_h[e] for e in em.fleet_mix)
        pm = sum(em.fleet_mix[e] * em.pm_g_per_idle_h[e] for e in em.fleet_mix)
        assert row["nox_kg"] == pytest.approx(idle * nox / 1000, rel=1e-9)
        assert row["pm_kg"] == pytest.approx(idle * pm / 1000, rel=1e-9)
        assert f["emissions"]["nox_g_per_idle_h"] == pytest.approx(nox)
        checked += total_h > 0
    assert checked >= 2  # not a test of empty queues


def test_spoilage_and_time_in_system_from_each_truck(folded, baseline):
    log, summary, _ = folded
    w0, w1 = log.meta["window_start_h"], log.meta["window_end_h"]
    curve = baseline.economy.spoilage["fruit"]
    fruit = log.meta["cargo"].index("fruit")
    lost_any = False
    for code, g in enumerate(log.meta["gates"]):
        sl = log.gate_slice(code)
        t, truck, kind = log.t_h[sl], log.truck[sl], log.kind[sl]
        tr, a, b = _intervals(log, code)
        wait = np.bincount(tr, weights=b - a, minlength=log.n_trucks)
        crossed = kind == Kind.CROSSED
        t_cross = dict(zip(truck[crossed].tolist(), t[crossed].tolist(), strict=True))
        in_window = [k for k, tc in t_cross.items() if w0 <= tc < w1]
        lost = sum(
            log.payload["value_usd"][k]
            * baseline.economy.vnd_per_usd
            * np.interp(wait[k], curve.wait_h, curve.lost_share)
            for k in in_window
            if log.payload["cargo"][k] == fruit
        )
        row = summary.loc[g["id"]]
        assert row["spoilage_vnd"] == pytest.approx(lost, rel=1e-9, abs=1e-6)
        lost_any |= lost > 0
        # time in system: arrival to crossing of the trucks counted in the waits
        arrived = kind == Kind.ARRIVED
        t_arr = dict(zip(truck[arrived].tolist(), t[arrived].tolist(), strict=True))
        counted = [k for k, ta in t_arr.items() if w0 <= ta < w1 and k in t_cross]
        tis = np.array([t_cross[k] - t_arr[k] for k in counted])
        assert row["time_in_system_mean_h"] == pytest.approx(tis.mean(), rel=1e-9)
        assert row["time_in_system_p95_h"] == pytest.approx(np.percentile(tis, 95), rel=1e-9)
        assert row["time_in_system_mean_h"] > row["wait_mean_h"]  # waiting is part of the time in system
        # holding a yard slot: yard_in to yard_out of the same trucks, those that used the yard
        y_in = dict(zip(truck[kind == Kind.YARD_IN].tolist(), t[kind == Kind.YARD_IN].tolist(), strict=True))
        y_out = dict(
            zip(truck[kind == Kind.YARD_OUT].tolist(), t[kind == Kind.YARD_OUT].tolist(), strict=True)
        )
        held = [y_out[k] - y_in[k] for k in counted if k in y_out]
        assert held and row["time_in_yard_mean_h"] == pytest.approx(np.mean(held), rel=1e-9)
        assert all(y_out[k] - y_in[k] <= t_cross[k] - t_arr[k] for k in counted if k in y_out)
    assert lost_any


def test_hourly_costs_add_up_to_the_summary(folded):
    log, summary, series = folded
    for gid, rows in series.groupby("gate"):
        row = summary.loc[gid]
        for col in ("delay_cost_vnd", "idle_fuel_l", "co2_kg", "nox_kg", "pm_kg"):
            assert rows[col].sum() == pytest.approx(row[col], rel=1e-9), col
        assert rows["waiting_truck_h"].sum() == pytest.approx(row["truck_hours_delay"], rel=1e-9)
        # spoilage counted at crossing: the window's hours hold the window's crossings
        assert rows["spoilage_vnd"].sum() == pytest.approx(row["spoilage_vnd"], rel=1e-9)
        assert (rows["waiting_truck_h"] >= -1e-9).all() and (rows["delay_cost_vnd"] >= -1e-6).all()


def test_a_log_without_factors_gives_empty_cost_columns(baseline_logs):
    log = baseline_logs[1]
    bare = type(log)(**{**log.__dict__, "meta": {k: v for k, v in log.meta.items() if k != "outcomes"}})
    summary, series = tables(bare)
    assert summary["delay_cost_vnd"].isna().all() and summary["co2_kg"].isna().all()
    assert series["spoilage_vnd"].isna().all()
    assert summary["time_in_system_mean_h"].notna().all()  # not a cost: still measured


def test_a_proposal_that_lowers_every_wait_lowers_cost_fuel_and_spoilage(baseline):
    """Metamorphic: twice the servers, lanes and yard at every gate (same trucks, common random
    numbers). Checked first: every wait figure is lower or equal at every gate."""
    gates = {}
    for gid, g in baseline.gates.items():
        stages = {}
        for sid, st in g.stages.items():
            if st.kind == "road":
                stages[sid] = st.model_copy(update={"lanes": st.lanes * 2})
            else:
                stages[sid] = st.model_copy(
                    update={"servers": None if st.servers is None else st.servers * 2}
                )
        yard = g.yard.model_copy(update={"capacity_trucks": g.yard.capacity_trucks * 2}) if g.yard else None
        gates[gid] = g.model_copy(update={"stages": stages, "yard": yard})
    better = baseline.model_copy(update={"gates": gates, "name": "doubled"})
    base = tables(run_replication(baseline, 3, 0, 11))[0].set_index("gate")
    prop = tables(run_replication(better, 3, 0, 11))[0].set_index("gate")
    waits = [c for c in base.columns if c.startswith("wait_at_")] + ["wait_mean_h", "wait_p95_h"]
    lowered = (prop[waits].fillna(0) <= base[waits].fillna(0) + 1e-9).all().all()
    assert lowered, "precondition: the proposal lowers every wait"
    for col in ("delay_cost_vnd", "idle_fuel_l", "co2_kg", "spoilage_vnd", "time_in_system_mean_h"):
        assert (prop[col] <= base[col] + 1e-9).all(), col
        assert prop[col].sum() < base[col].sum(), col  # and strictly somewhere


def _run(*args: str):
    return CliRunner().invoke(main, ["run", *args, "--days", "1", "-r", "1", "-q"])


@pytest.mark.parametrize(
    "override, fragments",
    [
        (
            "economy.delay_cost.parking_vnd_per_day=-400000",
            ["economy.delay_cost.parking_vnd_per_day", "-400000"],
        ),
        ("emissions.idle_fuel_l_per_h=-2", ["emissions.idle_fuel_l_per_h", "-2"]),
        ("emissions.idle_share=1.5", ["emissions.idle_share", "1.5"]),
        ("emissions.fleet_mix.euro5=0.5", ["emissions.fleet_mix", "sum to 1"]),
    ],
)
def test_a_bad_factor_is_one_line_and_exit_2(override, fragments, tmp_path):
    res = _run(str(BASELINE), "--set", override, "--out", str(tmp_path / "out"))
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.output, res.output
    for frag in fragments:
        assert frag in lines[0], (frag, lines[0])
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "curve, fragment",
    [
        ("{wait_h: [0, 24, 48], lost_share: [0.0, 0.3, 0.1]}", "must not decrease"),
        ("{wait_h: [0, 48, 24], lost_share: [0.0, 0.1, 0.3]}", "strictly increasing"),
        ("{wait_h: [0, 24], lost_share: [0.0, 0.1, 0.3]}", "one value per wait_h point"),
        ("{wait_h: [0, 24], lost_share: [0.0, 1.3]}", "less than or equal to 1"),
    ],
)
def test_a_bad_spoilage_curve_is_one_line_and_exit_2(curve, fragment, tmp_path):
    path = tmp_path / "bad_spoilage.yaml"
    path.write_text(f"extends: {BASELINE}\neconomy:\n  spoilage:\n    fruit: {curve}\n", encoding="utf-8")
    res = _run(str(path), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.output, res.output
    assert (
        "bad_spoilage.yaml" in lines[0] and "economy.spoilage.fruit" in lines[0] and fragment in lines[0]
    ), lines[0]


def test_baseline_factors_are_the_published_ones(baseline):
    """The published delay costs ([vietstock-2020], [tuoitre-2021-12-19] in seeds/sources.yaml) as the baseline states them."""
    dc, em = baseline.economy.delay_cost, baseline.emissions
    assert (dc.operating_vnd_per_h + dc.driver_vnd_per_h) * 24 == pytest.approx(1_000_000, rel=1e-3)
    assert (dc.parking_vnd_per_day, dc.reefer_fuel_vnd_per_day) == (400_000, 300_000)
    assert em.co2_kg_per_l == 2.69 and 1.7 <= em.idle_fuel_l_per_h <= 2.5
    assert em.nox_g_per_idle_h["euro2"] == 85 and em.pm_g_per_idle_h["euro2"] == 1.8
    scenario, _ = load_scenario(BASELINE)
    for key in ("economy.delay_cost.parking_vnd_per_day", "emissions.co2_kg_per_l", "economy.spoilage"):
        assert scenario.sources[key].source


def test_summary_costs_are_in_the_run_outputs_and_replay(tmp_path):
    out = tmp_path / "run"
    res = CliRunner().invoke(main, ["run", str(BASELINE), "--days", "1", "-r", "1", "-q", "--out", str(out)])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["replay", str(out), "--out", str(tmp_path / "again")])
    assert res.exit_code == 0, res.output
    for name in ("summary.csv", "timeseries.csv", "summary_ci.csv"):
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    s = pd.read_csv(out / "summary.csv")
    assert s["delay_cost_vnd"].gt(0).all() and s["co2_kg"].gt(0).all()


def test_state_rows_add_up_to_the_trucks_in_the_system(folded):
    """The state table's rows did not add up to its total (the yard's trucks
    were counted twice, the trucks between stages not at all)."""
    from gatesim.projections.state import state_at

    log, _, series = folded
    for t_h in (log.meta["window_start_h"] + 9.5, log.meta["window_start_h"] + 38.0):
        table = state_at(log, t_h)
        for gid, rows in table.groupby("gate"):
            parts = rows[~rows["place"].isin(["in_system"]) & ~rows["place"].str.startswith("yard")]
            total = rows[rows["place"] == "in_system"].iloc[0]
            assert (
                parts["waiting"].sum() == total["waiting"]
                and parts["in_service"].sum() == total["in_service"]
            )
            assert (parts[["waiting", "in_service"]] >= 0).all().all()
            # the same count as timeseries.csv's in_system at the end of that hour
            if float(t_h).is_integer():
                hour = series[(series["gate"] == gid) & (series["t_h"] == t_h - 1)].iloc[0]
                assert total["waiting"] + total["in_service"] == hour["in_system"]

"""`gatesim run`, `replay`, `state` end to end, determinism, output contract."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.projections.kpis import ID_COLUMNS, KPI_COLUMNS

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline_2026.yaml"


REQUIRED = [
    "scenario",
    "replication",
    "seed",
    "gate",
    "arrivals",
    "departures",
    "left_in_system",
    "throughput_per_day",
    "wait_mean_h",
    "wait_p95_h",
    "wait_max_h",
    "wait_left_out",
    "queue_mean",
    "queue_max",
    "queue_max_km",
    "truck_hours_delay",
    "value_usd",
    "revenue_vnd",
    "fees_vnd",
]


def _run(out, *extra):
    res = CliRunner().invoke(
        main, ["run", str(BASELINE), "--days", "2", "-r", "2", "--seed", "9", "--out", str(out), "-q", *extra]
    )
    assert res.exit_code == 0, res.output
    return res


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "base"
    _run(out)
    return out


def test_outputs_and_contract(run_dir):
    for name in (
        "summary.csv",
        "summary_ci.csv",
        "timeseries.csv",
        "scenario.resolved.yaml",
        "manifest.json",
    ):
        assert (run_dir / name).exists(), name
    assert sorted(p.name for p in (run_dir / "events").iterdir()) == ["rep_000.parquet", "rep_001.parquet"]
    s = pd.read_csv(run_dir / "summary.csv")
    assert all(c in s.columns for c in REQUIRED)
    assert list(s.columns[: len(ID_COLUMNS) + len(KPI_COLUMNS)]) == ID_COLUMNS + KPI_COLUMNS
    assert set(s["gate"]) == {"tan_thanh", "huu_nghi", "coc_nam", "chi_ma"}
    assert (s["arrivals"] == s["departures"] + s["left_in_system"]).all()
    assert s["queue_max_km"].notna().all()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["complete"] and manifest["seed"] == 9 and manifest["output_schema_version"] >= 1
    ts = pd.read_csv(run_dir / "timeseries.csv")
    assert len(ts) == 2 * 4 * 48  # replications x gates x hours
    assert ts["time"].iloc[0] == "2026-01-01 00:00"


def test_same_seed_same_bytes(run_dir, tmp_path):
    _run(tmp_path / "again")
    assert (tmp_path / "again" / "summary.csv").read_bytes() == (run_dir / "summary.csv").read_bytes()
    assert (tmp_path / "again" / "timeseries.csv").read_bytes() == (run_dir / "timeseries.csv").read_bytes()


def test_other_seed_other_results(run_dir, tmp_path):
    res = CliRunner().invoke(
        main,
        ["run", str(BASELINE), "--days", "2", "-r", "2", "--seed", "10", "--out", str(tmp_path / "o"), "-q"],
    )
    assert res.exit_code == 0
    assert (tmp_path / "o" / "summary.csv").read_bytes() != (run_dir / "summary.csv").read_bytes()


def test_replay_recomputes_identical_tables(run_dir, tmp_path):
    res = CliRunner().invoke(main, ["replay", str(run_dir), "--out", str(tmp_path / "replayed")])
    assert res.exit_code == 0, res.output
    for name in ("summary.csv", "summary_ci.csv", "timeseries.csv"):
        assert (tmp_path / "replayed" / name).read_bytes() == (run_dir / name).read_bytes(), name


def test_state_at_an_instant(run_dir):
    res = CliRunner().invoke(main, ["state", str(run_dir), "--at", "2026-01-02 09:30"])
    assert res.exit_code == 0, res.output
    assert "tan_thanh" in res.output and "cn_acceptance" in res.output and "approach" in res.output
    bad = CliRunner().invoke(main, ["state", str(run_dir), "--at", "2027-01-01 00:00"])
    assert bad.exit_code == 2 and "outside the simulated period" in bad.output


def test_printed_table_has_targets(run_dir, tmp_path):
    res = _run(tmp_path / "p")
    assert "Tân Thanh" in res.output and "2026 target assigned: 9,600" in res.output


def test_set_override_is_recorded_in_resolved_scenario(tmp_path):
    _run(tmp_path / "s", "--set", "gates.tan_thanh.stages.road.lanes=8")
    text = (tmp_path / "s" / "scenario.resolved.yaml").read_text(encoding="utf-8")
    assert "lanes: 8" in text


def test_several_scenarios_share_seeds(tmp_path):
    other = tmp_path / "wide.yaml"
    other.write_text(
        f"extends: {BASELINE}\nname: wide\ngates: {{tan_thanh: {{stages: {{road: {{lanes: 8}}}}}}}}\n"
    )
    res = CliRunner().invoke(
        main, ["run", str(BASELINE), str(other), "--days", "1", "-r", "2", "--out", str(tmp_path / "m"), "-q"]
    )
    assert res.exit_code == 0, res.output
    a = pd.read_csv(tmp_path / "m" / "baseline_2026" / "summary.csv")
    b = pd.read_csv(tmp_path / "m" / "wide" / "summary.csv")
    assert a["seed"].tolist() == b["seed"].tolist()
    assert a["arrivals"].tolist() == b["arrivals"].tolist()  # same trucks


def test_printed_table_warns_when_waits_are_lower_bounds(tmp_path):
    # an overloaded gate (arrivals x 3) that a one-day drain cannot empty
    res = _run(tmp_path / "o", "--set", "growth.volume_multiplier=3.0", "--set", "calendar.drain_days=1")
    assert "Waits are lower bounds" in res.output
    s = pd.read_csv(tmp_path / "o" / "summary.csv")
    assert (s["wait_left_out"] > 0).any()
    quiet = _run(tmp_path / "q")  # the baseline's drain empties January
    assert "lower bounds" not in quiet.output

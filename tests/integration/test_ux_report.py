"""Reports that decide."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.compare import compare_tables
from gatesim.report.common import hours_zone, param_label_at
from gatesim.report.plots_compare import readable_limit
from gatesim.report.plots_sweep import adjusted_for_others, color_limits
from gatesim.report.rundata import crossings_by_direction, read_run

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"


def _cli(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("uxreport") / "run"
    res = _cli("run", str(BASELINE), "--days", "2", "-r", "2", "--out", str(out), "-q")
    assert res.exit_code == 0, res.output
    return out


# ---------------------------------------------------------------- item 8: charts


def test_one_huge_interval_does_not_squash_the_effects():
    pct = np.array([-40.0, 3.0, 1.0])
    lo = np.array([-50.0, -900.0, -2.0])
    hi = np.array([-30.0, 950.0, 4.0])
    lim = readable_limit(pct, lo, hi)
    assert 40 < lim <= 150  # the -40% effect fills a third of the axis or more, not 1/20
    assert readable_limit(np.array([-40.0]), np.array([-60.0]), np.array([-20.0])) >= 60  # all fit


def test_heatmap_colours_span_at_least_the_noise():
    means = np.array([[670.0, 670.1], [670.2, 670.3]])  # 0.3 trucks/day apart
    lo, hi = color_limits(means, np.full(4, 20.0))  # each point's 95% CI is 20 wide
    assert hi - lo >= 20 and lo < 670.0 and hi > 670.3
    lo, hi = color_limits(np.array([1.0, 9.0]), np.array([0.5, 0.5]))  # real differences: the data's range
    assert (lo, hi) == (1.0, 9.0)


def test_opening_hours_labelled_in_the_zone_of_their_side():
    resolved = {"gates": {"tan_thanh": {"stages": {"cn_acceptance": {"hours": {"tz": "china"}}}}}}
    path = "gates.tan_thanh.stages.cn_acceptance.hours.close_h"
    assert hours_zone(path, resolved) == "China time"
    assert "China time" in param_label_at(path, None, resolved)
    assert "local time" not in param_label_at(path, None, resolved)
    assert hours_zone("gates.tan_thanh.stages.road.hours.open_h", resolved) == "Hanoi time"
    assert hours_zone("gates.tan_thanh.stages.road.lanes", resolved) is None


def test_lhs_trend_takes_out_the_parameter_not_shown():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0, 1, 40), rng.uniform(0, 1, 40)
    rows = pd.DataFrame({"a": a, "b": b, "mean": 1.0 * a + 50.0 * b})  # b dominates
    raw_r = np.corrcoef(a, rows["mean"])[0, 1]
    adj = adjusted_for_others(rows, "a", ["b"])
    assert abs(raw_r) < 0.5
    assert np.corrcoef(a, adj)[0, 1] == pytest.approx(1.0, abs=1e-9)
    assert np.polyfit(a, adj, 1)[0] == pytest.approx(1.0)


# ---------------------------------------------------------------- item 10: capacity split from the log


def test_capacity_split_comes_from_each_trucks_direction(run_dir):
    split = crossings_by_direction(run_dir)
    assert split is not None and {"export", "import"} <= set(split.columns)
    run = read_run(run_dir)
    for gate in run.gates:
        rows = run.series[run.series["gate"] == gate]
        daily = (
            rows.groupby([rows["when"].dt.normalize(), "replication"])["departures"]
            .sum()
            .groupby(level=0)
            .mean()
        )
        both = split.loc[gate].reindex(daily.index, fill_value=0.0).sum(axis=1)
        assert both.to_numpy() == pytest.approx(daily.to_numpy())  # the same crossings, now split
    shares = split.groupby(level="gate").sum()
    assert (shares["export"] > 0).all() and (shares["import"] > 0).all()
    res = _cli("report", str(run_dir))
    assert res.exit_code == 0, res.output
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "does not store the split" not in page and "assumed" not in page
    assert "each truck&#x27;s direction in the event log" in page or "each truck's direction" in page


# ---------------------------------------------------------------- the comparison page


def _multi(run_dir: Path, root: Path, names: list[str]) -> Path:
    for n in names:
        shutil.copytree(run_dir, root / n, ignore=shutil.ignore_patterns("report*", "events"))
    (root / "manifest.json").write_text(json.dumps({"complete": True, "scenarios": names}))
    return root


def test_comparison_page_decides(run_dir, tmp_path):
    base = pd.read_csv(run_dir / "summary.csv")
    other = base.assign(scenario="eight_lanes")
    tt = other["gate"] == "tan_thanh"
    other.loc[tt, "wait_mean_h"] *= 0.5
    other.loc[tt, "queue_max_km"] += 0.001
    table = compare_tables(base, [other])
    table.to_csv(tmp_path / "comparison.csv", index=False)
    res = _cli("report", str(tmp_path / "comparison.csv"))
    assert res.exit_code == 0, res.output
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<p class="summary">eight_lanes against ' in page
    assert "mean wait per truck falls from" in page
    # untouched gates a click away, named in the fold's summary
    assert re.search(r"<details><summary>Untouched gates: Hữu Nghị, Cốc Nam", page)
    assert 'id="eight_lanes-forest_eight_lanes"' in page
    # identical rows are not listed unless asked
    n_ident = int((table["identical"] & (table["kpi"] != "days")).sum())  # days: equal by construction
    assert f"{n_ident} identical rows left out" in page and "Identical rows (" not in page
    res = _cli("report", str(tmp_path / "comparison.csv"), "--all")
    assert res.exit_code == 0
    assert f"Identical rows ({n_ident})" in (tmp_path / "report.html").read_text(encoding="utf-8")


@pytest.mark.slow  # ~27 s: runs and reports two scenarios
def test_multi_report_leads_with_the_overview_and_folds_each_scenario(run_dir, tmp_path):
    root = _multi(run_dir, tmp_path / "multi", ["a", "b", "c"])
    res = _cli("report", str(root))
    assert res.exit_code == 0, res.output
    page = (root / "report.html").read_text(encoding="utf-8")
    first_h2 = re.search(r"<h2[^>]*>([^<]+)</h2>", page).group(1)
    assert first_h2 == "Overview"
    for n in ("a", "b", "c"):
        assert f'<details id="{n}"><summary><h2>{n}</h2>' in page
    assert page.index("Key figures per scenario and gate") < page.index('<details id="a">')

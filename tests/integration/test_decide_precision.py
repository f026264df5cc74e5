"""gatesim run --ci-target (replications to a precision) and the MSER-5 warm-up check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.decide.warmup import check_warmup, mser_truncation
from gatesim.errors import InputError
from gatesim.sweep.precision import PrecisionRule, parse_target
from tests.helpers.decide_cases import mmc_scenario, write_yaml

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration


def _run(tmp_path, *args):
    sc = write_yaml(tmp_path / "mmc.yaml", mmc_scenario(4, 1.8))
    return CliRunner().invoke(
        main, ["run", str(sc), "--out", str(tmp_path / "r"), "-q", "--no-events", *args]
    )


def test_ci_target_met_within_target(tmp_path):
    res = _run(tmp_path, "--ci-target", "20%", "-r", "40")
    assert res.exit_code == 0, res.output
    assert "ci-target 20.0%: met after" in res.output
    prec = pd.read_csv(tmp_path / "r" / "precision.csv")
    assert prec["met"].all() and (prec["relative_half"] <= 0.20).all()
    # the half-width recomputed from summary.csv agrees, and no more replications than needed were run
    summary = pd.read_csv(tmp_path / "r" / "summary.csv")
    n = summary["replication"].nunique()
    assert 3 <= n < 40 and int(prec["n"].iloc[0]) == n
    ci = pd.read_csv(tmp_path / "r" / "summary_ci.csv").set_index("kpi")
    assert ci.loc["wait_mean_h", "ci95_half"] <= 0.20 * abs(ci.loc["wait_mean_h", "mean"])


def test_ci_target_maximum_reached_is_said(tmp_path):
    res = _run(tmp_path, "--ci-target", "0.1%", "-r", "3", "--ci-kpi", "wait_p95_h")
    assert res.exit_code == 0, res.output
    assert "NOT met" in res.output and "maximum of 3 replications was reached" in res.output
    assert pd.read_csv(tmp_path / "r" / "summary.csv")["replication"].nunique() == 3


@pytest.mark.parametrize("text", ["0%", "abc", "150%"])
def test_bad_ci_target(tmp_path, text):
    with pytest.raises(InputError):
        parse_target(text)
    res = _run(tmp_path, "--ci-target", text)
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1


def test_rule_counts_every_gate():
    rows = [pd.DataFrame({"gate": ["a", "b"], "wait_mean_h": [1.0, 1.0 + 0.5 * (i % 2)]}) for i in range(4)]
    rule = PrecisionRule(0.05, ["wait_mean_h"], 10)
    assert rule(rows) is False  # gate b varies, gate a does not
    assert rule.table.set_index("gate").loc["a", "met"] and not rule.table.set_index("gate").loc["b", "met"]


def test_mser5_finds_an_initial_transient():
    rng = np.random.default_rng(1)
    y = 10 + rng.normal(0, 1, 600)
    y[:100] += np.linspace(40, 0, 100)  # a transient of 100 observations
    d, at_limit = mser_truncation(y)
    assert 60 <= d <= 140 and not at_limit
    d0, _ = mser_truncation(10 + rng.normal(0, 1, 600))  # stationary: little or nothing to cut
    assert d0 < 30


def test_warmup_warning_names_the_gate(tmp_path):
    # a rush on the first day (1.6 x arrivals, above capacity) leaves a backlog that takes
    # about a day to clear; no warm-up configured, so the window starts in the transient
    data = mmc_scenario(4, 1.8)
    data["calendar"]["warmup_days"] = 0
    data["calendar"]["seasons"] = [
        {"name": "rush", "start": "2026-01-01", "end": "2026-01-01", "multiplier": 1.6}
    ]
    sc = write_yaml(tmp_path / "slow.yaml", data)
    res = CliRunner().invoke(
        main, ["run", str(sc), "--out", str(tmp_path / "w"), "-q", "--no-events", "--days", "6", "-r", "2"]
    )
    assert res.exit_code == 0, res.output
    assert "note: at validation gate the number of trucks in the system is still settling" in res.output
    assert "--set calendar.warmup_days=" in res.output  # acted on from the command line
    ts = pd.read_csv(tmp_path / "w" / "timeseries.csv")
    assert any(c.short for c in check_warmup(ts, 0))


def test_no_warmup_warning_when_the_rush_is_inside_the_warmup(tmp_path):
    data = mmc_scenario(4, 1.8)
    data["calendar"]["warmup_days"] = 3
    data["calendar"]["seasons"] = [
        {"name": "rush", "start": "2025-12-29", "end": "2025-12-29", "multiplier": 1.6}
    ]
    sc = write_yaml(tmp_path / "ok.yaml", data)
    res = CliRunner().invoke(
        main, ["run", str(sc), "--out", str(tmp_path / "w"), "-q", "--no-events", "--days", "6", "-r", "2"]
    )
    assert res.exit_code == 0, res.output
    assert "still settling" not in res.output


def test_sweep_ci_target_adds_replications_per_point(tmp_path):
    write_yaml(tmp_path / "mmc.yaml", mmc_scenario(4, 1.8))
    (tmp_path / "sw.yaml").write_text(
        "base: mmc.yaml\nseed: 5\ndays: 1\nreplications: 2\nparameters:\n  gates.g.stages.s.servers: [4, 6]\n",
        encoding="utf-8",
    )
    out = tmp_path / "s"
    args = ["sweep", str(tmp_path / "sw.yaml"), "--out", str(out), "-j", "1", "-q", "--ci-target", "25%"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "ci-target 25.0%:" in res.output
    prec = pd.read_csv(out / "precision.csv")
    results = pd.read_csv(out / "results.csv")
    n = results.groupby("point")["replication"].nunique()
    for point, grp in prec.groupby("point"):
        assert n[point] == grp["n"].max() >= 3
        assert grp["met"].all() or n[point] == 50  # met, or the maximum (said in the output)
        assert (grp["relative_half"] <= 0.25).all() or n[point] == 50
    # the same command again runs nothing and writes the same results
    before = (out / "results.csv").read_bytes()
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and "0 tasks run" in again.output
    assert (out / "results.csv").read_bytes() == before

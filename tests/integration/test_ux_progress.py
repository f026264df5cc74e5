"""Long runs: progress within a replication and an early ETA; -r 1 prints no "± 0"; calendar
events name no truck."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.events.kinds import NO_TRUCK, Kind
from gatesim.progress import Progress, eta_seconds, format_eta
from gatesim.run import run_replication

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"


def test_day_by_day_run_is_the_same_log_and_reports_each_day(baseline):
    days = []
    stepped = run_replication(baseline, 2, 0, 5, on_day=lambda k, n: days.append((k, n)))
    whole = run_replication(baseline, 2, 0, 5)
    n = days[-1][1]
    assert [k for k, _ in days] == list(range(1, n + 1))
    assert n == int(np.ceil(stepped.meta["horizon_h"] / 24))  # warm-up + window + drain, whole days
    for col in ("t_h", "truck", "gate", "stage", "kind"):
        assert np.array_equal(getattr(stepped, col), getattr(whole, col)), col


def test_calendar_events_name_no_truck(baseline):
    log = run_replication(baseline, 1, 0, 5)
    cal = np.isin(log.kind, [Kind.OPENED, Kind.CLOSED])
    assert cal.any() and (log.truck[cal] == NO_TRUCK).all()
    assert (log.truck[~cal] >= 0).all() and (log.truck[~cal] == 0).any()  # truck 0 is a real truck


def test_eta_from_the_first_simulated_days(capsys):
    ticks = iter([0.0, 2.5, 5.0, 11.0, 20.0])
    with Progress(2, "run: replications", clock=lambda: next(ticks)) as p:  # not a terminal: plain lines
        p.step(5, 100)  # 2.5 s for 5% of the first of 2 replications: a line with an estimate
        p.step(10, 100)  # 5.0 s: too soon for another line
        p.step(30, 100)  # 11.0 s
    err = capsys.readouterr().err
    assert "0/2 done (+5% of the next)" in err and "+10%" not in err and "+30%" in err
    assert f"eta {format_eta(eta_seconds(2.5, 0.05, 2))}" in err
    assert "-:--:--" not in err
    assert eta_seconds(2.5, 0.05, 2) == pytest.approx(2.5 * 1.95 / 0.05)
    assert format_eta(float("nan")) == "-:--:--" and format_eta(3725) == "1:02:05"


def test_one_replication_prints_no_zero_interval(tmp_path):
    res = CliRunner().invoke(
        main,
        ["run", str(BASELINE), "--days", "1", "-r", "1", "--no-events", "-q", "--out", str(tmp_path / "o")],
    )
    assert res.exit_code == 0, res.output
    assert "± 0 billion" not in res.output and "one replication: no CI" in res.output

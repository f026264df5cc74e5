"""Sweeps end with the best and worst points; Ctrl-C (pressed again and again) ends without a
traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.sweep.best import best_worst, format_best_worst

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "baseline_2026.yaml"
LANES = "gates.tan_thanh.stages.road.lanes"
SPEC = f"""\
base: {BASE}
seed: 7
days: 1
replications: 1
set: ["calendar.warmup_days=0"]
parameters:
  {LANES}: [4, 8]
"""


def _results() -> pd.DataFrame:
    rows = []
    for point, lanes, wait in ((0, 4, 6.0), (1, 6, 3.0), (2, 8, 2.0)):
        for rep in (0, 1):
            for gate, dep in (("tan_thanh", 600), ("coc_nam", 100)):
                rows.append(
                    {"point": point, LANES: lanes, "replication": rep, "gate": gate, "departures": dep,
                     "wait_mean_h": wait if gate == "tan_thanh" else 1.0, "queue_max_km": 0.5 * (2 - point),
                     "throughput_per_day": dep + 10 * point, "revenue_vnd": 1e9, "error": None}
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_best_and_worst_points():
    t = best_worst(_results(), [LANES]).set_index("kpi")
    # crossing-weighted mean wait over the gates: (600 w + 100 * 1) / 700
    assert t.loc["wait_mean_h", "best"] == pytest.approx((600 * 2 + 100) / 700)
    assert t.loc["wait_mean_h", "best_point"] == 2 and t.loc["wait_mean_h", "worst_point"] == 0
    assert t.loc["throughput_per_day", "best_point"] == 2  # more is better
    assert t.loc["queue_max_km", "worst"] == pytest.approx(1.0)
    assert "revenue_vnd" not in t.index  # the same everywhere: no best or worst
    text = format_best_worst(best_worst(_results(), [LANES]))
    assert "best 1.86 at p2 (tan_thanh.road.lanes=8)" in text


def test_sweep_ends_with_the_table(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    res = CliRunner().invoke(main, ["sweep", str(spec), "--out", str(tmp_path / "out"), "-j", "1", "-q"])
    assert res.exit_code == 0, res.output
    assert "best and worst points (mean over replications):" in res.output
    assert "tan_thanh.road.lanes=" in res.output


def test_ctrl_c_again_and_again_prints_no_traceback(tmp_path):
    spec = tmp_path / "s.yaml"
    # long enough (~8 s here) that the presses land while tasks still run
    spec.write_text(
        SPEC.replace("replications: 1", "replications: 4").replace("days: 1", "days: 10"), "utf-8"
    )
    cmd = [sys.executable, "-m", "gatesim.cli", "sweep", str(spec), "--out", str(tmp_path / "o"), "-j", "2"]

    def own_group_default_sigint():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.setpgrp()

    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            preexec_fn=own_group_default_sigint)  # fmt: skip
    proc.stderr.readline()  # the sweep's first line: the pool is about to start
    time.sleep(3.0)
    deadline = time.time() + 30
    while proc.poll() is None and time.time() < deadline:  # Ctrl-C, as people press it: repeatedly
        try:
            os.killpg(proc.pid, signal.SIGINT)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    err = proc.stderr.read()
    proc.wait(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the sweep finished before the interrupt (a very fast machine)")
    # 130 from the friendly handler; killed by SIGINT itself (-2) when a press lands after it
    # has finished (interpreter exit): both are Ctrl-C's exit, neither prints a traceback
    assert proc.returncode in (130, -signal.SIGINT), err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert "interrupted" in err

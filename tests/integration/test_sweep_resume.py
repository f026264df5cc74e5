"""A sweep stopped by Ctrl-C or kill -9 and run again ends with the same results.csv."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gatesim.sweep import load_sweep, run_sweep
from tests.helpers.sweeps import reference_sweep, start_sweep, sweep_text

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
# slow too: kills and resumes real sweeps (~25 s); .ci/run runs the slow tier
pytestmark = [pytest.mark.integration, pytest.mark.slow]

SPEC = sweep_text(
    {
        "gates.tan_thanh.stages.road.lanes": "[4, 8]",
        "gates.tan_thanh.stages.cn_acceptance.hours.close_h": "[20, 22]",
    },
    seed=11,
    days=2,
    replications=3,
)
TOTAL = 12


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    spec, out = reference_sweep(tmp_path_factory.mktemp("ref"), SPEC, workers=2)
    return spec, (out / "results.csv").read_bytes()


def start(spec: Path, out: Path, workers: int) -> subprocess.Popen:
    # own session: a signal to its process group is what Ctrl-C in a terminal sends
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    return start_sweep(spec, out, "--workers", str(workers), start_new_session=True, **pipes)


def wait_for_tasks(out: Path, n: int, proc: subprocess.Popen, timeout_s: float = 60.0) -> int:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        done = len(list((out / "tasks").glob("*.json"))) if (out / "tasks").exists() else 0
        if done >= n:
            return done
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError("the sweep did not start")


def test_kill_9_then_rerun_gives_the_same_bytes(reference, tmp_path):
    spec, want = reference
    out = tmp_path / "out"
    proc = start(spec, out, workers=1)
    wait_for_tasks(out, 3, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    kept = len(list((out / "tasks").glob("*.json")))
    assert 3 <= kept < TOTAL and not (out / "results.csv").exists()
    again = run_sweep(load_sweep(spec), out, workers=2)
    assert (again.skipped, again.ran) == (kept, TOTAL - kept)
    assert (out / "results.csv").read_bytes() == want


def test_ctrl_c_stops_cleanly_with_code_130_and_keeps_finished_tasks(reference, tmp_path):
    spec, want = reference
    out = tmp_path / "out"
    proc = start(spec, out, workers=2)
    wait_for_tasks(out, 2, proc)
    t0 = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert time.monotonic() - t0 < 10
    assert "interrupted" in err and "resume" in err and "Traceback" not in err
    kept = len(list((out / "tasks").glob("*.json")))
    assert 2 <= kept < TOTAL and not (out / "results.csv").exists()
    rerun = subprocess.run(
        [sys.executable, "-m", "gatesim.cli", "sweep", str(spec), "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"{kept} already done" in rerun.stdout
    assert (out / "results.csv").read_bytes() == want

"""A dask scheduler killed mid-sweep: one line, exit 1, no traceback; the tasks done are kept
and the same sweep resumes from them (here on local processes)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from faultkit import BASELINE

pytest.importorskip("distributed")

# a scheduler, a worker and two sweeps: ~1.5 min on the shared 2-core machine (much more under load)
pytestmark = pytest.mark.slow

SPEC = f"""\
base: {BASELINE}
seed: 5
days: 2
replications: 2
set: ["calendar.warmup_days=0"]
parameters:
  gates.tan_thanh.stages.road.lanes: [4, 8]
"""
GATESIM = [sys.executable, "-m", "gatesim.cli"]


def _dask(*args: str, log: Path) -> subprocess.Popen:
    with open(log, "w") as f:
        return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=f, stderr=subprocess.STDOUT)


def test_scheduler_killed_mid_sweep(tmp_path):
    sched_file = tmp_path / "scheduler.json"
    scheduler = _dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                      "--scheduler-file", str(sched_file), log=tmp_path / "scheduler.log")  # fmt: skip
    procs = [scheduler]
    try:
        t0 = time.monotonic()
        while not sched_file.exists() or not sched_file.read_text().strip():
            assert time.monotonic() - t0 < 60, (tmp_path / "scheduler.log").read_text()
            time.sleep(0.1)
        procs.append(
            _dask("worker", "--scheduler-file", str(sched_file), "--host", "127.0.0.1", "--nthreads", "1",
                  "--no-nanny", "--no-dashboard", "--death-timeout", "20", log=tmp_path / "worker.log")
        )  # fmt: skip
        address = json.loads(sched_file.read_text())["address"]
        spec = tmp_path / "sw.yaml"
        spec.write_text(SPEC)
        out = tmp_path / "out"

        def kill_after_first_task() -> None:
            while scheduler.poll() is None:
                if any((out / "tasks").glob("*.json")):
                    os.kill(scheduler.pid, signal.SIGKILL)
                    return
                time.sleep(0.1)

        killer = threading.Thread(target=kill_after_first_task, daemon=True)
        killer.start()
        env = {**os.environ, "GATESIM_CONNECT_TIMEOUT_S": "10"}
        r = subprocess.run(
            [*GATESIM, "sweep", str(spec), "--out", str(out), "-q", "--scheduler", address],
            capture_output=True, text=True, env=env, timeout=900,
        )  # fmt: skip
        killer.join(5)
        assert scheduler.poll() is not None, "the sweep ended before the scheduler was killed"
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip() and not ln.startswith("baseline_2026:")]
        assert len(lines) == 1 and lines[0].startswith("gatesim: error:"), r.stderr
        # "lost the dask scheduler ... run the same command to resume" when the client reports it
        # closed; else the executor's "N tasks could not run ...; run the same command to retry them"
        assert "run the same command" in lines[0], lines[0]
        assert "Traceback" not in r.stderr + r.stdout
        kept = sorted(p.name for p in (out / "tasks").glob("*.json"))
        assert 1 <= len(kept) < 4
        if "lost the dask scheduler" in lines[0]:
            assert not (out / "results.csv").exists()  # nothing assembled from an incomplete sweep
        elif (out / "results.csv").exists():  # the executor's path: each task not run is a row saying so
            assert "not run: the executor lost this task" in (out / "results.csv").read_text()
        # the same sweep resumes from the kept tasks
        r = subprocess.run(
            [*GATESIM, "sweep", str(spec), "--out", str(out), "-q", "-j", "1"],
            capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert f"{4 - len(kept)} tasks run, {len(kept)} already done" in r.stdout
        assert len(list((out / "tasks").glob("*.json"))) == 4
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()

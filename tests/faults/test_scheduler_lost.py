"""A dask scheduler killed mid-sweep: one line, exit 1, no traceback; the tasks done are kept
and the same sweep resumes from them (here on local processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from faultkit import BASELINE

from tests.helpers.dask_cluster import dask_cluster

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


def test_scheduler_killed_mid_sweep(tmp_path):
    with dask_cluster(tmp_path, workers=1, death_timeout_s=20, wait=False) as cluster:
        scheduler, address = cluster.scheduler, cluster.address
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

"""A sweep on a real dask.distributed cluster (scheduler + 2 workers on 127.0.0.1, separate processes).

Results are byte-identical to a local run; a worker killed mid-sweep does not stop it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("distributed")

from gatesim.sweep import load_sweep, run_sweep  # noqa: E402
from tests.helpers.dask_cluster import dask_cluster  # noqa: E402
from tests.helpers.sweeps import reference_sweep, sweep_text  # noqa: E402

# A local dask cluster per module costs ~30-60 s on 2 cores: in the slow tier, which .ci/run
# runs after the default tests (the default run stays under 10 min).
pytestmark = [pytest.mark.slow, pytest.mark.integration]

SPEC = sweep_text(
    {"gates.tan_thanh.stages.road.lanes": "[4, 8]", "growth.volume_multiplier": "[1.0, 1.4]"},
    days=2,
    replications=3,
)
TOTAL = 12


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with dask_cluster(tmp_path_factory.mktemp("dask"), workers=2) as c:
        yield c.address, c.workers


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    spec, out = reference_sweep(tmp_path_factory.mktemp("local"), SPEC)
    return spec, (out / "results.csv").read_bytes(), (out / "results_ci.csv").read_bytes()


def test_dask_gives_the_same_bytes_as_a_local_run(cluster, reference, tmp_path):
    address, _ = cluster
    spec, results, ci = reference
    outcome = run_sweep(load_sweep(spec), tmp_path / "out", scheduler=address)
    assert (outcome.ran, outcome.lost, outcome.failed) == (TOTAL, [], [])
    assert (tmp_path / "out/results.csv").read_bytes() == results
    assert (tmp_path / "out/results_ci.csv").read_bytes() == ci


def test_a_worker_killed_mid_sweep_does_not_stop_it(cluster, reference, tmp_path):
    address, workers = cluster
    spec, results, _ = reference
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "gatesim.cli", "sweep", str(spec), "--out", str(out), "--scheduler", address]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    from distributed import Client

    victim = workers[-1]
    with Client(address, timeout="30s") as client:
        addr = next(a for a, pid in client.run(os.getpid).items() if pid == victim.pid)
        t0 = time.monotonic()
        # kill it once tasks are done and it is running one (the scheduler says so)
        while len(list(out.glob("tasks/*.json"))) < 2 or not client.processing(workers=[addr]).get(addr):
            assert proc.poll() is None and time.monotonic() - t0 < 90, proc.communicate()
            time.sleep(0.02)
        os.kill(victim.pid, signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=120)
    assert len(list(out.glob("tasks/*.json"))) == TOTAL
    assert proc.returncode == 0, stderr
    assert (out / "results.csv").read_bytes() == results

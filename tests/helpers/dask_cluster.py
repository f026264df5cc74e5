"""A real dask.distributed cluster on 127.0.0.1 for the tests: a scheduler and single-thread
workers, each a separate ``python -m dask`` process logging to a file of its own.

One home for the start-up the dask tests share (tests/integration/test_sweep_dask.py,
tests/faults/test_scheduler_lost.py). benchmarks/trust_dask.py keeps its own cluster class:
the benchmarks do not import the tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Cluster", "dask_cluster"]


@dataclass
class Cluster:
    address: str
    scheduler: subprocess.Popen
    workers: list[subprocess.Popen] = field(default_factory=list)


def _dask(*args: str, log: Path) -> subprocess.Popen:
    with open(log, "w") as f:
        return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=f, stderr=subprocess.STDOUT)


@contextmanager
def dask_cluster(d: Path, workers: int, death_timeout_s: int = 60, wait: bool = True) -> Iterator[Cluster]:
    """Start a scheduler and ``workers`` workers logging into ``d``; ``wait``: until all have
    joined. Every process is ended on exit (terminate, then kill after 10 s)."""
    sched_file = d / "scheduler.json"
    scheduler = _dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                      "--scheduler-file", str(sched_file), log=d / "scheduler.log")  # fmt: skip
    procs = [scheduler]
    try:
        t0 = time.monotonic()
        while not sched_file.exists() or not sched_file.read_text().strip():
            assert time.monotonic() - t0 < 60, (d / "scheduler.log").read_text()
            time.sleep(0.1)
        for i in range(workers):
            procs.append(
                _dask("worker", "--scheduler-file", str(sched_file), "--host", "127.0.0.1", "--nthreads", "1",
                      "--no-nanny", "--no-dashboard", "--death-timeout", str(death_timeout_s),
                      log=d / f"worker{i}.log")
            )  # fmt: skip
        address = json.loads(sched_file.read_text())["address"]
        if wait:
            from distributed import Client

            with Client(address, timeout="30s") as client:
                client.wait_for_workers(workers, timeout=60)
        yield Cluster(address, scheduler, procs[1:])
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()

"""Sweep scaling: 1 vs 2 local workers, beside this machine's own two-process scaling.

    python benchmarks/sweep_scaling.py [--tasks 8] [--days 6] [--repeats 2]

The machine's scaling is measured in the same run, on a pure CPU-bound
function shaped like the sweep: ``tasks`` calls of about ``cpu_s`` seconds one
after another in one process, vs the same calls spread over two processes. On a shared or throttled VM two processes rarely give 2x;
the sweep is judged against what the machine gives (efficiency = sweep
speed-up / machine speed-up; the target is >= 0.9). Each figure is the best of
``repeats`` (shared machines are noisy; the minimum is the least disturbed).

``measure(...)`` returns the figures as a dict (for the benchmark suite).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import multiprocessing
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["cpu_work", "measure"]

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline_2026.yaml"


def cpu_work(n: int) -> int:
    """Pure-Python integer arithmetic: CPU only, no memory traffic, no I/O."""
    acc = 0
    for i in range(n):
        acc = (acc * 31 + i) % 1_000_003
    return acc


def _calibrate(target_s: float) -> int:
    n = 200_000
    while True:
        t = time.perf_counter()
        cpu_work(n)
        dt = time.perf_counter() - t
        if dt > 0.2:
            return int(n * target_s / dt)
        n *= 2


def _machine(n: int, calls: int) -> tuple[float, float]:
    """``calls`` CPU-bound calls one after another, then spread over two processes (like the sweep's tasks)."""
    t = time.perf_counter()
    for _ in range(calls):
        cpu_work(n)
    serial = time.perf_counter() - t
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    t = time.perf_counter()
    with cf.ProcessPoolExecutor(2, mp_context=ctx) as pool:
        list(pool.map(cpu_work, [n] * calls))
    return serial, time.perf_counter() - t


def _spec(tmp: Path, tasks: int, days: int) -> Path:
    # `tasks` points x 1 replication: lanes vary, so each task is a distinct run of similar cost.
    lanes = ", ".join(str(4 + i) for i in range(tasks))
    spec = tmp / "bench_sweep.yaml"
    spec.write_text(
        f"base: {BASE}\nseed: 1\ndays: {days}\nreplications: 1\n"
        f"parameters:\n  gates.tan_thanh.stages.road.lanes: [{lanes}]\n",
        encoding="utf-8",
    )
    return spec


def _sweep(spec: Path, out: Path, workers: int) -> tuple[float, float]:
    from gatesim.sweep.runner import run_sweep
    from gatesim.sweep.spec import load_sweep

    sweep = load_sweep(spec)  # parsing and validation are not what is compared
    if out.exists():
        shutil.rmtree(out)
    t = time.perf_counter()
    run_sweep(sweep, out, workers=workers)
    wall = time.perf_counter() - t
    task_s = sum(json.loads(f.read_text())["wall_s"] for f in (out / "tasks").glob("*.json"))
    return wall, task_s


def measure(tasks: int = 8, days: int = 6, repeats: int = 2, cpu_s: float = 1.0) -> dict[str, Any]:
    """Best-of-``repeats`` timings and the derived speed-ups (seconds; ratios)."""
    if tasks < 2:
        raise ValueError("tasks must be >= 2")
    import gatesim.run  # noqa: F401  (import the model once, outside the timings)

    n = _calibrate(cpu_s)
    load_before = os.getloadavg()[0]
    best: dict[str, float] = {}
    task_s_serial = float("inf")
    with tempfile.TemporaryDirectory(prefix="gatesim-sweep-bench-") as d:
        tmp = Path(d)
        spec = _spec(tmp, tasks, days)
        for _ in range(repeats):
            m1, m2 = _machine(n, tasks)
            s1, ts = _sweep(spec, tmp / "w1", 1)
            s2, _ = _sweep(spec, tmp / "w2", 2)
            for key, v in (
                ("machine_serial_s", m1),
                ("machine_parallel_s", m2),
                ("sweep_1_worker_s", s1),
                ("sweep_2_workers_s", s2),
            ):
                best[key] = min(best.get(key, float("inf")), v)
            if s1 == best["sweep_1_worker_s"]:
                task_s_serial = ts
        same = (tmp / "w1/results.csv").read_bytes() == (tmp / "w2/results.csv").read_bytes()
    machine = best["machine_serial_s"] / best["machine_parallel_s"]
    sweep = best["sweep_1_worker_s"] / best["sweep_2_workers_s"]
    return {
        "tasks": tasks,
        "days": days,
        "repeats": repeats,
        **{k: round(v, 3) for k, v in best.items()},
        "machine_speedup_2proc": round(machine, 3),
        "sweep_speedup_2workers": round(sweep, 3),
        "efficiency_vs_machine": round(sweep / machine, 3),
        "mean_task_s": round(task_s_serial / tasks, 3),
        "overhead_per_task_s": round((best["sweep_1_worker_s"] - task_s_serial) / tasks, 4),
        "results_identical": same,
        "cpu_count": multiprocessing.cpu_count(),
        # other processes' load: above ~0.5 before the run, the figures are disturbed
        "loadavg_1min_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=8)
    ap.add_argument("--days", type=int, default=6)
    ap.add_argument("--repeats", type=int, default=2)
    a = ap.parse_args()
    print(json.dumps(measure(a.tasks, a.days, a.repeats), indent=2))


if __name__ == "__main__":
    main()

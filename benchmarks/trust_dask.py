"""Trust: do the fit and the assessment scale with workers on a dask cluster?

    python benchmarks/trust_dask.py [--sets 24] [--workers 1 2] [--repeats 2]
    python benchmarks/trust_dask.py --assess 8 [--workers 1 2] [--repeats 2]

For each worker count N: a real dask.distributed cluster on 127.0.0.1 (a
scheduler and N worker processes of one thread each, started with `python -m
dask`), then `gatesim calibrate --fit DIR --sets S --waves 1 -r 3 --scheduler
ADDRESS` (a fresh DIR each time) timed from the shell's side; the same fit with
`-j N` local processes beside it. Runs alternate (dask 1, local 1, dask 2,
local 2, ... repeated) so that the shared host's drift hits both alike; the
minimum per setting is reported with the speed-up N=1 -> N and the dask/local
ratio. The fits must give identical design.csv files whatever the executor
(checked here; the test suite checks it on sweeps).

``--assess W``: instead of the fit, `gatesim assess` of two proposal files
(tan_thanh_8_lanes, coc_nam_longer_hours) over W plausible worlds of the
committed ensemble (6 days, 2 replications: W x 3 x 2 tasks), its
`runs/results.csv` checked identical across executors.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline_2026.yaml"


def _dask(args: list[str], log: Path) -> subprocess.Popen:
    with open(log, "w") as f:
        return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=f, stderr=subprocess.STDOUT)


class Cluster:
    """A scheduler and ``n`` single-thread workers, as separate processes."""

    def __init__(self, n: int, tmp: Path):
        self.n, self.tmp, self.procs = n, tmp, []

    def __enter__(self) -> str:
        sched = self.tmp / "scheduler.json"
        args = [
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(sched),
        ]
        self.procs.append(_dask(args, self.tmp / "scheduler.log"))
        t0 = time.monotonic()
        while not sched.exists() or not sched.read_text().strip():
            if time.monotonic() - t0 > 60:
                raise RuntimeError("the dask scheduler did not start in 60 s")
            time.sleep(0.1)
        for i in range(self.n):
            args = ["worker", "--scheduler-file", str(sched), "--host", "127.0.0.1", "--nthreads", "1"]
            args += ["--no-nanny", "--no-dashboard", "--death-timeout", "60"]
            self.procs.append(_dask(args, self.tmp / f"worker{i}.log"))
        address = json.loads(sched.read_text())["address"]
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(self.n, timeout=60)
        return address

    def __exit__(self, *exc) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def fit_once(out: Path, sets: int, executor: list[str]) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "gatesim.cli", "calibrate", str(BASE), "--fit", str(out)]
    cmd += ["--sets", str(sets), "--waves", "1", "-r", "3", "-q", *executor]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {proc.returncode}: {proc.stderr.strip()[-400:]}")
    digest = hashlib.sha256((out / "design.csv").read_bytes()).hexdigest()[:16]
    return wall, digest


ENSEMBLE = ROOT / "scenarios" / "baseline_2026.ensemble.csv"
PROPOSALS = [ROOT / "scenarios" / f"{p}.yaml" for p in ("tan_thanh_8_lanes", "coc_nam_longer_hours")]


def assess_once(out: Path, worlds: int, executor: list[str]) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "gatesim.cli", "assess", str(ENSEMBLE), str(BASE), *map(str, PROPOSALS)]
    cmd += ["--out", str(out), "--worlds", str(worlds), "--days", "6", "-r", "2", "-q", *executor]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {proc.returncode}: {proc.stderr.strip()[-400:]}")
    digest = hashlib.sha256((out / "runs" / "results.csv").read_bytes()).hexdigest()[:16]
    return wall, digest


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", type=int, default=24)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument(
        "--assess", type=int, metavar="WORLDS", help="time an assessment over WORLDS worlds instead"
    )
    args = ap.parse_args()

    def once(out: Path, executor: list[str]) -> tuple[float, str]:
        if args.assess:
            return assess_once(out, args.assess, executor)
        return fit_once(out, args.sets, executor)

    walls: dict[str, list[float]] = {}
    digests = set()
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        k = 0
        for _ in range(args.repeats):
            for n in args.workers:
                k += 1
                (tmp / f"c{k}").mkdir()
                with Cluster(n, tmp / f"c{k}") as address:
                    w, d = once(tmp / f"dask{k}", ["--scheduler", address])
                walls.setdefault(f"dask_{n}", []).append(w)
                digests.add(d)
                w, d = once(tmp / f"local{k}", ["-j", str(n)])
                walls.setdefault(f"local_{n}", []).append(w)
                digests.add(d)
                print(f"N={n}: dask {walls[f'dask_{n}'][-1]:.1f} s, local {w:.1f} s", file=sys.stderr)
    best = {k: min(v) for k, v in walls.items()}
    n0 = args.workers[0]
    what = (
        {"assess_worlds": args.assess, "tasks": f"{args.assess} worlds x 3 variants x 2 replications"}
        if args.assess
        else {
            "sets": args.sets,
            "tasks_per_fit": f"up to {args.sets} screened sets x 4 fit experiments x 3 replications, "
            "the long experiment for the sets not ruled out, the holdout predictions",
        }
    )
    out = {
        **what,
        "wall_s_min": best,
        "wall_s_all": walls,
        "speedup_dask": {n: best[f"dask_{n0}"] / best[f"dask_{n}"] for n in args.workers},
        "speedup_local": {n: best[f"local_{n0}"] / best[f"local_{n}"] for n in args.workers},
        "dask_over_local": {n: best[f"dask_{n}"] / best[f"local_{n}"] for n in args.workers},
        "results_identical_across_executors": len(digests) == 1,
        "load_avg_1min_at_end": os.getloadavg()[0],
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

"""Trust: the cost of one parameter set in the fit, the fit's wall time, an assessment's cost.

    python benchmarks/trust.py [--fit-dir DIR] [--sets 4] [--assess-dir DIR]

Measures, in this run, the CPU-seconds of one parameter set through the fit
experiments (`end_jan2026`, `fruit_tan_thanh`, `mid2025`; one replication
each, in this process), and reads what an existing fit directory recorded
(each task's own wall time, and the directories' first/last file times for
the elapsed time). From these it extrapolates the wall time of a fit of
1,000 sets and of assessing nine proposals over 100 worlds, per worker.
**The extrapolations are arithmetic, not measurements**: cost per set x sets
/ workers, assuming the per-task cost measured here and perfect scaling
(the sweep runner's own scaling is in benchmarks/sweep_scaling.py). The
machine may be loaded (2 cores): say the load beside every figure.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline_2026.yaml"


def per_set_cost(sets: int) -> dict:
    from gatesim.scenario.load import load_scenario
    from gatesim.trust.evaluate import Runner, evaluate
    from gatesim.trust.priors import default_priors_path, load_priors
    from gatesim.trust.targets import load_targets

    sc, res = load_scenario(BASE)
    priors = load_priors(default_priors_path(BASE), sc, res)
    targets = load_targets(gates=list(sc.gates))
    u = np.random.default_rng(1).random((sets, len(priors.names)))
    chosen = [{"set_id": i, **priors.point(row)} for i, row in enumerate(u)]
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        df = evaluate("bench", chosen, targets, ("fit",), priors, res, Path(tmp), 1, 1, Runner(1, None, True))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    tasks = df.drop_duplicates(["set_id", "wall_s"])
    return {
        "sets": sets,
        "wall_s_per_set": wall / sets,
        "cpu_s_per_set": cpu / sets,
        "task_wall_s_median": float(tasks["wall_s"].median()),
        "load_avg_1min": os.getloadavg()[0],
    }


def fit_dir_figures(fit_dir: Path) -> dict:
    files = glob.glob(str(fit_dir / "wave*" / "*" / "tasks" / "*.json"))
    if not files:
        return {}
    walls = [json.loads(Path(f).read_text())["wall_s"] for f in files]
    sets = len(glob.glob(str(fit_dir / "wave*" / "end_jan2026" / "tasks" / "*.json")))
    mtimes = [os.path.getmtime(f) for f in files]
    return {
        "fit_tasks": len(files),
        "fit_sets": sets,
        "task_wall_s_mean": statistics.fmean(walls),
        "task_wall_s_sum_per_set": sum(walls) / max(sets, 1),
        "fit_elapsed_s_first_to_last_task": max(mtimes) - min(mtimes),
    }


def assess_dir_figures(assess_dir: Path) -> dict:
    files = glob.glob(str(assess_dir / "runs" / "tasks" / "*.json"))
    if not files:
        return {}
    walls = [json.loads(Path(f).read_text())["wall_s"] for f in files]
    spec = json.loads((assess_dir / "runs" / "sweep.json").read_text())
    return {
        "assess_tasks": len(files),
        "assess_task_wall_s_mean": statistics.fmean(walls),
        "assess_days": spec["days"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", type=int, default=4)
    ap.add_argument("--fit-dir", type=Path)
    ap.add_argument("--assess-dir", type=Path)
    args = ap.parse_args()
    out = {"measured": per_set_cost(args.sets)}
    if args.fit_dir:
        out["fit_dir"] = fit_dir_figures(args.fit_dir)
    if args.assess_dir:
        out["assess_dir"] = assess_dir_figures(args.assess_dir)
    per_set = out["measured"]["wall_s_per_set"]
    out["extrapolated (not measured)"] = {
        f"fit_1000_sets_min_{w}_workers": 1000 * per_set / w / 60 for w in (1, 2, 8, 32)
    }
    if args.assess_dir and out.get("assess_dir"):
        a = out["assess_dir"]
        # nine proposals + base = 10 variants, 100 worlds, 1 replication, at the measured task cost
        per_task = a["assess_task_wall_s_mean"]
        out["extrapolated (not measured)"].update(
            {
                f"assess_9_proposals_100_worlds_1_rep_{a['assess_days']}_days_min_{w}_workers": 10
                * 100
                * per_task
                / w
                / 60
                for w in (1, 2, 8, 32)
            }
        )
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

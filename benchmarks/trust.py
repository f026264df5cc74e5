"""Trust: the cost of one parameter set in the fit, the fit's wall time, an assessment's cost.

    python benchmarks/trust.py [--fit-dir DIR] [--sets 4] [--assess-dir DIR] [--engine auto fast]

Measures, in this run, the CPU-seconds of one parameter set through the fit
experiments (`end_jan2026`, `fruit_tan_thanh`, `jan2026`, `mid2025`; one
replication each, in this process) on each engine asked for (`--engine`,
default `auto`: the compiled kernel for these FIFO scenarios). `--engine auto
fast` measures the kernel beside the SimPy engine on the same sets in the same
run (each engine warmed up first on one set, untimed) and prints their CPU
ratio and whether both measured the same target values. It reads what an
existing fit directory recorded (each task's own wall time, each phase's share
of it, and the directories' first/last file times for the elapsed time). From
these it extrapolates the wall time of a fit of 1,000 sets and of assessing
nine proposals over 100 worlds, per worker.
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
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline_2026.yaml"


def per_set_cost(sets: int, engine: str = "auto") -> tuple[dict, list[float]]:
    """The cost per set on ``engine`` and the target values measured (in order)."""
    from gatesim.model.engines import engine_refusal
    from gatesim.run import run_replication
    from gatesim.scenario.load import load_scenario
    from gatesim.trust import evaluate as evaluate_module
    from gatesim.trust.evaluate import Runner, evaluate
    from gatesim.trust.priors import default_priors_path, load_priors
    from gatesim.trust.targets import load_targets

    sc, res = load_scenario(BASE)
    priors = load_priors(default_priors_path(BASE), sc, res)
    targets = load_targets(gates=list(sc.gates))
    u = np.random.default_rng(1).random((sets, len(priors.names)))
    chosen = [{"set_id": i, **priors.point(row)} for i, row in enumerate(u)]
    # a set runs on the kernel under auto only if every experiment's scenario is FIFO throughout
    # (a prior choosing a server schedule, for one, sends that set to the SimPy engine)
    experiments = [targets.experiments[n] for n in targets.by_experiment(targets.with_role("fit"))]
    on_kernel = sum(
        all(
            engine_refusal(priors.apply(res, {k: c[k] for k in priors.names}, e.overrides()), "kernel")
            is None
            for e in experiments
        )
        for c in chosen
    )
    # the fit's tasks run the default engine (auto); one worker runs them serially in this
    # process, so pinning the engine here pins it for every task of this measurement
    task_run = evaluate_module.run_replication
    evaluate_module.run_replication = partial(run_replication, engine=engine)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t0, c0 = time.perf_counter(), time.process_time()
            df = evaluate(
                "bench", chosen, targets, ("fit",), priors, res, Path(tmp), 1, 1, Runner(1, None, True)
            )
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        evaluate_module.run_replication = task_run
    tasks = df.drop_duplicates(["set_id", "wall_s"])
    figures = {
        "engine": engine,
        "sets": sets,
        "sets_the_kernel_can_run": on_kernel,
        "wall_s_per_set": wall / sets,
        "cpu_s_per_set": cpu / sets,
        "task_wall_s_median": float(tasks["wall_s"].median()),
        "load_avg_1min": os.getloadavg()[0],
    }
    return figures, [float(v) for v in df.sort_values(["set_id", "target", "replication"])["value"]]


def fit_dir_figures(fit_dir: Path) -> dict:
    files = glob.glob(str(fit_dir / "wave*" / "*" / "tasks" / "*.json"))
    if not files:
        return {}
    walls = [json.loads(Path(f).read_text())["wall_s"] for f in files]
    sets = len(glob.glob(str(fit_dir / "wave*" / "end_jan2026" / "tasks" / "*.json")))
    mtimes = [os.path.getmtime(f) for f in files]
    # every phase's share of the tasks' summed wall time: under a shared load the tasks' wall
    # times overstate their CPU, but their proportions split a measured CPU total by phase
    phases = {
        "waves": files,
        "stability": glob.glob(str(fit_dir / "stability*" / "tasks" / "*.json")),
        "predict": glob.glob(str(fit_dir / "predict*" / "*" / "tasks" / "*.json")),
    }
    phase_wall = {k: sum(json.loads(Path(f).read_text())["wall_s"] for f in v) for k, v in phases.items()}
    total = sum(phase_wall.values())
    return {
        "fit_tasks": len(files),
        "fit_sets": sets,
        "task_wall_s_mean": statistics.fmean(walls),
        "task_wall_s_sum_per_set": sum(walls) / max(sets, 1),
        "fit_elapsed_s_first_to_last_task": max(mtimes) - min(mtimes),
        "tasks_by_phase": {k: len(v) for k, v in phases.items()},
        "task_wall_share_by_phase": {k: v / total for k, v in phase_wall.items()},
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
    ap.add_argument("--engine", nargs="+", default=["auto"], choices=["auto", "kernel", "fast", "reference"])
    args = ap.parse_args()
    measured, values = {}, {}
    if len(args.engine) > 1:
        # untimed: the first engine measured would otherwise carry the process's first imports
        for engine in args.engine:
            per_set_cost(1, engine)
    for engine in args.engine:
        measured[engine], values[engine] = per_set_cost(args.sets, engine)
    out: dict = {"measured": measured[args.engine[0]]}
    if len(args.engine) > 1:
        first = args.engine[0]
        out["measured_engines"] = {
            e: {
                **m,
                f"cpu_ratio_to_{first}": m["cpu_s_per_set"] / measured[first]["cpu_s_per_set"],
                # NaN (a target a set cannot reach) equals NaN here
                f"same_values_as_{first}": bool(np.array_equal(values[e], values[first], equal_nan=True)),
            }
            for e, m in measured.items()
            if e != first
        }
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

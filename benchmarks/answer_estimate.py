"""The constants of ``gatesim answer``'s time estimate (gatesim/answer/plan.py), measured.

    python benchmarks/answer_estimate.py               # windows of 1 and 12 days, median of 5
    python benchmarks/answer_estimate.py --corridor scenarios/corridor_2026.yaml

One process, warm, as a sweep worker runs its tasks: each (scenario, engine) runs
once unmeasured first (the model's lazy imports, loading the compiled kernel: its
extra CPU over a warm run is printed as "first +s"), then ``--repeats`` times at
each of two window lengths. A run is what a sweep task does
(``run_replication`` + the summary rows). Its CPU seconds are fitted as a fixed
part per run plus a part per thousand truck-days, where a run's truck-days are
counted as the estimate counts them (``truck_kdays``: the gates' arrivals a day
times the simulated days, warm-up and drain included); the median CPU of the
repeats is taken at each length (an answer runs each task once: its typical
cost, not its least, is what the estimate adds up).

Runs: the baseline (``scenarios/baseline_2026.yaml``) on the compiled kernel and
on the SimPy engine, and a corridor (``--corridor``, default
``scenarios/corridor_metering.yaml``: the corridor with metering, as its
proposals run) on the SimPy engine and on the kernel (its gates compiled, its decisions on
SimPy). A sweep worker's start is
measured apart, in a fresh process: importing gatesim and running its first
short baseline on the kernel, less a warm run of the same. Prints the measured
constants beside plan.py's.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = {
    "baseline": ROOT / "scenarios" / "baseline_2026.yaml",
    "corridor": ROOT / "scenarios" / "corridor_metering.yaml",
}
__all__ = ["main", "measure", "one_run"]

CASES = (("baseline", "kernel"), ("baseline", "fast"), ("corridor", "fast"), ("corridor", "kernel"))


def one_run(scenario, days: int, engine: str, seed: int) -> tuple[float, int]:
    """CPU seconds of one sweep task's work on ``engine``, and the trucks it simulated."""
    from gatesim.projections.kpis import summarize
    from gatesim.projections.smart_gate import with_smart_gate_kpis
    from gatesim.run import run_replication

    c = time.process_time()
    log = run_replication(scenario, days, 0, seed, engine)
    with_smart_gate_kpis(summarize(log), log)
    return time.process_time() - c, log.n_trucks


def measure(short_days: int, long_days: int, repeats: int) -> dict[str, dict[str, float]]:
    """Per case: the first run's extra CPU, the fixed CPU per run and the CPU per 1,000 truck-days.

    The repeats are interleaved (every case and length once, then again), so that a burst of
    other work on the machine falls on all of them alike; each repeat runs the same seed."""
    from gatesim.answer.plan import truck_kdays
    from gatesim.scenario.load import load_scenario

    scenarios = {name: load_scenario(path)[0] for name, path in SCENARIOS.items()}
    first = {case: one_run(scenarios[case[0]], short_days, case[1], 1)[0] for case in CASES}
    cpu: dict[tuple[str, str, int], list[float]] = {}
    trucks: dict[tuple[str, str, int], int] = {}
    for _ in range(repeats):
        for name, engine in CASES:
            for days in (short_days, long_days):
                s, trucks[name, engine, days] = one_run(scenarios[name], days, engine, 1)
                cpu.setdefault((name, engine, days), []).append(s)
    out: dict[str, dict[str, float]] = {}
    for name, engine in CASES:
        short, long = median(cpu[name, engine, short_days]), median(cpu[name, engine, long_days])
        k_short, k_long = truck_kdays(scenarios[name], short_days), truck_kdays(scenarios[name], long_days)
        per_k = (long - short) / (k_long - k_short)
        out[f"{name} on {engine}"] = {
            "first_extra_s": first[name, engine] - short,
            "fixed_s": short - per_k * k_short,
            "per_ktruck_day_s": per_k,
            "short_s": short,
            "long_s": long,
            "ktruck_days_short": k_short,
            "ktruck_days_long": k_long,
            "trucks_long": trucks[name, engine, long_days],  # the estimate counts k_long x 1,000
        }
    return out


def fresh_start(days: int) -> float:
    """CPU seconds of a fresh process's imports and first short kernel run of the baseline."""
    code = (
        "import time; c = time.process_time(); import sys; sys.path.insert(0, sys.argv[1]); "
        "import gatesim.sweep.tasks; from answer_estimate import one_run; "
        "from gatesim.scenario.load import load_scenario; c1 = time.process_time(); "
        "sc, _ = load_scenario(sys.argv[2]); c2 = time.process_time(); "
        f"one_run(sc, {days}, 'kernel', 1); print(time.process_time() - c2 + (c1 - c))"
    )  # the scenario's loading left out: a worker is handed it validated
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "benchmarks"), str(SCENARIOS["baseline"])],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--short-days", type=int, default=1)
    ap.add_argument("--long-days", type=int, default=12)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--corridor", type=Path, default=SCENARIOS["corridor"], help="the corridor scenario")
    a = ap.parse_args()
    SCENARIOS["corridor"] = a.corridor.resolve()
    from gatesim.answer import plan

    print(f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    print(f"one process, warm (first run of each case not counted); median CPU s of {a.repeats}; "
          f"windows of {a.short_days} and {a.long_days} days + the scenario's warm-up and drain")  # fmt: skip
    res = measure(a.short_days, a.long_days, a.repeats)
    start = fresh_start(a.short_days) - res["baseline on kernel"]["short_s"]
    print(f"{'case':24} {'short CPU s':>11} {'long CPU s':>10} {'kTruck-days':>14} {'fixed s':>8} "
          f"{'s per kTd':>9} {'first +s':>8} {'trucks (long)':>13}")  # fmt: skip
    for case, r in res.items():
        print(f"{case:24} {r['short_s']:11.3f} {r['long_s']:10.3f} "
              f"{r['ktruck_days_short']:6.1f}-{r['ktruck_days_long']:<7.1f} {r['fixed_s']:8.3f} "
              f"{r['per_ktruck_day_s']:9.4f} {r['first_extra_s']:8.2f} {r['trucks_long']:13,d}")  # fmt: skip
    fast, kernel, corridor = res["baseline on fast"], res["baseline on kernel"], res["corridor on fast"]
    corridor_k = res["corridor on kernel"]
    rows = [
        ("SECONDS_PER_KTRUCK_DAY", fast["per_ktruck_day_s"], plan.SECONDS_PER_KTRUCK_DAY, "the SimPy engine"),
        ("ENGINE_SPEEDUP[kernel]", fast["per_ktruck_day_s"] / kernel["per_ktruck_day_s"],
         plan.ENGINE_SPEEDUP["kernel"], "per truck-day, the baseline"),
        ("CORRIDOR_COST", corridor["per_ktruck_day_s"] / fast["per_ktruck_day_s"], plan.CORRIDOR_COST,
         "corridor over baseline per truck-day, SimPy engine"),
        ("CORRIDOR_SPEEDUP[kernel]", corridor["per_ktruck_day_s"] / corridor_k["per_ktruck_day_s"],
         plan.CORRIDOR_SPEEDUP["kernel"], "per truck-day, the corridor"),
        ("SECONDS_PER_RUN", kernel["fixed_s"], plan.SECONDS_PER_RUN, "fixed part, the baseline on the kernel"),
        ("  on the SimPy engine", fast["fixed_s"], plan.SECONDS_PER_RUN, ""),
        ("  the corridor", corridor["fixed_s"], plan.SECONDS_PER_RUN, ""),
        ("  the corridor on the kernel", corridor_k["fixed_s"], plan.SECONDS_PER_RUN, ""),
        ("WORKER_START_S", start, plan.WORKER_START_S, "a fresh worker: imports, loading the built kernel"),
    ]  # fmt: skip
    print()
    print(f"{'constant':24} {'measured':>9} {'plan.py':>9}")
    for name, measured, assumed, note in rows:
        print(f"{name:24} {measured:9.4f} {assumed:9.4f}  {note}")


if __name__ == "__main__":
    sys.exit(main())

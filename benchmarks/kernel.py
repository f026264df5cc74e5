"""The compiled FIFO kernel against the SimPy booking engine and bare SimPy, in one run.

    python benchmarks/kernel.py                  # a year (365 days + warm-up and drain)
    python benchmarks/kernel.py --days 60        # shorter, on a busy machine
    python benchmarks/kernel.py --bare-trucks 0  # bare SimPy with the year's own trucks
    python benchmarks/kernel.py --against /tmp/before  # also another checkout's SimPy engine

Each engine runs the baseline in a fresh process (its peak RSS is its own):
``simulate`` (build + model + log), then decode, ``tables`` and the Parquet
write: the whole run of one replication. The kernel runs twice: first with an
empty cache (``NUMBA_CACHE_DIR``: building the ahead-of-time module, or numba's
JIT compile where it cannot be built, is in its ``simulate``), then warm (the
compiled code loaded from the cache, as every later run does). Bare SimPy
(``bare_simpy.run_bare``: a five-stage tandem of ``simpy.Resource``, no log) runs
here, in this process, on ``--bare-trucks`` trucks (its rate does not depend on
the count); its time for the year's trucks is that rate applied to them.

Times are CPU seconds of the measured process (the machine is shared: waiting
for a core would otherwise land on whichever side of a ratio ran during someone
else's burst); wall seconds are printed beside them, and the load average.

The warm kernel and the SimPy engine run ``--repeats`` times each, alternated (a
burst of load then falls on both sides); each engine's row is its run with the
least whole-run CPU, and the ``simulate`` ratio takes each engine's least
``simulate`` CPU. A year's ``simulate`` on the kernel is ~0.8 s, of which a tenth
is the kernel's first touches of the pages its log and the build write, and that
share moves with the machine's memory, so one run is a noisy figure.

``--against DIR``: also the SimPy engine of another checkout of gatesim (its own
``DIR/.venv``; e.g. the code before the kernel), its ``simulate`` alone, in the
same alternation.

Writes ``benchmarks/results/kernel.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT / "benchmarks"))

__all__ = ["main", "run_figures"]


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def run_figures(engine: str, days: int, out_dir: Path) -> dict[str, Any]:
    """One replication of the baseline on ``engine``: each phase's CPU and wall seconds, peak RSS.

    Meant to run in a fresh process (``--worker``). Imports are timed apart from the
    run (every run of the command pays them once), the model's lazy ones included:
    scipy.special (the service draws' inverse normal CDF, ~0.2 s of CPU, both
    engines). The kernel's loading is not an import: it is in ``simulate`` (a warm
    run imports the cached ahead-of-time module; the first builds it).
    """
    c = time.process_time()
    import scipy.special  # noqa: F401  # the model imports it on its first draw

    from gatesim.events.store import write_log
    from gatesim.memory import release_free_memory
    from gatesim.model.engines import run_engine
    from gatesim.projections.tables import tables
    from gatesim.scenario.load import load_scenario

    imports_cpu_s = time.process_time() - c
    scenario, _ = load_scenario(BASELINE, [])
    phases: dict[str, tuple[float, float]] = {}

    def timed(name: str, fn):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        phases[name] = (time.process_time() - c, time.perf_counter() - w)
        return out

    log, meta = timed("simulate", lambda: run_engine(engine, scenario, days, 0, scenario.run.seed))
    n_events, n_trucks = len(log), log.n_trucks
    rss_sim = _peak_rss_mib()
    holder = [log]  # decode empties the live log as it goes: nothing else may keep it
    del log
    data = timed("decode", lambda: holder.pop().decode(meta))

    def project():
        tables(data)
        release_free_memory()  # as gatesim.run.run_scenario does before the log is written

    timed("projections", project)
    timed("parquet", lambda: write_log(data, out_dir / f"{engine}.parquet"))
    out: dict[str, Any] = {"engine": engine, "days": days, "trucks": n_trucks, "events": n_events}
    for name, (cpu, wall) in phases.items():
        out[f"{name}_cpu_s"] = round(cpu, 3)
        out[f"{name}_wall_s"] = round(wall, 3)
    out["run_cpu_s"] = round(sum(c for c, _ in phases.values()), 3)
    out["run_wall_s"] = round(sum(w for _, w in phases.values()), 3)
    out["imports_cpu_s"] = round(imports_cpu_s, 3)
    if engine == "kernel":
        from gatesim.model.kernel_load import kernel_form

        out["kernel_form"] = kernel_form()
    out["numba_imported"] = "numba" in sys.modules
    out["peak_rss_after_simulate_mib"] = round(rss_sim, 1)
    out["peak_rss_run_mib"] = round(_peak_rss_mib(), 1)
    return out


def _in_subprocess(engine: str, days: int, out_dir: Path, cache_dir: Path | None) -> dict[str, Any]:
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = str(cache_dir)
    cmd = [sys.executable, __file__, "--worker", engine, "--days", str(days), "--out", str(out_dir)]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, env=env)
    return json.loads(res.stdout.strip().splitlines()[-1])


# Another checkout's SimPy engine, its simulate alone (its own gatesim; the entry the code
# before the kernel had, where there is no engines module).
_AGAINST = """
import json, sys, time
import scipy.special  # noqa: F401  # its draws import it; not in the timing
from gatesim.scenario.load import load_scenario
sc, _ = load_scenario("scenarios/baseline_2026.yaml")
days = int(sys.argv[1])
try:
    from gatesim.model.engines import run_engine
    run = lambda: run_engine("fast", sc, days, 0, sc.run.seed)
except ImportError:
    from gatesim.model.simulate import simulate
    run = lambda: simulate(sc, days, 0, sc.run.seed)
c = time.process_time()
log, _meta = run()
print(json.dumps({"simulate_cpu_s": round(time.process_time() - c, 3), "events": len(log)}))
"""


def _against(checkout: Path, days: int) -> dict[str, Any]:
    python = checkout / ".venv" / "bin" / "python"
    cmd = [str(python), "-c", _AGAINST, str(days)]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=checkout)
    return json.loads(res.stdout.strip().splitlines()[-1])


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the least whole-run CPU, with the least ``simulate`` CPU of all runs."""
    best = dict(min(runs, key=lambda r: r["run_cpu_s"]))
    best["best_simulate_cpu_s"] = min(r["simulate_cpu_s"] for r in runs)
    best["simulate_cpu_s_all"] = [r["simulate_cpu_s"] for r in runs]
    return best


def _bare(trucks: int) -> dict[str, Any]:
    from bare_simpy import run_bare

    c = time.process_time()
    rate = run_bare(trucks, 5, clock=time.process_time)
    return {
        "bare_trucks": trucks,
        "bare_trucks_per_cpu_s": round(rate),
        "bare_cpu_s": round(time.process_time() - c, 3),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--bare-trucks", type=int, default=200_000, help="0: the year's own trucks")
    ap.add_argument("--repeats", type=int, default=3, help="warm kernel and SimPy runs, alternated")
    ap.add_argument("--against", type=Path, help="another checkout of gatesim with its own .venv")
    ap.add_argument("--worker", choices=["kernel", "fast"], help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(run_figures(args.worker, args.days, args.out)))
        return
    load0 = os.getloadavg()[0]
    runs: dict[str, dict[str, Any]] = {}
    warm: list[dict[str, Any]] = []
    simpy_runs: list[dict[str, Any]] = []
    against: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "numba-cache"  # empty: the first kernel run compiles
        runs["kernel first"] = _in_subprocess("kernel", args.days, Path(tmp), cache)
        for _ in range(max(1, args.repeats)):  # alternated: a burst of load falls on every side
            warm.append(_in_subprocess("kernel", args.days, Path(tmp), cache))
            simpy_runs.append(_in_subprocess("fast", args.days, Path(tmp), None))
            if args.against is not None:
                against.append(_against(args.against, args.days))
    runs["kernel warm"] = _best(warm)
    runs["fast (SimPy)"] = _best(simpy_runs)
    trucks = runs["fast (SimPy)"]["trucks"]
    bare = _bare(args.bare_trucks or trucks)
    bare_year_cpu_s = trucks / bare["bare_trucks_per_cpu_s"]
    load1 = os.getloadavg()[0]
    print(
        f"machine: {platform.processor() or platform.machine()} x{os.cpu_count()}, python {platform.python_version()}, load {load0:.2f} -> {load1:.2f}"
    )
    print(
        f"baseline {args.days} d x1 rep: {trucks:,} trucks, {runs['fast (SimPy)']['events']:,} events; "
        f"warm kernel and SimPy best of {len(warm)} alternated runs"
    )
    head = f"{'':14} {'simulate':>10} {'decode':>8} {'project':>8} {'parquet':>8} {'run':>8} {'run wall':>9} {'peak RSS':>9}"
    print(head)
    for name, r in runs.items():
        print(
            f"{name:14} {r['simulate_cpu_s']:>10.2f} {r['decode_cpu_s']:>8.2f} {r['projections_cpu_s']:>8.2f} "
            f"{r['parquet_cpu_s']:>8.2f} {r['run_cpu_s']:>8.2f} {r['run_wall_s']:>9.2f} {r['peak_rss_run_mib']:>8.0f}M"
        )
    print(
        f"{'bare SimPy':14} {bare_year_cpu_s:>10.2f}  (5-stage tandem, no log: {bare['bare_trucks_per_cpu_s']:,} trucks/CPU s on {bare['bare_trucks']:,} trucks)"
    )
    for name in ("kernel warm", "fast (SimPy)"):
        every = ", ".join(f"{x:.2f}" for x in runs[name]["simulate_cpu_s_all"])
        print(f"{name:14} simulate, every run: {every}")
    if against:
        every = ", ".join(f"{r['simulate_cpu_s']:.2f}" for r in against)
        print(f"{'--against':14} simulate, every run: {every} (the SimPy engine at {args.against})")
    fast, warm_best, first = runs["fast (SimPy)"], runs["kernel warm"], runs["kernel first"]
    kernel_sim = warm_best["best_simulate_cpu_s"]
    ratios = {
        "simulate: fast / kernel warm (best of each)": fast["best_simulate_cpu_s"] / kernel_sim,
        "simulate: fast / kernel first (compile)": fast["simulate_cpu_s"] / first["simulate_cpu_s"],
        "run: fast / kernel warm": fast["run_cpu_s"] / warm_best["run_cpu_s"],
        "run: kernel warm / bare SimPy": warm_best["run_cpu_s"] / bare_year_cpu_s,
        "run: fast / bare SimPy": fast["run_cpu_s"] / bare_year_cpu_s,
    }
    if against:
        ratios["simulate: --against SimPy / kernel warm (best of each)"] = (
            min(r["simulate_cpu_s"] for r in against) / kernel_sim
        )
    for name, v in ratios.items():
        print(f"  {name:42} {v:6.2f}x")
    print(
        f"  kernel: {first.get('kernel_form')} (first), {warm_best.get('kernel_form')} (warm); numba imported: "
        f"{first['numba_imported']} (first), {warm_best['numba_imported']} (warm), {fast['numba_imported']} (SimPy)"
    )
    print(
        f"  imports before the run, CPU s (not in the run): kernel {warm_best['imports_cpu_s']:.2f}, SimPy {fast['imports_cpu_s']:.2f}"
    )
    RESULTS.mkdir(exist_ok=True)
    out = {
        "load": [load0, load1],
        "runs": runs,
        "warm_runs": warm,
        "simpy_runs": simpy_runs,
        "against": {"checkout": str(args.against), "runs": against} if against else None,
        "bare": bare,
        "bare_year_cpu_s": bare_year_cpu_s,
        "ratios": ratios,
    }
    (RESULTS / "kernel.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

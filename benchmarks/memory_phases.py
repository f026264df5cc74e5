"""Peak RSS of a year's run phase by phase, as ``gatesim run`` goes through them.

    python benchmarks/memory_phases.py                # the per-gate baseline, 365 days
    python benchmarks/memory_phases.py --corridor     # the corridor of benchmarks/corridor.py
    python benchmarks/memory_phases.py --days 90

A thread samples the process's resident set every 5 ms and keeps the highest
value seen in each phase: imports, build (scenario, the corridor's demand),
simulate, decode, tables (+ the corridor KPIs), release of free memory
(``gatesim.memory``), Parquet write. Shows where a run's peak is and what the
allocator keeps after each phase; ``--days-rss`` also prints the resident set
at every 30th simulated day (growth during the simulation). Not part of the
tests.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"
PHASES = ("imports", "build", "simulate", "decode", "tables", "release", "write", "end")


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--corridor", action="store_true", help="the corridor side of benchmarks/corridor.py")
    ap.add_argument("--days-rss", action="store_true", help="RSS at every 30th simulated day")
    a = ap.parse_args()
    phase = ["imports"]
    peak: dict[str, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, p = _rss_mib(), phase[0]
            peak[p] = max(peak.get(p, 0.0), rss)
            time.sleep(0.005)

    threading.Thread(target=sample, daemon=True).start()
    from gatesim.events.store import write_log
    from gatesim.memory import release_free_memory
    from gatesim.model.simulate import simulate
    from gatesim.projections.tables import tables
    from gatesim.scenario.load import load_scenario

    if a.corridor:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from corridor import SIDES

        path, overrides = SIDES["corridor_choice_metering_booking"]
    else:
        path, overrides = BASELINE, []
    phase[0] = "build"
    scenario, _ = load_scenario(path, overrides)
    by_day: list[tuple[int, float]] = []

    def on_day(k: int, n: int) -> None:
        if phase[0] == "build":
            phase[0] = "simulate"
        if a.days_rss and (k % 30 == 0 or k == n):
            by_day.append((k, _rss_mib()))

    t0 = time.perf_counter()
    live, meta = simulate(scenario, a.days, 0, scenario.run.seed, on_day=on_day)
    t_sim = time.perf_counter() - t0
    n_events = len(live)
    phase[0] = "decode"
    log = live.decode(meta)
    del live
    phase[0] = "tables"
    summary, _hourly = tables(log)
    if "corridor" in meta:
        from gatesim.projections.corridor_kpis import with_corridor_kpis

        with_corridor_kpis(summary, log)
    del summary, _hourly
    phase[0] = "release"
    release_free_memory()
    phase[0] = "write"
    with tempfile.TemporaryDirectory() as d:
        write_log(log, Path(d) / "log.parquet")
    phase[0] = "end"
    time.sleep(0.05)
    done.set()
    side = "corridor (choice, metering, booking)" if a.corridor else "per-gate baseline"
    print(f"{side}, {a.days} days, {n_events:,} events, simulate {t_sim:.1f} s wall (machine shared)")
    print("peak RSS MiB by phase (sampled every 5 ms):")
    for p in PHASES:
        print(f"  {p:<9} {peak.get(p, float('nan')):7.0f}")
    print(f"  overall   {max(peak.values()):7.0f}")
    for k, rss in by_day:
        print(f"  day {k:>3}   {rss:7.0f}")


if __name__ == "__main__":
    main()

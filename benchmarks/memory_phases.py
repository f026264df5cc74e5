"""Peak RSS of a year's run phase by phase, as ``gatesim run`` goes through them.

    python benchmarks/memory_phases.py            # 365 days
    python benchmarks/memory_phases.py --days 90

A thread samples the process's resident set every 5 ms and keeps the highest
value seen in each phase: imports, simulate, decode, tables, release of free
memory (``gatesim.memory``), Parquet write. Shows where a run's peak is and
what the allocator keeps after each phase. Not part of the tests.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=365)
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

    scenario, _ = load_scenario(BASELINE, [])
    phase[0] = "simulate"
    live, meta = simulate(scenario, a.days, 0, scenario.run.seed)
    phase[0] = "decode"
    log = live.decode(meta)
    del live
    phase[0] = "tables"
    tables(log)
    phase[0] = "release"
    release_free_memory()
    phase[0] = "write"
    with tempfile.TemporaryDirectory() as d:
        write_log(log, Path(d) / "log.parquet")
    phase[0] = "end"
    time.sleep(0.05)
    done.set()
    print(f"{a.days} days, peak RSS MiB by phase (sampled every 5 ms):")
    for p in ("imports", "simulate", "decode", "tables", "release", "write", "end"):
        print(f"  {p:<9} {peak.get(p, float('nan')):7.0f}")


if __name__ == "__main__":
    main()

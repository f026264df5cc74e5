"""Where the time goes: cProfile of the baseline's simulation, its projections and its replay read.

    python benchmarks/profile_year.py                  # 365 days: simulate, tables, read_log
    python benchmarks/profile_year.py --days 90 --top 15 --only tables

Prints, per part, the wall time and the functions with the most own time
(``tottime``): the figures quoted in benchmarks/README.md. Not part of the
test run. Both parts run on one thread (cProfile sees one), reading the
payload columns a replay reads; ``gatesim replay`` runs them on the
machine's cores.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"
PARTS = ("simulate", "tables", "read")

__all__ = ["main"]


def _profiled(label: str, fn, top: int, enabled: bool):
    if not enabled:
        return fn()
    prof = cProfile.Profile()
    t = time.perf_counter()
    out = prof.runcall(fn)
    wall = time.perf_counter() - t
    text = io.StringIO()
    pstats.Stats(prof, stream=text).sort_stats("tottime").print_stats(top)
    print(f"== {label}: {wall:.2f} s under cProfile")
    print("\n".join(line for line in text.getvalue().splitlines() if line.strip()))
    return out


def main() -> None:
    from gatesim.events.store import read_log, write_log
    from gatesim.projections.tables import TABLES_PAYLOAD, tables
    from gatesim.run import run_replication
    from gatesim.scenario.load import load_scenario

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--top", type=int, default=20, help="functions shown per part")
    ap.add_argument("--only", choices=PARTS, action="append", help="profile only these parts")
    a = ap.parse_args()
    parts = set(a.only or PARTS)
    scenario, _ = load_scenario(BASELINE, [])
    log = _profiled("simulate + decode", lambda: run_replication(scenario, a.days, 0, scenario.run.seed), a.top,
                    "simulate" in parts)  # fmt: skip
    _profiled("tables (summary + timeseries)", lambda: tables(log), a.top, "tables" in parts)
    if "read" in parts:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "log.parquet"
            write_log(log, path)
            del log
            _profiled("read_log", lambda: read_log(path, payload=TABLES_PAYLOAD), a.top, True)


if __name__ == "__main__":
    main()

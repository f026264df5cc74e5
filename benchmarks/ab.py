"""Before/after of a year's replay: a git revision against the working tree, alternated.

    python benchmarks/ab.py 277f48c            # 5 alternations on a year's log
    python benchmarks/ab.py 277f48c -n 8 --days 90

Writes one log with the working tree, extracts REV's ``gatesim/`` into a temporary
directory (``git archive``), then alternates fresh processes of the two codes on that
log. One process times ``read_log`` (every payload column, one thread) and
``tables`` (summary + hourly rows, one thread, best of 3); another, what that
code's ``gatesim replay`` does with one file (``rundir.replay_file`` where it
exists), as the command runs.
Prints the minimum and median of each over the alternations: this VM's speed
moves within minutes, so only alternated figures compare. Not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"

# Run in a fresh process with the code under test first on sys.path.
_WORKER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import pandas  # imports are not timed
from pathlib import Path
from gatesim.events.store import read_log
path = Path(sys.argv[2])
try:
    from gatesim.projections.tables import tables
except ImportError:  # before tables(): the two projections one after the other
    from gatesim.projections.kpis import summarize
    from gatesim.projections.timeseries import timeseries
    def tables(log):
        return summarize(log), timeseries(log)
try:
    from gatesim.rundir import replay_file
except ImportError:
    def replay_file(p):
        return tables(read_log(p))
if sys.argv[3] == "replay":  # in a process of its own, as the command runs
    t = time.perf_counter(); replay_file(path)
    print(json.dumps({"replay_s": time.perf_counter() - t}))
else:
    t = time.perf_counter(); log = read_log(path); read_s = time.perf_counter() - t
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter(); tables(log); best = min(best, time.perf_counter() - t)
    print(json.dumps({"read_s": read_s, "tables_s": best}))
"""


def _extract(rev: str, into: Path) -> None:
    data = subprocess.run(
        ["git", "archive", rev, "gatesim"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")


def _write_log(days: int, path: Path) -> None:
    from gatesim.events.store import write_log
    from gatesim.run import run_replication
    from gatesim.scenario.load import load_scenario

    scenario, _ = load_scenario(BASELINE, [])
    write_log(run_replication(scenario, days, 0, scenario.run.seed), path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rev", help="the git revision to compare the working tree with")
    ap.add_argument("-n", type=int, default=5, help="alternations")
    ap.add_argument("--days", type=int, default=365)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="gatesim-ab-") as d:
        tmp = Path(d)
        _extract(a.rev, tmp)
        log = tmp / "year.parquet"
        print(f"... writing a {a.days}-day log", file=sys.stderr)
        _write_log(a.days, log)
        runs: dict[str, list[dict[str, float]]] = {a.rev: [], "working tree": []}
        for i in range(a.n):
            print(f"... alternation {i + 1}/{a.n}", file=sys.stderr)
            for label, code in ((a.rev, tmp), ("working tree", ROOT)):
                figures: dict[str, float] = {}
                for part in ("parts", "replay"):
                    out = subprocess.run(
                        [sys.executable, "-c", _WORKER, str(code), str(log), part],
                        check=True,
                        capture_output=True,
                        text=True,
                    )
                    figures.update(json.loads(out.stdout.strip().splitlines()[-1]))
                runs[label].append(figures)
    print(f"{'seconds, min / median of ' + str(a.n):<32} {'read_log':>16} {'tables':>16} {'replay':>16}")
    for label, rs in runs.items():
        cells = []
        for key in ("read_s", "tables_s", "replay_s"):
            v = [r[key] for r in rs]
            cells.append(f"{min(v):.2f} / {statistics.median(v):.2f}")
        print(f"{label:<32} " + " ".join(f"{c:>16}" for c in cells))


if __name__ == "__main__":
    main()

"""Before/after of the model run (the baseline year, every queue rule off): a git
revision against the working tree, alternated in fresh processes.

    python benchmarks/ab_run.py 461c928             # 3 alternations, a year
    python benchmarks/ab_run.py 461c928 -n 5 --days 90
    python benchmarks/ab_run.py 461c928 --new HEAD  # a committed revision instead of the tree

Each process loads the baseline, times ``simulate`` (the SimPy run: the hot
path), then decodes the log and folds ``summary.csv`` and ``timeseries.csv``
as ``gatesim run`` does, and reports its peak RSS. Prints min / median of
the alternations and the ratio of the medians (working tree / REV): only
figures from the same run compare on this shared VM. Not part of the tests.
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

_WORKER = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from gatesim.model.simulate import simulate
from gatesim.projections.tables import tables
from gatesim.scenario.load import load_scenario
scenario, _ = load_scenario(sys.argv[2], [])
days = int(sys.argv[3])
t = time.perf_counter(); log, meta = simulate(scenario, days, 0, scenario.run.seed); sim_s = time.perf_counter() - t
n_events = len(log)
t = time.perf_counter(); tables(log.decode(meta)); fold_s = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps({"sim_s": sim_s, "fold_s": fold_s, "peak_mib": peak, "events": n_events}))
"""


def _extract(rev: str, into: Path) -> None:
    into.mkdir(parents=True)
    data = subprocess.run(
        ["git", "archive", rev, "gatesim"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rev", help="the git revision to compare the working tree with")
    ap.add_argument("-n", type=int, default=3, help="alternations")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--new", default=None, help="a revision to use instead of the working tree")
    a = ap.parse_args()
    new_label = a.new or "working tree"
    runs: dict[str, list[dict[str, float]]] = {a.rev: [], new_label: []}
    with tempfile.TemporaryDirectory(prefix="gatesim-abrun-") as d:
        tmp = Path(d) / "old"
        _extract(a.rev, tmp)
        new = ROOT
        if a.new:
            new = Path(d) / "new"
            _extract(a.new, new)
        for i in range(a.n):
            print(f"... alternation {i + 1}/{a.n}", file=sys.stderr)
            for label, code in ((a.rev, tmp), (new_label, new)):
                out = subprocess.run(
                    [sys.executable, "-c", _WORKER, str(code), str(BASELINE), str(a.days)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                runs[label].append(json.loads(out.stdout.strip().splitlines()[-1]))
    keys = ("sim_s", "fold_s", "peak_mib")
    print(f"{a.days} days, min / median of {a.n}: " + "  ".join(f"{k:>16}" for k in keys))
    for label, rs in runs.items():
        cells = [f"{min(r[k] for r in rs):.2f} / {statistics.median(r[k] for r in rs):.2f}" for k in keys]
        print(f"{label:<28} " + "  ".join(f"{c:>16}" for c in cells) + f"  events {rs[0]['events']}")
    for k in ("sim_s", "fold_s"):
        before = statistics.median(r[k] for r in runs[a.rev])
        after = statistics.median(r[k] for r in runs[new_label])
        print(f"ratio of medians {k}: {after / before:.3f} ({new_label} / {a.rev})")


if __name__ == "__main__":
    main()

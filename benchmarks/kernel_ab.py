"""Before/after of a year's simulation on the compiled kernel: two codes, alternated.

    python benchmarks/kernel_ab.py 8fb1333^ 8fb1333     # one commit's effect
    python benchmarks/kernel_ab.py d4ff225              # a revision against the working tree
    python benchmarks/kernel_ab.py d4ff225 -n 8 --reps 5

Extracts each revision's ``gatesim/`` into a temporary directory (``git archive``;
the working tree's is used as it is), builds each side's kernel module once, then
alternates fresh processes of the two codes. Each process times, in CPU seconds:

- ``simulate``: the process's first year of the baseline on the kernel, as a run
  pays it (the build, the stage rows, the gates' arrays, the kernel, and the first
  touches of the pages its log is written to);
- ``build``: ``build_replication`` alone (arrivals, trucks and service draws), best
  of ``--reps``;
- ``kernel``: the kernel alone, each gate's run on arrays whose log columns were
  touched beforehand, best of ``--reps`` (the figure least moved by the machine's
  memory: the page faults are left out); and per gate, its nanoseconds per wake-up.

Prints the minimum and median of each over the alternations, and the ratio of the
medians; this VM's speed moves within minutes, so only alternated figures compare.
Both codes must have the kernel's ``GateArrays(plan, rows, horizon)`` and
``stage_rows`` (model/kernel_sim.py, model/stage_rows.py). Not part of the tests.
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
WORKTREE = "worktree"

# Run in a fresh process with the code under test first on sys.path.
_WORKER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import scipy.special  # noqa: F401  # the draws import it; imports are not timed
from gatesim.scenario.load import load_scenario
from gatesim.model.build import build_replication
from gatesim.model.kernel_sim import GateArrays, simulate_kernel
from gatesim.model.stage_rows import stage_rows
sc, _ = load_scenario(sys.argv[2])
days, reps = int(sys.argv[3]), int(sys.argv[4])
if reps == 0:  # build the kernel's module (the first run of a code), nothing timed
    simulate_kernel(sc, 1, 0, 1)
    print(json.dumps({}))
    raise SystemExit
c = time.process_time(); simulate_kernel(sc, days, 0, sc.run.seed); sim = time.process_time() - c
build = kernel = float("inf")
gates = {}  # gate code -> (least CPU s of its kernel run, its wake-ups)
for _ in range(reps):
    c = time.process_time(); plan = build_replication(sc, days, 0, sc.run.seed)
    build = min(build, time.process_time() - c)
    rows = stage_rows(plan)
    total = 0.0
    for gp in plan.gates:
        g = GateArrays(gp, rows[gp.code], plan.clock.horizon_h)
        for name in ("out_t", "out_k", "out_w"):  # touched beforehand: no first touches timed
            if hasattr(g, name):  # a code's log columns (out_k: the compact log's trucks)
                getattr(g, name)[:] = 0
        c = time.process_time(); g.run(plan.clock.horizon_h); d = time.process_time() - c
        total += d
        wake_ups = int(g.state[3])  # kernel_state.STATE_N_TIMES in every code: one time per wake-up
        gates[gp.code] = (min(d, gates.get(gp.code, (d, 0))[0]), wake_ups)
        del g
    kernel = min(kernel, total)
    del plan, rows
ns = [1e9 * gates[c][0] / max(gates[c][1], 1) for c in sorted(gates)]
print(json.dumps({"simulate": sim, "build": build, "kernel": kernel, "ns_per_wake_up": ns}))
"""

MEASURES = ("simulate", "build", "kernel")


def _extract(rev: str, into: Path) -> Path:
    """``rev``'s ``gatesim/`` under ``into`` (the working tree's: its own directory)."""
    if rev == WORKTREE:
        return ROOT
    data = subprocess.run(
        ["git", "archive", rev, "gatesim"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def _run(code: Path, days: int, reps: int) -> dict[str, float]:
    cmd = [sys.executable, "-c", _WORKER, str(code), str(BASELINE), str(days), str(reps)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=code).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before", help="a git revision")
    ap.add_argument("after", nargs="?", default=WORKTREE, help="a git revision (default: the working tree)")
    ap.add_argument("-n", type=int, default=5, help="alternations")
    ap.add_argument("--reps", type=int, default=3, help="build and kernel alone: best of this many")
    ap.add_argument("--days", type=int, default=365)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        codes = {}
        for side, rev in (("before", a.before), ("after", a.after)):
            codes[side] = _extract(rev, Path(tmp) / side)
            _run(codes[side], 1, 0)  # its kernel module built (in its own cache), not timed
        runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        for _ in range(a.n):
            for side in ("before", "after"):
                runs[side].append(_run(codes[side], a.days, a.reps))
    print(f"{a.days} days of the baseline, {a.n} alternations; CPU s, min / median")
    print(f"{'':10}" + "".join(f"{m:>22}" for m in MEASURES))
    medians = {}
    for side, rev in (("before", a.before), ("after", a.after)):
        cells = []
        for m in MEASURES:
            xs = [r[m] for r in runs[side]]
            medians[(side, m)] = statistics.median(xs)
            cells.append(f"{min(xs):>10.3f} / {medians[(side, m)]:<9.3f}")
        print(f"{rev[:10]:10}" + "".join(f"{c:>22}" for c in cells))
    print(
        f"{'after/bef.':10}"
        + "".join(f"{medians[('after', m)] / medians[('before', m)]:>20.3f}x " for m in MEASURES)
    )
    print("the kernel alone, ns per wake-up by gate (gate code order), median:")
    for side, rev in (("before", a.before), ("after", a.after)):
        per_gate = [r.get("ns_per_wake_up", []) for r in runs[side]]
        cols = list(zip(*per_gate)) if per_gate and all(per_gate) else []
        print(f"{rev[:10]:10}  " + "  ".join(f"{statistics.median(c):5.1f}" for c in cols))


if __name__ == "__main__":
    main()

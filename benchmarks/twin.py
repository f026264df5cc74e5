"""Fast engine vs the reference twin, and the twin beside bare SimPy: ratios in one run.

    python benchmarks/twin.py                 # 30 days, 3 alternations
    python benchmarks/twin.py --days 90 -n 5

The scenario: the baseline with priority by cargo (fruit first) and exponential
patience (mean 6 h, the issue's example) at each gate's Chinese acceptance, the
same seed for both engines. Each alternation runs one
replication on the fast engine, then on the twin (simulate + decode, as
``gatesim run`` does per replication), and checks that both give the same
``summary.csv`` row. Bare SimPy (``benchmarks/bare_simpy.py``: a tandem of
``simpy.Resource`` stages, nothing else) runs as many trucks through 5 stages.

Times are CPU seconds of this process (``time.process_time``): the machine is
shared, and CPU time moves less than wall time when other jobs run. Prints the
minimum and median of each over the alternations and the ratios of the minima.
Not part of the tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repository root: tests.helpers
sys.path.insert(0, str(ROOT / "benchmarks"))

from bare_simpy import run_bare  # noqa: E402

from gatesim.events.kinds import Kind  # noqa: E402
from gatesim.run import run_replication  # noqa: E402
from gatesim.scenario.load import load_scenario  # noqa: E402
from tests.helpers.twin_compare import compare_summaries, with_green_lane_and_reneging  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"


def _timed(fn):
    t = time.process_time()
    out = fn()
    return time.process_time() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=int, default=30, help="days after warm-up (default 30)")
    ap.add_argument("-n", type=int, default=3, help="alternations (default 3)")
    ap.add_argument("--patience-mean-h", type=float, default=6.0)
    a = ap.parse_args()

    base, _ = load_scenario(BASELINE)
    scenario = with_green_lane_and_reneging(base, a.patience_mean_h)
    seed = scenario.run.seed
    fast_s, twin_s, bare_s = [], [], []
    n_trucks = reneged = 0
    for i in range(a.n):
        tf, fast = _timed(lambda: run_replication(scenario, a.days, 0, seed, "fast"))
        tt, twin = _timed(lambda: run_replication(scenario, a.days, 0, seed, "reference"))
        diff = compare_summaries(fast, twin)
        if diff is not None:
            raise SystemExit(f"engines disagree: {diff}")
        n_trucks = fast.n_trucks
        reneged = int((fast.kind == Kind.RENEGED).sum())
        del fast, twin
        # bare SimPy, as many trucks through 5 Resource stages (its own clock: the run only)
        rate = run_bare(n_trucks, 5, clock=time.process_time)
        fast_s.append(tf)
        twin_s.append(tt)
        bare_s.append(n_trucks / rate)
        print(
            f"alternation {i + 1}: fast {tf:.2f} s, twin {tt:.2f} s, bare SimPy {n_trucks / rate:.2f} s",
            flush=True,
        )

    def show(name: str, xs: list[float]) -> None:
        print(f"{name:<34} min {min(xs):7.2f} s   median {statistics.median(xs):7.2f} s")

    print(
        f"\nbaseline + priority by cargo + reneging at each acceptance (patience mean {a.patience_mean_h:g} h), "
        f"{a.days} days (+ warm-up and drain), seed {seed}: {n_trucks:,} trucks, {reneged:,} reneged; "
        f"summary.csv rows equal in every alternation"
    )
    show("fast engine (simulate + decode)", fast_s)
    show("reference twin (simulate + decode)", twin_s)
    show("bare SimPy (5 stages, no log)", bare_s)
    print(f"twin / fast       = {min(twin_s) / min(fast_s):.2f}x   (target: fast at least 2x faster)")
    print(f"twin / bare SimPy = {min(twin_s) / min(bare_s):.2f}x")
    print(f"fast / bare SimPy = {min(fast_s) / min(bare_s):.2f}x")


if __name__ == "__main__":
    main()

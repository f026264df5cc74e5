"""A year of the four-gate corridor (choice, metering, booking) beside the per-gate baseline,
and beside the same corridor on another checkout of gatesim (e.g. an earlier commit).

    python benchmarks/corridor.py             # 365 days, best of 1 (each in a fresh process)
    python benchmarks/corridor.py --days 90 --repeats 2
    python benchmarks/corridor.py --against /tmp/old     # also the corridor at that checkout,
                                                         # run by its own .venv/bin/python
    python benchmarks/corridor.py --twin-days 3 --days 0 # the twin, the fast engine and a bare
                                                         # SimPy chain on a corridor scenario

Each side runs in a fresh subprocess (so its peak RSS is its own), on the engine
``gatesim run`` picks (``--engine auto``: the compiled kernel where it can run the
scenario, a corridor's gates included; a checkout without it: the SimPy engine):
simulate + decode + ``tables`` (+ the corridor KPIs for the corridor), one
replication, event log on. Reported: CPU seconds (``process_time``: the
machine may be loaded, wall time would count other jobs' bursts), wall
seconds, trucks, events and peak RSS; the figures that count are ratios
measured in the same run: corridor / baseline, and the other checkout / this one.

``--twin-days``: one corridor scenario (choice, metering, booking) for a few days
on the fast engine, on the kernel and on the plain-SimPy twin (simulate only, CPU seconds),
and a bare SimPy five-stage chain (``bare_simpy.py``) carrying as many trucks.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_MIB = 512  # a year of either side, peak RSS (README)
SIDES = {
    "per_gate_baseline": (ROOT / "scenarios" / "baseline_2026.yaml", []),
    "corridor_choice_metering_booking": (
        ROOT / "scenarios" / "corridor_booking.yaml",
        [
            "corridor.metering={tan_thanh: {approach_max_trucks: 20}, huu_nghi: {approach_max_trucks: 20}}",
        ],
    ),
}


def _one(side: str, days: int) -> dict:
    from gatesim.projections.tables import tables
    from gatesim.scenario.load import load_scenario

    path, overrides = SIDES[side]
    sc, _ = load_scenario(path, overrides)
    from gatesim.model.engines import resolve_engine, run_engine

    engine = resolve_engine(sc, "auto")  # the engine `gatesim run` picks (an --against checkout: its own)
    c0, w0 = time.process_time(), time.perf_counter()
    log, meta = run_engine(engine, sc, days, 0, sc.run.seed)
    c_sim = time.process_time() - c0
    n_events = len(log)
    data = log.decode(meta)
    summary, _hourly = tables(data)
    if "corridor" in meta:
        from gatesim.projections.corridor_kpis import corridor_kpis

        summary = summary.merge(corridor_kpis(data), on="gate")
    return {
        "side": side,
        "engine": engine,
        "days": days,
        "cpu_s": time.process_time() - c0,
        "cpu_simulate_s": c_sim,
        "wall_s": time.perf_counter() - w0,
        "trucks": int(data.n_trucks),
        "events": int(n_events),
        "crossed": int(summary["departures"].sum()),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }


CORRIDOR = "corridor_choice_metering_booking"


def _side(python: str, script: Path, side: str, days: int) -> dict:
    out = subprocess.run(
        [python, str(script), "--one", side, "--days", str(days)],
        check=True,
        capture_output=True,
        text=True,
        cwd=script.parents[1],
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _show(r: dict, label: str) -> None:
    print(
        f"{label:34s} {r['days']} d, {r.get('engine', 'fast')}: cpu {r['cpu_s']:.1f} s "
        f"(simulate {r['cpu_simulate_s']:.1f}), "
        f"wall {r['wall_s']:.1f} s, {r['trucks']} trucks, {r['events']} events, "
        f"peak RSS {r['peak_rss_mib']:.0f} MiB"
    )


def _twin(days: int) -> None:
    """The twin, the fast engine and a bare SimPy chain on the corridor scenario."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bare_simpy import run_bare

    from gatesim.events.kinds import Kind
    from gatesim.model.kernel_sim import simulate_kernel
    from gatesim.model.reference import simulate_reference
    from gatesim.model.simulate import simulate
    from gatesim.scenario.load import load_scenario

    path, overrides = SIDES[CORRIDOR]
    sc, _ = load_scenario(path, overrides)
    simulate_kernel(sc, 1, 0, sc.run.seed)  # the kernel built or loaded before it is timed
    cpu = {}
    trucks = 0
    for name, fn in (
        ("fast", simulate),
        ("kernel (gates) + SimPy (corridor)", simulate_kernel),
        ("twin", simulate_reference),
    ):
        c0 = time.process_time()
        log, meta = fn(sc, days, 0, sc.run.seed)
        cpu[name] = time.process_time() - c0
        data = log.decode(meta)
        trucks = int((data.kind == Kind.ARRIVED).sum())
    cpu["bare SimPy chain (5 stages)"] = trucks / run_bare(trucks, 5, clock=time.process_time)
    print(f"corridor scenario, {days} d, {trucks} trucks at the gates (simulate only, CPU s):")
    for name, s in cpu.items():
        print(f"  {name:34s} {s:7.2f} s  ({s / cpu['fast']:.2f}x the fast engine)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--against", type=Path, help="another checkout of gatesim with its own .venv")
    ap.add_argument("--twin-days", type=int, default=0)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(_one(a.one, a.days)))
        return
    print(
        f"machine: {platform.node()} {platform.processor() or platform.machine()}, 2 cores; "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    if a.days > 0:
        _compare(a)
    if a.twin_days > 0:
        _twin(a.twin_days)


def _compare(a: argparse.Namespace) -> None:
    runs = [("per_gate_baseline", sys.executable, Path(__file__)), (CORRIDOR, sys.executable, Path(__file__))]
    if a.against is not None:
        runs.append(
            (CORRIDOR, str(a.against / ".venv" / "bin" / "python"), a.against / "benchmarks" / "corridor.py")
        )
    best: dict[int, dict] = {}
    for _ in range(a.repeats):
        for i, (side, python, script) in enumerate(runs):  # alternated, best of --repeats
            r = _side(python, script, side, a.days)
            if i not in best or r["cpu_s"] < best[i]["cpu_s"]:
                best[i] = r
    b, c = best[0], best[1]
    _show(b, "per-gate baseline")
    _show(c, "corridor")
    print(
        f"ratio corridor / per-gate: cpu {c['cpu_s'] / b['cpu_s']:.2f}x, "
        f"per truck {(c['cpu_s'] / c['trucks']) / (b['cpu_s'] / b['trucks']):.2f}x, "
        f"peak RSS {c['peak_rss_mib'] / b['peak_rss_mib']:.2f}x"
    )
    if 2 in best:
        o = best[2]
        _show(o, f"corridor at {a.against}")
        print(
            f"this checkout against {a.against}: {o['cpu_s'] / c['cpu_s']:.2f}x faster "
            f"(simulate {o['cpu_simulate_s'] / c['cpu_simulate_s']:.2f}x), "
            f"peak RSS {c['peak_rss_mib']:.0f} vs {o['peak_rss_mib']:.0f} MiB"
        )
    over = [r["side"] for r in (b, c) if r["peak_rss_mib"] > BUDGET_MIB]
    print(f"peak RSS budget {BUDGET_MIB} MiB: " + (f"OVER: {', '.join(over)}" if over else "both within"))


if __name__ == "__main__":
    main()

"""gatesim's performance against its targets, bare SimPy and Ciw, in one run.

    python benchmarks/run.py            # full: a year, growth 30/90/365 d, tandem, Ciw, sweep
    python benchmarks/run.py --quick    # smaller (a 90-day "year", fewer trucks), ~2 min
    python benchmarks/run.py --no-sweep --reference   # also write benchmarks/reference.json

Prints a table and writes ``benchmarks/results/latest.json``. Absolute
figures depend on the machine (named in the JSON); the ratios are measured
in the same run, one after another, each the best of ``--repeats`` (the
least disturbed on a shared machine). Horizon runs (a year, growth) each run
in a fresh subprocess so that their peak RSS is their own.

Sections: (a) a year of the baseline, event log on; (b) gatesim vs
bare SimPy on the same open tandem (same trucks, stages, servers, rates), and
the event log's own cost; (c) gatesim vs Ciw on that tandem; (d) growth with
the horizon; (e) the event log in memory, on disk, and its replay; (f) sweep
scaling (``benchmarks/sweep_scaling.py``).
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT / "benchmarks"))

__all__ = ["main", "tandem_scenario", "year_figures"]

# The tandem of sections (b) and (c): Poisson arrivals, c-server FIFO stages
# with exponential service at utilisation RHO, always open, no yard, no travel.
LAMBDA_PER_H = 100.0
SERVERS = 4
RHO = 0.85
# Ratios (b), (c) compare CPU seconds of this single-threaded process: on a
# shared machine, waiting for a core would otherwise land on whichever side
# of a ratio ran during someone else's burst.
CLOCK = time.process_time


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _machine() -> dict[str, Any]:
    import numpy
    import simpy

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import ciw

        ciw_v = ciw.__version__
    except ImportError:
        ciw_v = None
    return {
        "node": platform.node(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "numpy": numpy.__version__,
        "ciw": ciw_v,
        "loadavg_1min": round(os.getloadavg()[0], 2),
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


# ---------------------------------------------------------------- (a), (d), (e)


def year_figures(days: int, events_dir: Path) -> dict[str, Any]:
    """One replication of the baseline over ``days``: timings, sizes, peak RSS.

    Meant to run in a fresh process (``--worker``): the peak RSS is this run's.
    """
    from gatesim.events.store import write_log
    from gatesim.memory import release_free_memory
    from gatesim.model.simulate import simulate
    from gatesim.projections.tables import tables
    from gatesim.scenario.load import load_scenario

    scenario, _ = load_scenario(BASELINE, [])
    rss0 = _peak_rss_mib()
    t, c = time.perf_counter(), time.process_time()
    log, meta = simulate(scenario, days, 0, scenario.run.seed)
    sim_s = time.perf_counter() - t
    sim_cpu_s = time.process_time() - c
    n_events = len(log)
    n_trucks = log.n_trucks
    live_bytes = log.nbytes
    rss_sim = _peak_rss_mib()
    t = time.perf_counter()
    data = log.decode(meta)
    del log
    decode_s = time.perf_counter() - t
    decoded_bytes = sum(getattr(data, c).nbytes for c in ("t_h", "truck", "gate", "stage", "kind"))
    t = time.perf_counter()
    tables(data)
    release_free_memory()  # as gatesim.run.run_scenario does before the log is written
    project_s = time.perf_counter() - t
    path = events_dir / f"year_{days}.parquet"
    t = time.perf_counter()
    write_log(data, path)
    write_s = time.perf_counter() - t
    rss_run = _peak_rss_mib()
    del data
    run_s = sim_s + decode_s + project_s + write_s
    return {
        "days": days,
        "trucks": n_trucks,
        "events": n_events,
        "events_per_truck": round(n_events / n_trucks, 2),
        "sim_s": round(sim_s, 3),
        "sim_cpu_s": round(sim_cpu_s, 3),
        "decode_s": round(decode_s, 3),
        "projections_s": round(project_s, 3),
        "parquet_write_s": round(write_s, 3),
        "run_s": round(run_s, 3),
        "trucks_per_s_sim": round(n_trucks / sim_s),
        "events_per_s_sim": round(n_events / sim_s),
        "us_per_truck_run": round(1e6 * run_s / n_trucks, 2),
        "us_per_truck_sim": round(1e6 * sim_s / n_trucks, 2),
        "bytes_per_event_live_log": round(live_bytes / n_events, 2),
        "bytes_per_event_decoded": round(decoded_bytes / n_events, 2),
        "bytes_per_event_parquet": round(path.stat().st_size / n_events, 2),
        "parquet_mib": round(path.stat().st_size / 2**20, 1),
        "live_log_mib": round(live_bytes / 2**20, 1),
        "rss_start_mib": round(rss0, 1),
        "peak_rss_after_sim_mib": round(rss_sim, 1),
        "peak_rss_run_mib": round(rss_run, 1),
    }


def replay_figures(path: Path) -> dict[str, Any]:
    """What ``gatesim replay`` does with one log (``gatesim.rundir.replay_file``), timed.

    Meant to run in a fresh process (``--replay-worker``), as the command does;
    imports are not timed (nor are they in the simulation's time).
    """
    from gatesim.rundir import replay_read, replay_tables, replay_threads

    t = time.perf_counter()
    log = replay_read(path)
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    replay_tables(log)
    project_s = time.perf_counter() - t
    return {
        "replay_read_s": round(read_s, 3),
        "replay_projections_s": round(project_s, 3),
        "replay_s": round(read_s + project_s, 3),
        "replay_threads": replay_threads(),
        "peak_rss_replay_mib": round(_peak_rss_mib(), 1),
    }


def _in_subprocess(*args: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, *args]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- (b), (c)


def tandem_scenario(n_stages: int, days: int):
    """The baseline reduced to one gate that is an open tandem queue (see module doc)."""
    from gatesim.scenario.load import load_scenario, validate

    _, resolved = load_scenario(BASELINE, [])
    data = copy.deepcopy(resolved)
    gid = next(iter(data["gates"]))
    gate = data["gates"][gid]
    mean_min = 60.0 * SERVERS * RHO / LAMBDA_PER_H
    stages = {
        f"s{i}": {
            "role": "other",
            "servers": SERVERS,
            "service": {"dist": "exponential", "steps_min": {"work": mean_min}},
        }
        for i in range(n_stages)
    }
    gate.update(
        {
            "stages": stages,
            "routes": {d: {"stages": list(stages)} for d in ("export", "import")},
        }
    )
    gate.pop("yard", None)
    gate["arrivals"]["per_day"] = LAMBDA_PER_H * 24.0
    gate["arrivals"]["hourly_profile"] = [1.0] * 24
    gate["arrivals"]["weekday_profile"] = [1.0] * 7
    data["gates"] = {gid: gate}
    data["calendar"] = {"start_date": data["calendar"]["start_date"], "warmup_days": 0}
    data["run"] = {"days": days, "replications": 1, "seed": 1}
    data.pop("sources", None)
    data["name"] = f"tandem_{n_stages}"
    return validate(data, "benchmark", None)


class _NoAppend:
    """Stands in for an ``array``: its ``append`` is a C built-in that does nothing."""

    append = id  # a builtin is not a descriptor: ``obj.append(x)`` is ``id(x)``


def _null_log_class():
    from gatesim.events.log import EventLog, GateLog

    class NullGateLog(GateLog):
        def __init__(self) -> None:
            self.t_h = _NoAppend()
            self.word = _NoAppend()

    class NullLog(EventLog):
        def gate(self, code: int) -> GateLog:
            return NullGateLog()

        def __len__(self) -> int:
            return 0

    return NullLog


def _time_gatesim(scenario, days: int, log_on: bool = True) -> tuple[float, int]:
    """Wall seconds of ``simulate`` (draws, model, log) and the trucks it ran."""
    import gatesim.model.simulate as sim

    original = sim.EventLog
    if not log_on:
        sim.EventLog = _null_log_class()
    try:
        gc.collect()
        t = CLOCK()
        log, _ = sim.simulate(scenario, days, 0, 1)
        wall = CLOCK() - t
    finally:
        sim.EventLog = original
    return wall, log.n_trucks


def _time_bare(n_trucks: int, n_stages: int) -> float:
    from bare_simpy import run_bare

    gc.collect()
    return n_trucks / run_bare(n_trucks, n_stages, SERVERS, RHO, clock=CLOCK)


def _time_ciw(n_trucks: int, n_stages: int) -> tuple[float, int]:
    import ciw

    mu = LAMBDA_PER_H / (SERVERS * RHO)
    routing = [[1.0 if j == i + 1 else 0.0 for j in range(n_stages)] for i in range(n_stages)]
    net = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(LAMBDA_PER_H)] + [None] * (n_stages - 1),
        service_distributions=[ciw.dists.Exponential(mu) for _ in range(n_stages)],
        number_of_servers=[SERVERS] * n_stages,
        routing=routing,
    )
    ciw.seed(1)
    q = ciw.Simulation(net)
    gc.collect()
    t = CLOCK()
    q.simulate_until_max_time(n_trucks / LAMBDA_PER_H)
    wall = CLOCK() - t
    done = sum(1 for r in q.get_all_records() if r.node == n_stages)
    return wall, done


def tandem_figures(n_stages: int, days: int, repeats: int, ciw_days: float | None) -> dict[str, Any]:
    scenario = tandem_scenario(n_stages, days)
    g_on, g_off, bare = [], [], []
    n = 0
    for _ in range(3 * repeats):  # runs of ~0.5 s: their noise needs more pairs
        w, n = _time_gatesim(scenario, days, True)
        g_on.append(w)
        g_off.append(_time_gatesim(scenario, days, False)[0])
        bare.append(_time_bare(n, n_stages))
    out: dict[str, Any] = {
        "stages": n_stages,
        "servers": SERVERS,
        "rho": RHO,
        "trucks": n,
        "gatesim_s": round(min(g_on), 3),
        "gatesim_no_log_s": round(min(g_off), 3),
        "bare_simpy_s": round(min(bare), 3),
        "gatesim_trucks_per_s": round(n / min(g_on)),
        "bare_simpy_trucks_per_s": round(n / min(bare)),
        "ratio_gatesim_over_bare": round(min(g_on) / min(bare), 3),
        "ratio_log_on_over_off": round(min(g_on) / min(g_off), 3),
        "pairs": len(g_on),
        **_direct_log(scenario, days, min(g_on)),
    }
    if ciw_days is not None:
        try:
            import ciw  # noqa: F401
        except ImportError:
            out["ciw"] = "not installed"
            return out
        sc = tandem_scenario(n_stages, int(ciw_days))
        wg, ng = _time_gatesim(sc, int(ciw_days), True)
        wc, nc = _time_ciw(ng, n_stages)
        out.update(
            {
                "ciw_trucks": nc,
                "ciw_trucks_per_s": round(nc / wc),
                "gatesim_trucks_per_s_same_run": round(ng / wg),
                "ratio_ciw_time_over_gatesim": round((wc / nc) / (wg / ng), 2),
            }
        )
    return out


def log_overhead_baseline(days: int, repeats: int) -> dict[str, Any]:
    """The event log's share of a baseline run, measured two ways.

    In place: ``simulate`` with the log's appends vs with no-op appends,
    alternated ``3 * repeats`` times, the least-disturbed (minimum) of each.
    On this VM one pair of ~1 s runs can differ by +-25% either way, more than
    the target's margin, hence also the direct measure (``_direct_log``).
    """
    from gatesim.scenario.load import load_scenario

    scenario, _ = load_scenario(BASELINE, [])
    on, off = [], []
    for _ in range(3 * repeats):
        on.append(_time_gatesim(scenario, days, True)[0])
        off.append(_time_gatesim(scenario, days, False)[0])
    return {
        "days": days,
        "pairs": len(on),
        "with_log_s": round(min(on), 3),
        "no_op_log_s": round(min(off), 3),
        "ratio": round(min(on) / min(off), 3),
        "pairwise_ratio_range": [
            round(min(a / b for a, b in zip(on, off)), 3),
            round(max(a / b for a, b in zip(on, off)), 3),
        ],
        **_direct_log(scenario, days, min(on)),
    }


def _direct_log(scenario, days: int, sim_s: float) -> dict[str, Any]:
    """The log's cost measured directly: the run's own events (its words and
    times, per gate) appended again into empty typed columns in a loop,
    against the same loop without the appends (9 alternations, minimum of each);
    ``sim_s / (sim_s - that time)`` is the run with the log over the run
    without it (words still computed, nothing stored: the no-op of the
    in-place measure)."""
    from gatesim.model.simulate import simulate

    live, meta = simulate(scenario, days, 0, 1)
    parts = [live.gate(code) for code in range(len(meta["gates"]))]
    words = [p.word.tolist() for p in parts]
    times = [p.t_h.tolist() for p in parts]
    del live, parts

    def appends(store: bool) -> float:
        gc.collect()
        t = CLOCK()
        for ws, ts in zip(words, times):
            w_col, t_col = array("q"), array("d")
            if store:
                w_append, t_append = w_col.append, t_col.append
                for x in ws:
                    w_append(x | 0)  # the word is built in the model too
                for x in ts:
                    t_append(x)
            else:
                for x in ws:
                    x | 0  # noqa: B018 - the loop and the word, no append
                for _x in ts:
                    pass
        return CLOCK() - t

    # alternated, so that both see the same moments of the host; least disturbed of each
    rounds = [(appends(True), appends(False)) for _ in range(9)]
    log_s = min(r[0] for r in rounds) - min(r[1] for r in rounds)
    return {
        "events": sum(map(len, words)),
        "time_appends": sum(map(len, times)),
        "direct_log_s": round(log_s, 3),
        "direct_ratio": round(sim_s / (sim_s - log_s), 3),
    }


# ---------------------------------------------------------------- (f)


def sweep_figures(quick: bool) -> dict[str, Any]:
    try:
        from sweep_scaling import measure
    except ImportError:
        return {"status": "see sweep issue (benchmarks/sweep_scaling.py not present)"}
    # 30-day tasks (~1.3 s each here): with 6-day tasks (~0.35 s) the pool's
    # fixed start-up (~0.3 s) is most of what is measured (efficiency 0.68)
    return measure(tasks=8, days=3 if quick else 30, repeats=1 if quick else 2)


# ---------------------------------------------------------------- table


def _table(res: dict[str, Any]) -> str:
    y = res["year"]
    lines = [
        f"machine: {res['machine']['cpu']} x{res['machine']['cpu_count']}, python {res['machine']['python']}, simpy {res['machine']['simpy']}, load {res['machine']['loadavg_1min']}"
    ]

    def row(section: str, what: str, value: str, target: str = "") -> None:
        lines.append(f"{section:<8} {what:<44} {value:>16}  {target}")

    row("", "", "", "")
    row(
        "(a)",
        f"baseline {y['days']} d x1 rep: run wall s (sim+proj+write)",
        f"{y['run_s']:.1f}",
        "target <= 30 s",
    )
    row(
        "",
        "  simulate s / projections s / parquet write s",
        f"{y['sim_s']:.1f}/{y['projections_s']:.1f}/{y['parquet_write_s']:.1f}",
    )
    row("", "  simulate CPU s (others' load inflates wall)", f"{y['sim_cpu_s']:.1f}")
    row("", "  trucks / events", f"{y['trucks']:,}/{y['events']:,}")
    row("", "  trucks/s, events/s (simulate)", f"{y['trucks_per_s_sim']:,}/{y['events_per_s_sim']:,}")
    row(
        "",
        "  peak RSS MiB (run; replay, own process)",
        f"{y['peak_rss_run_mib']:.0f}; {y['peak_rss_replay_mib']:.0f}",
        "target <= 512",
    )
    for t in res["tandem"]:
        row(
            "(b)",
            f"tandem {t['stages']} st x{t['servers']} srv rho {t['rho']}: gatesim/bare",
            f"{t['ratio_gatesim_over_bare']:.2f}x",
            "target <= 1.5x",
        )
        row(
            "",
            f"  trucks/s gatesim vs bare SimPy ({t['trucks']:,} trucks)",
            f"{t['gatesim_trucks_per_s']:,}/{t['bare_simpy_trucks_per_s']:,}",
        )
        row(
            "",
            f"  event log: log on / no-op appends, {t['pairs']} pairs",
            f"{t['ratio_log_on_over_off']:.3f}x",
            "target <= 1.15x",
        )
        row(
            "",
            "  direct: the run's appends re-timed in a loop",
            f"{t['direct_ratio']:.3f}x",
            "target <= 1.15x",
        )
        if "ratio_ciw_time_over_gatesim" in t:
            row(
                "(c)",
                f"  Ciw time / gatesim time ({t['ciw_trucks']:,} trucks)",
                f"{t['ratio_ciw_time_over_gatesim']:.2f}x",
                "target > 1",
            )
    lo = res["log_overhead_baseline"]
    row(
        "(b)",
        f"baseline {lo['days']} d: log on / no-op appends, {lo['pairs']} pairs",
        f"{lo['ratio']:.3f}x",
        "target <= 1.15x",
    )
    lo_range = lo["pairwise_ratio_range"]
    row("", "  the same, pair by pair (noise of the host)", f"{lo_range[0]:.2f}-{lo_range[1]:.2f}x")
    row("", "  direct: the run's appends re-timed in a loop", f"{lo['direct_ratio']:.3f}x", "target <= 1.15x")
    for g in res["growth"]:
        row(
            "(d)",
            f"{g['days']:>3} d: us/truck run (sim), RSS MiB, log MiB",
            f"{g['us_per_truck_run']:.1f} ({g['us_per_truck_sim']:.1f}), {g['peak_rss_run_mib']:.0f}, {g['live_log_mib']:.0f}",
        )
    row(
        "(e)",
        "bytes/event: live log / decoded / parquet",
        f"{y['bytes_per_event_live_log']}/{y['bytes_per_event_decoded']}/{y['bytes_per_event_parquet']}",
    )
    row(
        "",
        "  parquet write s; replay s (read + project)",
        f"{y['parquet_write_s']:.1f}; {y['replay_s']:.2f} ({y['replay_read_s']:.2f}+{y['replay_projections_s']:.2f})",
    )
    row("", "  replay / simulate", f"{y['replay_over_sim']:.2f}", "target <= 0.10")
    sw = res["sweep"]
    if "efficiency_vs_machine" in sw:
        row(
            "(f)",
            "sweep 2 workers speed-up / machine 2-proc",
            f"{sw['sweep_speedup_2workers']:.2f}/{sw['machine_speedup_2proc']:.2f}",
        )
        row("", "  efficiency vs machine", f"{sw['efficiency_vs_machine']:.2f}", "target >= 0.90")
    else:
        row("(f)", "sweep scaling", str(sw.get("status", "skipped")))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller: 90-day year, fewer trucks")
    ap.add_argument("--repeats", type=int, default=None, help="best of N for ratios (default 3, quick 2)")
    ap.add_argument("--no-sweep", action="store_true", help="skip (f) sweep scaling")
    ap.add_argument("--no-ciw", action="store_true", help="skip (c)")
    ap.add_argument("--reference", action="store_true", help="also write benchmarks/reference.json")
    ap.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    ap.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--tmp", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--replay-worker", type=Path, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker is not None:
        print(json.dumps(year_figures(a.worker, a.tmp)))
        return
    if a.replay_worker is not None:
        print(json.dumps(replay_figures(a.replay_worker)))
        return
    repeats = a.repeats or (2 if a.quick else 3)
    year_days = 90 if a.quick else 365
    growth_days = [15, 30, 90] if a.quick else [30, 90, 365]
    res: dict[str, Any] = {"machine": _machine(), "quick": a.quick, "repeats": repeats}
    with tempfile.TemporaryDirectory(prefix="gatesim-bench-") as d:
        tmp = Path(d)
        growth = []
        for days in growth_days:
            print(f"... baseline {days} d in a fresh process", file=sys.stderr)
            growth.append(_in_subprocess("--worker", str(days), "--tmp", str(tmp)))
            path = tmp / f"year_{days}.parquet"
            if days == year_days:
                # best of `repeats` fresh processes, as for the ratios
                print(f"... replay of the {days} d log in a fresh process x{repeats}", file=sys.stderr)
                best = min((_in_subprocess("--replay-worker", str(path)) for _ in range(repeats)),
                           key=lambda r: r["replay_s"])  # fmt: skip
                best["replay_over_sim"] = round(best["replay_s"] / growth[-1]["sim_s"], 3)
                growth[-1].update(best)
            path.unlink(missing_ok=True)
        res["growth"] = growth
        res["year"] = next(g for g in growth if g["days"] == year_days)
    tandem_days = 5 if a.quick else 20  # 12k / 48k trucks
    res["tandem"] = []
    for k in (2, 5):
        print(
            f"... tandem of {k} stages: gatesim, no-op log, bare SimPy" + ("" if a.no_ciw else ", Ciw"),
            file=sys.stderr,
        )
        res["tandem"].append(
            tandem_figures(k, tandem_days, repeats, None if a.no_ciw else (2 if a.quick else 5))
        )
    print("... event log overhead on the baseline", file=sys.stderr)
    res["log_overhead_baseline"] = log_overhead_baseline(10 if a.quick else 30, repeats)
    if a.no_sweep:
        res["sweep"] = {"status": "skipped (--no-sweep)"}
    else:
        print("... sweep scaling", file=sys.stderr)
        res["sweep"] = sweep_figures(a.quick)
    res["machine"]["loadavg_1min_end"] = round(os.getloadavg()[0], 2)
    table = _table(res)
    res["table"] = table.splitlines()
    print(table)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    if a.reference:
        (ROOT / "benchmarks" / "reference.json").write_text(
            json.dumps(res, indent=2) + "\n", encoding="utf-8"
        )
    print(f"written: {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

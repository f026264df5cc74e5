"""Can a parameter set carry today's traffic? A screen before the fit's targets are run.

Two checks, cheapest first:

1. **Capacity arithmetic** (:func:`utilisation`): per stage, the trucks a day
   it can serve (servers on duty x open minutes / mean minutes per truck, from
   the model's own :func:`gatesim.model.trucks.mean_service_h`; a road:
   lanes x vehicles per lane per hour x open hours; capped by
   ``daily_capacity``) against the trucks a day that reach it (the arrivals of
   the directions whose route passes it, from the model's own
   :func:`gatesim.model.arrivals.hourly_rates`, over the stability
   experiment's dates). A set with utilisation >= 1 at a stage that carries
   traffic cannot clear its arrivals: its queue grows without bound, whatever
   the targets say, and it is ruled out before any simulation. Surge servers
   are counted as always on duty and random outages are not subtracted, so the
   arithmetic errs towards keeping a set: what it rules out is certainly
   overloaded.
2. **A long experiment** (:func:`backlog_trend`): the sets the arithmetic
   keeps run ``days`` (>= 28) at January 2026 volumes; at ``hour`` (20:00)
   every day, each gate's trucks in the system are counted (mean over the
   replications). Over the last ``last_days`` days an ordinary least-squares
   slope is fitted. A gate's backlog *grows* when the slope exceeds both
   ``max_growth_share`` x the gate's arrivals per day (an absolute floor: at
   1 % a day, three weeks add a fifth of a day's traffic; the unstable worlds
   the screen exists for grow by 10-40 % of a day's traffic a day) and ``z``
   standard errors of the slope (the noise bound: a stationary queue's slope is
   zero up to its OLS standard error, estimated from the residuals of the same
   fit; z = 3 because day-to-day levels are autocorrelated, which makes the
   OLS error optimistic). Either condition alone is not enough: a tiny but
   significant drift is harmless over a season, and a large but noisy slope
   over three weeks is not evidence of growth.

The experiment and thresholds are data, in the targets file's ``stability:``
block (docs/calibration.md).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.model.arrivals import hourly_rates
from gatesim.model.calendar import Clock
from gatesim.model.trucks import mean_service_h
from gatesim.projections.base import gate_views, levels_at
from gatesim.scenario.schema import CARGO_CLASSES, DIRECTIONS, Gate, RoadStage, Scenario, scheduled_servers
from gatesim.trust.measure import sim_hour

__all__ = ["long_experiment", "screen"]

_STEP_H = 0.25  # schedules are integrated in quarter hours (schedule windows are whole or half hours)


@dataclass(frozen=True)
class StageLoad:
    gate: str
    stage: str
    direction: str  # "both", or the one direction that uses the stage (or its lanes)
    arrivals_per_day: float
    capacity_per_day: float

    @property
    def utilisation(self) -> float:
        if self.capacity_per_day <= 0:
            return math.inf if self.arrivals_per_day > 0 else 0.0
        return self.arrivals_per_day / self.capacity_per_day


def daily_arrivals(scenario: Scenario, gate_id: str, days: int) -> dict[str, float]:
    """Mean expected arrivals per day of each direction over the scenario's measured window."""
    clock = Clock.of(scenario, days)
    rates = hourly_rates(scenario, gate_id, clock).reshape(-1, len(DIRECTIONS), len(CARGO_CLASSES))
    w0, w1 = (int(x) for x in clock.window_h)
    window = rates[w0:w1].sum(axis=(0, 2)) / max(days, 1)
    return {d: float(window[i]) for i, d in enumerate(DIRECTIONS)}


def _open_server_hours(stage: Any, date: dt.date, servers: int) -> float:
    """Server-hours on duty on a local date: the schedule integrated over the opening hours."""
    h = stage.hours
    if not stage.server_schedule:
        return servers * (h.close_h - h.open_h)
    steps = np.arange(h.open_h, h.close_h, _STEP_H)
    on = [scheduled_servers(stage.server_schedule, servers, date, float(x) + _STEP_H / 2) for x in steps]
    return float(sum(on)) * _STEP_H


def stage_capacity_per_day(
    gate: Gate, stage_id: str, dates: list[dt.date], lanes: int | None = None
) -> float:
    """Trucks a day the stage can serve when busy through its open hours (mean over ``dates``).

    ``lanes`` replaces a road's lane count (one direction of a road split by direction).
    """
    st = gate.stages[stage_id]
    extra = st.surge.extra_servers if st.surge is not None else 0
    if isinstance(st, RoadStage):
        n = (st.servers if lanes is None else lanes) + extra
        cap = float(np.mean([_open_server_hours(st, d, n) for d in dates])) * st.per_lane_vehicles_per_h
    elif st.servers is None:
        cap = math.inf
    else:
        mean_h = mean_service_h(gate, stage_id)
        hours = float(np.mean([_open_server_hours(st, d, st.servers + extra) for d in dates]))
        cap = math.inf if mean_h <= 0 else hours / mean_h
    if st.daily_capacity is not None:
        cap = min(cap, float(st.daily_capacity))
    return cap


def utilisation(scenario: Scenario, days: int) -> list[StageLoad]:
    """Every stage that carries traffic: its arrivals and capacity per day over the window."""
    clock = Clock.of(scenario, days)
    dates = clock.dates()[clock.warmup_days : clock.warmup_days + days]
    out: list[StageLoad] = []
    for gid, gate in scenario.gates.items():
        per_dir = daily_arrivals(scenario, gid, days)
        for sid, st in gate.stages.items():
            users = [d for d in DIRECTIONS if d in gate.routes and sid in gate.routes[d].stages]
            demand = sum(per_dir[d] for d in users)
            if demand <= 0:
                continue
            if isinstance(st, RoadStage) and st.lanes_by_direction is not None:
                for d in users:
                    cap = stage_capacity_per_day(gate, sid, dates, lanes=st.lanes_by_direction[d])
                    out.append(StageLoad(gid, sid, d, per_dir[d], cap))
                continue
            who = "both" if len(users) == 2 else users[0]
            out.append(StageLoad(gid, sid, who, demand, stage_capacity_per_day(gate, sid, dates)))
    return out


def overloaded(loads: list[StageLoad], limit: float = 1.0) -> list[StageLoad]:
    """The stages at utilisation >= ``limit`` (most loaded first)."""
    bad = [x for x in loads if x.utilisation >= limit]
    return sorted(bad, key=lambda x: -x.utilisation)


def backlog_levels(log: LogData, dates: list[dt.date], hour: float = 20.0) -> dict[str, list[float]]:
    """Per gate: trucks arrived and not yet crossed at ``hour`` o'clock of each date."""
    at = np.array([sim_hour(log, d, hour) for d in dates])
    out: dict[str, list[float]] = {}
    for g in gate_views(log):
        lv = levels_at(g.t, (g.rows_of(Kind.ARRIVED),), (g.rows_of(Kind.CROSSED),), at)
        out[str(g.meta["id"])] = [float(x) for x in lv]
    return out


@dataclass(frozen=True)
class Trend:
    gate: str
    slope_per_day: float  # trucks in the system at the hour, change per day (OLS)
    se_per_day: float  # its standard error
    bound_per_day: float  # what the slope must exceed to count as growth
    first: float  # mean level over the tested days' first week
    last: float  # mean level over their last week

    @property
    def grows(self) -> bool:
        return self.slope_per_day > self.bound_per_day


def _ols(y: np.ndarray) -> tuple[float, float]:
    """Slope of y against 0..n-1 and its standard error (NaN-free input, n >= 3)."""
    n = y.size
    x = np.arange(n, dtype=float)
    xc = x - x.mean()
    sxx = float(xc @ xc)
    b = float(xc @ (y - y.mean())) / sxx
    resid = y - y.mean() - b * xc
    s2 = float(resid @ resid) / (n - 2)
    return b, math.sqrt(s2 / sxx)


def backlog_trend(
    levels: dict[str, np.ndarray],
    arrivals_per_day: dict[str, float],
    last_days: int,
    max_growth_share: float,
    z: float,
) -> list[Trend]:
    """Per gate: the slope test over the last ``last_days`` days of ``levels`` (reps x days)."""
    out = []
    for gate, lv in levels.items():
        y = np.asarray(lv, float)
        y = (y.mean(axis=0) if y.ndim == 2 else y)[-last_days:]
        b, se = _ols(y)
        bound = max(max_growth_share * arrivals_per_day.get(gate, 0.0), z * se)
        week = min(7, y.size)
        out.append(Trend(gate, b, se, bound, float(y[:week].mean()), float(y[-week:].mean())))
    return out


def backlog_task(
    scenario: Scenario,
    days: int,
    replication: int,
    seed: int,
    events_path: str | None = None,
    hour: float = 20.0,
) -> dict[str, Any]:
    """One (set, replication) of the long experiment: each gate's level at ``hour`` every measured day."""
    import time

    from gatesim.run import run_replication
    from gatesim.sweep.tasks import error_text

    t0 = time.perf_counter()
    try:
        log = run_replication(scenario, days, replication, seed)
        clock = Clock.of(scenario, days)
        dates = clock.dates()[clock.warmup_days : clock.warmup_days + days]
        rows, error = [backlog_levels(log, dates, hour)], ""
    except Exception as exc:  # a model failure is this set's result (not stable), not the fit's
        rows, error = [], error_text(exc)
    return {"rows": rows, "error": error, "wall_s": time.perf_counter() - t0}


def _screen_one(priors: Any, resolved: dict, exp: Any, limit: float, s: dict[str, Any]) -> dict[str, Any]:
    scenario = priors.apply(resolved, {k: s[k] for k in priors.names}, exp.overrides())
    loads = utilisation(scenario, exp.days)
    top = max(loads, key=lambda x: x.utilisation, default=None)
    return {
        "set_id": s["set_id"],
        "util_max": top.utilisation if top else 0.0,
        "util_at": f"{top.gate}.{top.stage}" if top else "",
        "overloaded": bool(overloaded(loads, limit)),
    }


def _screen_chunk(args: tuple) -> list[dict[str, Any]]:
    priors, resolved, exp, limit, sets = args
    return [_screen_one(priors, resolved, exp, limit, s) for s in sets]


def screen(
    priors: Any, resolved: dict, sets: list[dict[str, Any]], targets: Any, workers: int | None = 1
) -> list[dict[str, Any]]:
    """The capacity arithmetic of every set: {set_id, util_max, util_at, overloaded}, in ``sets``' order.

    ``workers`` > 1 spreads a large batch over local processes (each draw costs ~50 ms,
    mostly building and checking its scenario); the result is the same.
    """
    st = targets.stability
    exp = targets.experiments[st.experiment]
    if not workers or workers <= 1 or len(sets) < 100:
        return _screen_chunk((priors, resolved, exp, st.utilisation_limit, sets))
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    n = 4 * workers
    chunks = [sets[i::n] for i in range(n)]
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        parts = list(
            pool.map(_screen_chunk, [(priors, resolved, exp, st.utilisation_limit, c) for c in chunks])
        )
    by_id = {r["set_id"]: r for part in parts for r in part}
    return [by_id[s["set_id"]] for s in sets]


def long_experiment(
    priors: Any,
    resolved: dict,
    sets: list[dict[str, Any]],
    targets: Any,
    out: Any,
    replications: int,
    seed: int,
    runner: Any,
    on_note: Any = None,
) -> list[dict[str, Any]]:
    """Run the long experiment for ``sets``: per set, whether any gate's backlog grows, and where."""
    from functools import partial

    from gatesim.sweep.spec import Point
    from gatesim.trust.evaluate import run_points
    from gatesim.trust.experiment import experiment_identity

    st = targets.stability
    exp = targets.experiments[st.experiment]
    points: list[Point] = []
    arrivals: dict[int, dict[str, float]] = {}
    for s in sets:
        params = {k: s[k] for k in priors.names}
        scenario = priors.apply(resolved, params, exp.overrides())
        points.append(Point(len(points), {"set_id": s["set_id"], **params}, scenario))
        arrivals[s["set_id"]] = {
            g: sum(daily_arrivals(scenario, g, exp.days).values()) for g in scenario.gates
        }
    fields = {
        "label": "stability",
        "experiment": st.experiment,
        "overrides": exp.overrides(),
        "hour": st.hour,
    }
    identity = experiment_identity(fields, resolved, points, exp.days, replications, seed)
    done = run_points(
        f"stability {st.experiment}",
        points,
        ["set_id", *priors.names],
        exp.days,
        replications,
        seed,
        partial(backlog_task, hour=st.hour),
        identity,
        out,
        runner,
        on_note,
        str(resolved.get("name")),
    )
    by_set: dict[int, list[dict[str, list[float]]]] = {}
    failed: set[int] = set()
    for t, rec in done:
        sid = int(t.params["set_id"])
        if rec["rows"]:
            by_set.setdefault(sid, []).append(rec["rows"][0])
        else:
            failed.add(sid)
    rows = []
    for s in sets:
        sid = int(s["set_id"])
        reps = by_set.get(sid, [])
        if sid in failed or len(reps) < replications:
            rows.append({"set_id": sid, "stable": False, "grows_at": "(not run)", "growth_per_day": math.nan})
            continue
        levels = {g: np.array([r[g] for r in reps]) for g in reps[0]}
        trends = backlog_trend(levels, arrivals[sid], st.last_days, st.max_growth_share, st.z)
        worst = max(trends, key=lambda x: x.slope_per_day - x.bound_per_day)
        grows = [x for x in trends if x.grows]
        rows.append(
            {
                "set_id": sid,
                "stable": not grows,
                "grows_at": ",".join(x.gate for x in grows),
                "growth_per_day": worst.slope_per_day,
            }
        )
    return rows

"""``summary.csv``: one row per (replication, gate), a fold over the event log.

Definitions (window = the simulated days after the warm-up and before the drain):
- arrivals: trucks that arrived in the window; departures: those of them that
  crossed before the window's end; reneged: those of them that gave up in a
  stage's queue (``patience_h``) before the window's end and left;
  left_in_system: the rest (trucks left waiting).
  Arrivals = departures + left_in_system + reneged exactly.
- throughput_per_day: crossings in the window (any arrival time) per day.
- wait_*_h: time spent waiting (stage queues and the road approach), over the
  trucks that arrived in the window and crossed before the run ended: with
  ``calendar.drain_days`` the run goes on after the window so that its last
  trucks finish (and are counted whole); those still inside at the very end
  are left out, and counted in wait_left_out: when it is not 0 (an overloaded
  gate that no drain empties), the wait figures are lower bounds. Trucks that
  reneged are not in the wait figures (nor in wait_left_out): their waits
  ended by giving up, not by being served.
- queue_mean / queue_max: trucks waiting (not in service), time-average and
  maximum over the window; queue_max_km: the longest approach queue
  (spillback) in km; truck_hours_delay: truck-hours of waiting in the window.
- waiting_at_20h_mean: trucks in the system at 20:00 Hanoi time, mean over the
  days of the window (the provincial bulletins' "still waiting" figure).
- value_usd: declared value of trucks that crossed in the window;
  revenue_vnd: customs tax, due when the declaration stage ends;
  fees_vnd: infrastructure and transshipment fees, due when the fee stage ends.
- util_<stage>: busy server-hours / (servers x open hours) in the window; with
  a server schedule or surge, the denominator is the servers on duty (SERVERS
  events) integrated over the open hours; outage hours stay in it (capacity
  lost to an outage shows as lower utilisation).
- wait_at_<stage>_h: mean hours in the stage's queue, over the trucks counted
  in wait_*_h that passed the stage (a stage on one direction's route only
  counts that direction's trucks); wait_approach_h: mean hours on the road
  approach (yard full), over all of them. Where the time goes: with n_s the
  trucks that passed stage s, sum(n_s x wait_at_s) + n x wait_approach_h =
  n x wait_mean_h (plus, with an automated lane, its trucks' waits for a
  vehicle: the lane is not a gate stage; projections/smart_gate.py).
- time_in_system_*: arrival to crossing, over the trucks counted in wait_*_h;
  time_in_yard_mean_h: yard_in to yard_out, over those of them that used the yard.
- delay_cost_vnd and its parts, spoilage_vnd, idle_truck_h, idle_fuel_l,
  co2_kg, nox_kg, pm_kg: what the waiting costs (``costs.py``).
A figure that cannot be measured (no such stage, no truck crossed) is empty.
Every column's unit, label and definition: ``registry.py``.
"""

from __future__ import annotations

import difflib
from typing import NamedTuple

import numpy as np
import pandas as pd

from gatesim.errors import InputError
from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections import registry
from gatesim.projections.base import (
    GateView,
    daily_instants,
    fold_mean_max,
    iter_gate_views,
    levels_at,
    settled_rows,
)
from gatesim.projections.costs import summary_costs

__all__ = [
    "ID_COLUMNS",
    "KPI_COLUMNS",
    "check_kpi",
    "is_stage_kpi",
    "kpi_stage",
    "summarize",
    "summary_frame",
    "summary_row",
    "util_column",
    "wait_at_column",
]

SUMMARY_SCHEMA_VERSION = 4  # 2: wait_left_out; waits include the drain. 3: wait_approach_h, wait_at_*
# 4: reneged; time in system and yard, delay cost and its parts, spoilage, idle fuel and emissions
ID_COLUMNS = ["scenario", "replication", "seed", "gate"]
# The KPI columns in file order, as the registry lists them (names, units,
# labels and definitions are there: gatesim/projections/registry.py).
KPI_COLUMNS = registry.columns("summary")
# A run with an automated lane or a route buffer has these too (projections/smart_gate.py)
SMART_GATE_KPIS = registry.columns("smart_gate")
NAN = float("nan")


# Per-stage columns: ``util_<stage>`` and ``wait_at_<stage>_h``.
STAGE_KPI_PREFIXES = ("util_", "wait_at_")


def util_column(stage_id: str) -> str:
    return f"util_{stage_id}"


def wait_at_column(stage_id: str) -> str:
    return f"wait_at_{stage_id}_h"


def is_stage_kpi(column: str) -> bool:
    """A per-stage KPI column (its stage in its name)."""
    return column.startswith(STAGE_KPI_PREFIXES)


def check_kpi(kpi: str, key: str, file: str | None) -> None:
    """Refuse a KPI name a user wrote (``key`` in ``file``) that is not a summary column."""
    if kpi not in KPI_COLUMNS and kpi not in SMART_GATE_KPIS and not is_stage_kpi(kpi):
        guess = difflib.get_close_matches(kpi, KPI_COLUMNS, n=1)
        hint = f" (did you mean {guess[0]!r}?)" if guess else ""
        raise InputError(f"unknown KPI{hint}", file=file, key=key, given=kpi, allowed=", ".join(KPI_COLUMNS))


def kpi_stage(column: str) -> str | None:
    """The stage id in a per-stage KPI column's name (None for other columns)."""
    if column.startswith("util_"):
        return column[len("util_") :]
    if column.startswith("wait_at_") and column.endswith("_h"):
        return column[len("wait_at_") : -len("_h")]
    return None


def summary_columns(stage_ids: list[str]) -> list[str]:
    return (
        ID_COLUMNS
        + KPI_COLUMNS
        + [util_column(s) for s in stage_ids]
        + [wait_at_column(s) for s in stage_ids]
    )


def _per_truck(values: np.ndarray, trucks: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(trucks, weights=values, minlength=n)


def _open_time_fn(g: GateView, code: int, w1: float) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints of F(t) = open hours of a stage up to t (piecewise linear)."""
    rows = np.sort(np.r_[g.stage_rows(Kind.OPENED, code), g.stage_rows(Kind.CLOSED, code)])
    t = g.t[rows]
    is_open = g.kind[rows] == Kind.OPENED
    end = max(w1, float(t[-1]) if t.size else w1)
    xs = np.r_[0.0, t, end]
    state = np.r_[False, is_open]  # open or not on [xs[i], xs[i+1])
    seg = np.diff(xs) * state
    return xs, np.r_[0.0, np.cumsum(seg)]


def _sum_until(t: np.ndarray, xs: np.ndarray, fx: np.ndarray, w0: float, w1: float) -> float:
    """``sum(np.interp(np.clip(t, w0, w1), xs, fx))`` for sorted ``t``, without a
    search per element: F is linear between breakpoints, so each segment adds
    its count times F at its start plus its slope times the times' excess
    over that start (one ``reduceat`` over ``t``; interp took 20x as long)."""
    if t.size == 0:
        return 0.0
    xg = np.union1d(xs, [w0, w1])  # breakpoints of G(t) = F(clip(t, w0, w1))
    gx = np.interp(np.clip(xg, w0, w1), xs, fx)
    slope = np.r_[np.diff(gx) / np.maximum(np.diff(xg), 1e-300), 0.0]  # 0 after the last
    lo = np.searchsorted(t, xg, side="left")  # each segment's first row
    count = np.diff(np.r_[lo, t.size])
    # below xg[0] (before the first breakpoint) G is constant too
    total = float(lo[0] * gx[0])
    used = count > 0
    sums = np.add.reduceat(t, lo[used])
    total += float(np.sum(count[used] * gx[used] + slope[used] * (sums - count[used] * xg[used])))
    return total


def _utilisation(
    g: GateView, code: int, servers: int | None, w0: float, w1: float, t_start: np.ndarray, t_end: np.ndarray
) -> float:
    """Busy server-hours / (servers x open hours) of stage ``code`` in the window,
    from the stage's STARTED and ENDED times (each ascending)."""
    if servers is None:
        return NAN
    xs, fx = _open_time_fn(g, code, w1)
    open_h = float(np.interp(w1, xs, fx) - np.interp(w0, xs, fx))
    if open_h <= 0:
        return NAN
    server_open_h = _staffed_open_hours(g, code, servers, xs, fx, w0, w1)
    # Busy hours = sum over services of F(end) - F(start), clipped to the window;
    # a service still running at the end ends at w1. Each truck starts and
    # ends a stage once, so the sum splits by kind: no pairing by truck.
    running = t_start.size - t_end.size
    busy = (
        _sum_until(t_end, xs, fx, w0, w1)
        + running * float(np.interp(w1, xs, fx))
        - _sum_until(t_start, xs, fx, w0, w1)
    )
    if server_open_h is None:
        return busy / (servers * open_h)
    # a schedule with no servers on duty in the window's open hours: nothing to measure
    return busy / server_open_h if server_open_h > 0 else NAN


def _staffed_open_hours(
    g: GateView, code: int, servers: int, xs: np.ndarray, fx: np.ndarray, w0: float, w1: float
) -> float | None:
    """Server-hours on duty in open hours over the window, from the stage's SERVERS
    events (None when it has none: then servers x open hours)."""
    rows = g.stage_rows(Kind.SERVERS, code)
    if rows.size == 0:
        return None
    values = g.servers_values(rows).astype(float)
    times = g.t[rows]
    # servers(t): ``servers`` before the first event, then each event's count
    edges = np.r_[w0, np.clip(times, w0, w1), w1]
    level = np.r_[servers, values]
    opened = np.interp(edges[1:], xs, fx) - np.interp(edges[:-1], xs, fx)  # open hours per piece
    return float(np.sum(level * opened))


class _Cohort(NamedTuple):
    """The window's trucks: who arrived in it, who crossed (ever, and in it), who gave up."""

    cohort: np.ndarray  # by truck id: arrived in the window
    done: np.ndarray  # by truck id: crossed by the end of the run (drain included)
    arrived: np.ndarray  # rows of ARRIVED
    crossed: np.ndarray  # rows of CROSSED
    crossed_in: np.ndarray  # rows of CROSSED in the window
    arrivals: int
    departures: int
    reneged: int  # of the cohort, before the window's end
    reneged_ever: int  # of the cohort, by the end of the run


def _cohort(g: GateView, w0: float, w1: float) -> _Cohort:
    # by rows of each kind (ascending): gathers of a sixth of the gate, not mask scans
    t, truck, n = g.t, g.truck, g.log.n_trucks
    arrived = g.rows_of(Kind.ARRIVED)
    t_arr = t[arrived]
    cohort = np.zeros(n, dtype=bool)
    cohort[truck[arrived[(t_arr >= w0) & (t_arr < w1)]]] = True
    del t_arr
    crossed = g.rows_of(Kind.CROSSED)
    t_cr = t[crossed]
    done = np.zeros(n, dtype=bool)
    done[truck[crossed]] = True
    done_in_window = np.zeros(n, dtype=bool)
    done_in_window[truck[crossed[t_cr < w1]]] = True
    crossed_in = crossed[(t_cr >= w0) & (t_cr < w1)]
    del t_cr
    gave_up = g.rows_of(Kind.RENEGED)
    reneged = reneged_ever = 0
    if gave_up.size:
        reneged = int(cohort[truck[gave_up[t[gave_up] < w1]]].sum())
        reneged_ever = int(cohort[truck[gave_up]].sum())
    departures = int((cohort & done_in_window).sum())
    return _Cohort(
        cohort, done, arrived, crossed, crossed_in, int(cohort.sum()), departures, reneged, reneged_ever
    )


def _waits(
    g: GateView, keep: np.ndarray, codes: dict[str, int]
) -> tuple[np.ndarray, dict[int, float], dict[int, int], float]:
    """Waiting per truck id: sum of (start - queued) over stages + (yard_in - blocked), one
    weighted bincount per kind; per stage, the same sums over the ``keep`` trucks and how many
    passed it, picked from the kind's gathered times by the stage's positions (no full-size
    reordered copies: the projections are the run's memory peak); and the hours on the approach."""
    t, truck, n = g.t, g.truck, g.log.n_trucks
    wait = np.zeros(n)
    stage_wait = dict.fromkeys(codes.values(), 0.0)
    passed = dict.fromkeys(codes.values(), 0)
    for kind, sign in ((Kind.STARTED, 1.0), (Kind.QUEUED, -1.0)):
        rows = g.rows_of(kind)
        t_rows, trucks = t[rows], truck[rows]
        wait += sign * _per_truck(t_rows, trucks, n)
        counted = keep[trucks]
        del trucks
        for code in codes.values():
            part = g.stage_part(kind, code)
            ok = counted[part]
            stage_wait[code] += sign * float((t_rows[part] * ok).sum())
            if kind == Kind.STARTED:
                passed[code] = int(np.count_nonzero(ok))
        del t_rows, counted
    approach_h = 0.0
    for rows, sign in ((g.blocked_yard_in_rows, 1.0), (g.rows_of(Kind.BLOCKED), -1.0)):
        t_rows, trucks = t[rows], truck[rows]
        wait += sign * _per_truck(t_rows, trucks, n)
        approach_h += sign * float(t_rows[keep[trucks]].sum())
    return wait, stage_wait, passed, approach_h


def _in_system(g: GateView, c: _Cohort, keep: np.ndarray) -> np.ndarray:
    """Arrival to crossing, over the ``keep`` trucks (those the waits count)."""
    t, truck = g.t, g.truck
    in_system = np.zeros(g.log.n_trucks)
    in_system[truck[c.crossed]] = t[c.crossed]
    in_system[truck[c.arrived]] -= t[c.arrived]
    return in_system[keep]


def _yard_hours(g: GateView, keep: np.ndarray) -> float:
    """Holding a yard slot: yard_in to yard_out, mean over the ``keep`` trucks that used the yard."""
    if g.meta.get("yard_capacity") is None:
        return NAN
    t, truck, n = g.t, g.truck, g.log.n_trucks
    held = np.zeros(n)
    used = np.zeros(n, dtype=bool)
    y_in, y_out = g.rows_of(Kind.YARD_IN), g.rows_of(Kind.YARD_OUT)
    held[truck[y_out]] = t[y_out]
    held[truck[y_in]] -= t[y_in]
    used[truck[y_out]] = True
    used &= keep
    return float(held[used].mean()) if used.any() else NAN


def _levels(g: GateView, w0: float, w1: float) -> dict[str, float]:
    """The queue's time-average and maximum, the approach's length, trucks in the system at 20:00."""
    t = g.t
    settled = settled_rows(t)  # shared by the two folds, not kept with the view
    q_mean, q_max = fold_mean_max(t, *g.waiting_steps, w0, w1, settled)
    km = NAN
    if g.meta.get("yard_capacity") is not None:
        _, a_max = fold_mean_max(t, *g.approach_steps, w0, w1, settled)
        km = a_max * g.meta["truck_spacing_m"] / g.meta["approach_lanes"] / 1000.0
    del settled
    at20 = daily_instants(w0, w1, 20.0)
    return {
        "queue_mean": q_mean,
        "queue_max": q_max,
        "queue_max_km": km,
        "truck_hours_delay": q_mean * (w1 - w0),
        "waiting_at_20h_mean": float(levels_at(t, *g.system_steps, at20).mean()) if at20.size else NAN,
    }


def _stage_columns(
    g: GateView,
    codes: dict[str, int],
    stage_wait: dict[int, float],
    passed: dict[int, int],
    w0: float,
    w1: float,
) -> dict[str, float]:
    """util_<stage> and wait_at_<stage>_h. Each stage's start and end times are picked from the
    two kinds' gathered times (gathering a stage's rows directly sweeps the whole gate)."""
    t = g.t
    row = {}
    t_start, t_end = t[g.rows_of(Kind.STARTED)], t[g.rows_of(Kind.ENDED)]
    for s in g.meta["stages"]:
        code = codes[s["id"]]
        starts = t_start[g.stage_part(Kind.STARTED, code)]
        ends = t_end[g.stage_part(Kind.ENDED, code)]
        row[util_column(s["id"])] = _utilisation(g, code, s["servers"], w0, w1, starts, ends)
    del t_start, t_end
    for sid, code in codes.items():
        row[wait_at_column(sid)] = stage_wait[code] / passed[code] if passed[code] else NAN
    return row


def _gate_row(g: GateView, w0: float, w1: float) -> dict[str, float]:
    days = (w1 - w0) / 24.0
    c = _cohort(g, w0, w1)
    keep = c.cohort & c.done  # the trucks the waits count: arrived in the window, crossed by the end
    codes = {s["id"]: g.stage_code(s["id"]) for s in g.meta["stages"]}
    wait_all, stage_wait, passed, approach_h = _waits(g, keep, codes)
    in_system = _in_system(g, c, keep)
    yard_h = _yard_hours(g, keep)
    wait = wait_all[keep]  # wait_all: by truck id, for spoilage (whole for every truck that crossed)
    del keep
    row = {
        "days": days,
        "arrivals": c.arrivals,
        "departures": c.departures,
        "left_in_system": c.arrivals - c.departures - c.reneged,
        "reneged": c.reneged,
        "throughput_per_day": float(c.crossed_in.size) / days,
        "wait_mean_h": float(wait.mean()) if wait.size else NAN,
        "wait_p95_h": float(np.percentile(wait, 95)) if wait.size else NAN,
        "wait_max_h": float(wait.max()) if wait.size else NAN,
        "wait_left_out": c.arrivals - int(wait.size) - c.reneged_ever,
        "wait_approach_h": approach_h / wait.size
        if wait.size and g.meta.get("yard_capacity") is not None
        else NAN,
        **_levels(g, w0, w1),
        "value_usd": float(g.log.payload["value_usd"][g.truck[c.crossed_in]].sum()),
        "revenue_vnd": g.paid("declaration", "tax_vnd", w0, w1),
        "fees_vnd": g.paid("fees", "fee_vnd", w0, w1),
        "time_in_system_mean_h": float(in_system.mean()) if in_system.size else NAN,
        "time_in_system_p95_h": float(np.percentile(in_system, 95)) if in_system.size else NAN,
        "time_in_yard_mean_h": yard_h,
    }
    row.update(summary_costs(g, w0, w1, wait_all, c.crossed_in))
    del c, wait, wait_all, in_system
    row.update(_stage_columns(g, codes, stage_wait, passed, w0, w1))
    return row


def summary_row(g: GateView) -> dict[str, object]:
    """The summary row of one gate."""
    meta = g.log.meta
    row: dict[str, object] = {
        "scenario": meta["scenario"],
        "replication": meta["replication"],
        "seed": meta["seed"],
        "gate": g.meta["id"],
    }
    row.update(_gate_row(g, meta["window_start_h"], meta["window_end_h"]))
    return row


def summary_frame(log: LogData, rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows).reindex(columns=summary_columns(log.meta["stages"][2:]))


def summarize(log: LogData) -> pd.DataFrame:
    """The summary rows of one replication's log."""
    return summary_frame(log, [summary_row(g) for g in iter_gate_views(log)])

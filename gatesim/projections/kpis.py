"""``summary.csv``: one row per (replication, gate), a fold over the event log.

Definitions (window = the simulated days after warm-up):
- arrivals: trucks that arrived in the window; departures: those of them that
  crossed before the end; left_in_system: the rest. Arrivals = departures +
  left_in_system exactly.
- throughput_per_day: crossings in the window (any arrival time) per day.
- wait_*_h: time spent waiting (stage queues and the road approach), over the
  trucks that arrived in the window and crossed.
- queue_mean / queue_max: trucks waiting (not in service), time-average and
  maximum over the window; queue_max_km: the longest approach queue
  (spillback) in km; truck_hours_delay: truck-hours of waiting in the window.
- waiting_at_20h_mean: trucks in the system at 20:00 Hanoi time, mean over the
  days of the window (the provincial bulletins' "still waiting" figure).
- value_usd: declared value of trucks that crossed in the window;
  revenue_vnd: customs tax, due when the declaration stage ends;
  fees_vnd: infrastructure and transshipment fees, due when the fee stage ends.
- util_<stage>: busy server-hours / (servers x open hours) in the window.
A figure that cannot be measured (no such stage, no truck crossed) is empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections.base import GateView, iter_gate_views, level_at, step_levels, step_mean_max

__all__ = ["KPI_COLUMNS", "ID_COLUMNS", "summarize", "summary_columns"]

SUMMARY_SCHEMA_VERSION = 1
ID_COLUMNS = ["scenario", "replication", "seed", "gate"]
KPI_COLUMNS = [
    "days",
    "arrivals",
    "departures",
    "left_in_system",
    "throughput_per_day",
    "wait_mean_h",
    "wait_p95_h",
    "wait_max_h",
    "queue_mean",
    "queue_max",
    "queue_max_km",
    "truck_hours_delay",
    "waiting_at_20h_mean",
    "value_usd",
    "revenue_vnd",
    "fees_vnd",
]
NAN = float("nan")


def summary_columns(stage_ids: list[str]) -> list[str]:
    return ID_COLUMNS + KPI_COLUMNS + [f"util_{s}" for s in stage_ids]


def _per_truck(values: np.ndarray, trucks: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(trucks, weights=values, minlength=n)


def _open_time_fn(g: GateView, code: int, w1: float) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints of F(t) = open hours of a stage up to t (piecewise linear)."""
    m = (g.stage == code) & ((g.kind == Kind.OPENED) | (g.kind == Kind.CLOSED))
    t = g.t[m]
    is_open = g.kind[m] == Kind.OPENED
    end = max(w1, float(t[-1]) if t.size else w1)
    xs = np.r_[0.0, t, end]
    state = np.r_[False, is_open]  # open or not on [xs[i], xs[i+1])
    seg = np.diff(xs) * state
    return xs, np.r_[0.0, np.cumsum(seg)]


def _utilisation(
    g: GateView, code: int, servers: int | None, w0: float, w1: float, started: tuple, ended: tuple
) -> float:
    """``started``/``ended``: (stage, truck, t) of the gate's STARTED/ENDED rows, filtered once per gate."""
    if servers is None:
        return NAN
    xs, fx = _open_time_fn(g, code, w1)
    open_h = float(np.interp(w1, xs, fx) - np.interp(w0, xs, fx))
    if open_h <= 0:
        return NAN
    s_on = started[0] == code
    e_on = ended[0] == code
    n = int(g.truck.max()) + 1 if g.truck.size else 0
    t_start = np.full(n, np.nan)
    t_end = np.full(n, np.nan)
    t_start[started[1][s_on]] = started[2][s_on]
    t_end[ended[1][e_on]] = ended[2][e_on]
    has = ~np.isnan(t_start)
    s = np.clip(t_start[has], w0, w1)
    e = np.clip(np.where(np.isnan(t_end[has]), w1, t_end[has]), w0, w1)
    busy = float(np.sum(np.interp(e, xs, fx) - np.interp(s, xs, fx)))
    return busy / (servers * open_h)


def _gate_row(g: GateView, w0: float, w1: float) -> dict[str, float]:
    log = g.log
    days = (w1 - w0) / 24.0
    t, truck, kind = g.t, g.truck, g.kind
    n = len(log.payload["value_usd"])

    arrived = kind == Kind.ARRIVED
    crossed = kind == Kind.CROSSED
    in_window = (t >= w0) & (t < w1)
    cohort = np.zeros(n, dtype=bool)
    cohort[truck[arrived & in_window]] = True
    done = np.zeros(n, dtype=bool)
    done[truck[crossed]] = True
    arrivals = int(cohort.sum())
    departures = int((cohort & done).sum())

    # Waiting per truck: sum of (start - queued) over stages + (yard_in - blocked).
    # int8 signs (not float64): a year's log is ~11M rows, and 7 bytes a row
    # is 80 MB of peak memory; +-1 * t is exact either way.
    sign = np.zeros(kind.size, dtype=np.int8)
    sign[kind == Kind.STARTED] = 1
    sign[kind == Kind.QUEUED] = -1
    sign[(kind == Kind.YARD_IN) & ~g.unblocked_yard_in] = 1
    sign[kind == Kind.BLOCKED] = -1
    used = sign != 0
    wait = _per_truck(sign[used] * t[used], truck[used], n)[cohort & done]
    del sign, used

    tt, lv = step_levels(t, g.waiting_delta)
    q_mean, q_max = step_mean_max(tt, lv, w0, w1)
    del tt, lv  # each step function is a float and an int per distinct time: free it at once
    km = NAN
    if g.meta.get("yard_capacity") is not None:
        at, al = step_levels(t, g.approach_delta)
        _, a_max = step_mean_max(at, al, w0, w1)
        del at, al
        km = a_max * g.meta["truck_spacing_m"] / g.meta["approach_lanes"] / 1000.0

    st, sl = step_levels(t, g.system_delta)
    first_day = int(np.ceil((w0 - 20.0) / 24.0))
    at20 = 24.0 * np.arange(first_day, int(np.ceil(w1 / 24.0)) + 1) + 20.0
    at20 = at20[(at20 >= w0) & (at20 < w1)]
    waiting20 = float(level_at(st, sl, at20).mean()) if at20.size else NAN
    del st, sl

    row = {
        "days": days,
        "arrivals": arrivals,
        "departures": departures,
        "left_in_system": arrivals - departures,
        "throughput_per_day": float((crossed & in_window).sum()) / days,
        "wait_mean_h": float(wait.mean()) if wait.size else NAN,
        "wait_p95_h": float(np.percentile(wait, 95)) if wait.size else NAN,
        "wait_max_h": float(wait.max()) if wait.size else NAN,
        "queue_mean": q_mean,
        "queue_max": q_max,
        "queue_max_km": km,
        "truck_hours_delay": q_mean * (w1 - w0),
        "waiting_at_20h_mean": waiting20,
        "value_usd": float(log.payload["value_usd"][truck[crossed & in_window]].sum()),
        "revenue_vnd": g.paid("declaration", "tax_vnd", in_window),
        "fees_vnd": g.paid("fees", "fee_vnd", in_window),
    }
    s_rows = np.flatnonzero(kind == Kind.STARTED)
    e_rows = np.flatnonzero(kind == Kind.ENDED)
    started = (g.stage[s_rows], truck[s_rows], t[s_rows])
    ended = (g.stage[e_rows], truck[e_rows], t[e_rows])
    for s in g.meta["stages"]:
        row[f"util_{s['id']}"] = _utilisation(g, g.stage_code(s["id"]), s["servers"], w0, w1, started, ended)
    return row


def summarize(log: LogData) -> pd.DataFrame:
    """The summary rows of one replication's log."""
    meta = log.meta
    w0, w1 = meta["window_start_h"], meta["window_end_h"]
    stage_ids = [s for s in meta["stages"][2:]]
    rows = []
    for g in iter_gate_views(log):
        row = {
            "scenario": meta["scenario"],
            "replication": meta["replication"],
            "seed": meta["seed"],
            "gate": g.meta["id"],
        }
        row.update(_gate_row(g, w0, w1))
        rows.append(row)
    return pd.DataFrame(rows).reindex(columns=summary_columns(stage_ids))

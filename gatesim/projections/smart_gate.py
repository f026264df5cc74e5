"""The automated lane's and the route buffers' KPIs per gate, as a fold of the event log
(appended to ``summary.csv`` when the run has a lane or a buffer; empty for a gate without).

Over the window ``[window_start_h, window_end_h)``:

- ``agv_containers``: containers the lane unloaded on the far side (its ``ended`` events);
  ``agv_containers_per_day`` over the window's days, ``agv_containers_per_open_h`` over the
  lane's open hours in the window;
- ``agv_utilisation``: vehicle-hours held (loading to ``agv_returned``) that fall in the lane's
  open hours, over fleet x open hours (a cycle running past closing counts up to closing);
- ``agv_wait_mean_h``: hours from queueing for a vehicle to loading, over the containers that
  queued in the window and were loaded;
- ``buffer_mean_trucks`` / ``buffer_max_trucks``: trucks holding a place in the gate's route
  buffers, time average and maximum;
- ``buffer_blocked``: trucks that found a buffer full in the window (``buffer_full``);
  ``buffer_wait_mean_h``: their hours until they had a place (those that got one).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections import registry
from gatesim.projections.base import GateView, fold_mean_max, iter_gate_views, levels_at
from gatesim.projections.timeseries import window_hours
from gatesim.scenario.smart import LANE_STAGE

__all__ = ["SMART_GATE_COLUMNS", "with_smart_gate_kpis", "with_smart_gate_series"]

SMART_GATE_COLUMNS = registry.columns("smart_gate")  # names, units and meanings: the registry
SMART_GATE_SERIES = registry.columns("smart_gate_timeseries")  # timeseries.csv's, hour by hour
NAN = float("nan")


def _has_smart(log: LogData) -> bool:
    return any("agv_lane" in g or "buffers" in g for g in log.meta["gates"])


def with_smart_gate_kpis(summary: pd.DataFrame, log: LogData) -> pd.DataFrame:
    """``summary`` with the smart-gate columns appended when the run has a lane or a buffer
    (the run and its replay both call this, so a replay gives the same table)."""
    if not _has_smart(log):
        return summary
    return summary.merge(smart_gate_kpis(log), on="gate", how="left", sort=False)


def with_smart_gate_series(hourly: pd.DataFrame, log: LogData) -> pd.DataFrame:
    """``hourly`` with the smart-gate columns appended when the run has a lane or a buffer:
    per gate and hour of the window, containers unloaded and trucks held back in the hour
    (by the hour the event happens, the last hour's end included, as the other hourly
    columns), containers waiting for a vehicle and trucks in the buffers at the hour's end."""
    if not _has_smart(log) or hourly.empty:
        return hourly
    hours = window_hours(log)
    edges = np.r_[hours, hours[-1] + 1.0]
    frames = []
    for g in iter_gate_views(log):
        cols = {c: np.full(hours.size, NAN) for c in SMART_GATE_SERIES}
        if "agv_lane" in g.meta:
            code = g.stage_code(LANE_STAGE)
            cols["agv_containers"] = np.histogram(g.t[g.stage_rows(Kind.ENDED, code)], bins=edges)[0].astype(
                float
            )
            queued, started = g.stage_rows(Kind.QUEUED, code), g.stage_rows(Kind.STARTED, code)
            cols["agv_waiting"] = levels_at(g.t, (queued,), (started,), edges[1:])
        if "buffers" in g.meta:
            cols["buffer_blocked"] = np.histogram(g.t[g.rows_of(Kind.BUFFER_FULL)], bins=edges)[0].astype(
                float
            )
            plus, minus = (g.rows_of(Kind.BUFFER_IN),), (g.rows_of(Kind.BUFFER_OUT),)
            cols["buffer_trucks"] = levels_at(g.t, plus, minus, edges[1:])
        frames.append(pd.DataFrame({"gate": g.meta["id"], "t_h": hours, **cols}))
    return hourly.merge(pd.concat(frames, ignore_index=True), on=["gate", "t_h"], how="left", sort=False)


def smart_gate_kpis(log: LogData) -> pd.DataFrame:
    """One row per gate (in gate-code order): ``gate`` and :data:`SMART_GATE_COLUMNS`."""
    w0, w1 = log.meta["window_start_h"], log.meta["window_end_h"]
    rows = []
    for g in iter_gate_views(log):
        row = {"gate": g.meta["id"], **dict.fromkeys(SMART_GATE_COLUMNS, NAN)}
        if "agv_lane" in g.meta:
            row.update(_lane(g, w0, w1, log.meta["days"]))
        if "buffers" in g.meta:
            row.update(_buffers(g, w0, w1))
        rows.append(row)
    return pd.DataFrame(rows, columns=["gate", *SMART_GATE_COLUMNS])


def _open_hours_fn(g: GateView, code: int, end: float) -> tuple[np.ndarray, np.ndarray]:
    """Breakpoints of F(t) = the lane's open hours up to t (piecewise linear)."""
    rows = np.sort(np.r_[g.stage_rows(Kind.OPENED, code), g.stage_rows(Kind.CLOSED, code)])
    t = g.t[rows]
    xs = np.r_[0.0, t, max(end, float(t[-1]) if t.size else end)]
    state = np.r_[False, g.kind[rows] == Kind.OPENED]  # open on [xs[i], xs[i+1])
    return xs, np.r_[0.0, np.cumsum(np.diff(xs) * state)]


def _lane(g: GateView, w0: float, w1: float, days: float) -> dict[str, float]:
    code = g.stage_code(LANE_STAGE)
    t, truck = g.t, g.truck
    started = g.stage_rows(Kind.STARTED, code)
    ended = g.stage_rows(Kind.ENDED, code)
    queued = g.stage_rows(Kind.QUEUED, code)
    returned = g.stage_rows(Kind.AGV_RETURNED, code)
    t_end = t[ended]
    containers = int(np.count_nonzero((t_end >= w0) & (t_end < w1)))
    xs, fx = _open_hours_fn(g, code, w1)

    def f(times: np.ndarray) -> np.ndarray:
        return np.interp(np.clip(times, w0, w1), xs, fx)

    open_h = float(f(np.array([w1]))[0] - f(np.array([w0]))[0])
    fleet = g.meta["agv_lane"]["fleet_agvs"]
    # vehicle-hours held in open hours: each hold from its loading to its return, clipped to
    # the window; a vehicle still out at the end of the log is held to the window's end
    busy = (
        float(f(t[returned]).sum())
        + (started.size - returned.size) * float(f(np.array([w1]))[0])
        - float(f(t[started]).sum())
    )
    n = g.log.n_trucks
    t_queued = np.full(n, np.nan)
    t_queued[truck[queued]] = t[queued]
    t_start = np.full(n, np.nan)
    t_start[truck[started]] = t[started]
    waited = (t_queued >= w0) & (t_queued < w1) & ~np.isnan(t_start)
    return {
        "agv_containers": containers,
        "agv_containers_per_day": containers / days if days else NAN,
        "agv_containers_per_open_h": containers / open_h if open_h > 0 else NAN,
        "agv_utilisation": busy / (fleet * open_h) if open_h > 0 else NAN,
        "agv_wait_mean_h": float(np.mean(t_start[waited] - t_queued[waited])) if waited.any() else NAN,
    }


def _buffers(g: GateView, w0: float, w1: float) -> dict[str, float]:
    t, truck = g.t, g.truck
    mean, mx = fold_mean_max(t, (g.rows_of(Kind.BUFFER_IN),), (g.rows_of(Kind.BUFFER_OUT),), w0, w1)
    full = g.rows_of(Kind.BUFFER_FULL)
    full = full[(t[full] >= w0) & (t[full] < w1)]
    n = g.log.n_trucks
    t_in = np.full(n, np.nan)
    took = g.rows_of(Kind.BUFFER_IN)
    t_in[truck[took]] = t[took]
    waits = t_in[truck[full]] - t[full]
    waits = waits[~np.isnan(waits)]
    return {
        "buffer_mean_trucks": mean,
        "buffer_max_trucks": mx,
        "buffer_blocked": int(full.size),
        "buffer_wait_mean_h": float(waits.mean()) if waits.size else NAN,
    }

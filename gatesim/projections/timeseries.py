"""``timeseries.csv``: hourly figures per gate, folded from the log.

Per hour of the window: trucks that arrived and crossed in the hour, customs
tax and fees due in the hour, and the trucks at each stage (queue + service),
on the approach and in the yard at the end of the hour; then truck-hours of
waiting in the hour and what they cost (delay cost, spoilage of trucks that
crossed in the hour, idle fuel and emissions: ``costs.py``). Every column is
defined in ``registry.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections.base import GateView, iter_gate_views, rows_level
from gatesim.projections.costs import hourly_costs

__all__ = ["timeseries_frame"]


def timeseries(log: LogData) -> pd.DataFrame:
    """The hourly rows of one replication's log."""
    labels = hour_labels(log)
    return pd.concat([timeseries_frame(g, labels) for g in iter_gate_views(log)], ignore_index=True)


def window_hours(log: LogData) -> np.ndarray:
    """The sim hours starting each hour of the window."""
    return np.arange(np.floor(log.meta["window_start_h"]), np.ceil(log.meta["window_end_h"]))


def hour_labels(log: LogData) -> np.ndarray:
    """The window's hours as "YYYY-MM-DD HH:MM" (Hanoi), the same for every gate."""
    t0 = pd.Timestamp(log.meta["t0"])
    return np.asarray((t0 + pd.to_timedelta(window_hours(log), unit="h")).strftime("%Y-%m-%d %H:%M"))


def timeseries_frame(g: GateView, labels: np.ndarray | None = None) -> pd.DataFrame:
    """The hourly rows of one gate (``labels``: ``hour_labels(g.log)``, made once per log)."""
    log = g.log
    meta = log.meta
    hours = window_hours(log)
    end = hours + 1.0
    stage_ids = meta["stages"][2:]
    t = g.t
    # rows counted by the start of each hour and, for the last, by its end
    # inclusive: np.histogram's bins, whose last one is closed
    edges_l = np.searchsorted(t, hours, side="left")
    last_r = np.searchsorted(t, end[-1:], side="right")

    def per_hour(rows: np.ndarray | None, weights_col: str | np.ndarray | None = None) -> np.ndarray:
        """Rows per hour, or the sum of a payload column over them.

        The rows are ascending, so their times are sorted: an hour's rows are
        a run found by searching the hour's first row, not a histogram's sort.
        """
        if rows is None:
            return np.full(hours.size, np.nan)
        bounds = np.r_[np.searchsorted(rows, edges_l), np.searchsorted(rows, last_r)]
        counts = np.diff(bounds)
        if weights_col is None:
            return counts
        picked = rows[bounds[0] : bounds[-1]]
        if isinstance(weights_col, np.ndarray):  # a weight per row of ``rows`` (costs.py)
            w = weights_col[bounds[0] : bounds[-1]]
        else:
            w = log.payload[weights_col][g.truck[picked]]
        return np.bincount(np.repeat(np.arange(hours.size), counts), weights=w, minlength=hours.size)

    df = pd.DataFrame(
        {
            "scenario": meta["scenario"],
            "replication": meta["replication"],
            "gate": g.meta["id"],
            "time": hour_labels(log) if labels is None else labels,
            "t_h": hours,
            "arrivals": per_hour(g.rows_of(Kind.ARRIVED)),
            "departures": per_hour(g.rows_of(Kind.CROSSED)),
            "revenue_vnd": per_hour(g.role_ended("declaration"), "tax_vnd"),
            "fees_vnd": per_hour(g.role_ended("fees"), "fee_vnd"),
        }
    )
    # Levels at the ends of the hours (after the events at that instant).
    # The gate's rows are in time order, so the rows counted at the end of
    # hour k are the rows before upto[k]; a kind's count there is one
    # search in its (ascending) rows: no pass over the gate per series.
    upto = np.searchsorted(t, end, side="right")

    def level(plus: tuple[np.ndarray, ...], minus: tuple[np.ndarray, ...]) -> np.ndarray:
        return rows_level(upto, plus, minus)

    df["in_system"] = level(*g.system_steps)
    df["waiting"] = level(*g.waiting_steps)
    has_yard = g.meta.get("yard_capacity") is not None
    df["at_approach"] = level(*g.approach_steps) if has_yard else np.nan
    df["at_yard"] = level((g.rows_of(Kind.YARD_IN),), (g.rows_of(Kind.YARD_OUT),)) if has_yard else np.nan
    present = {s["id"] for s in g.meta["stages"]}
    # trucks at each stage: QUEUED adds, ENDED (and RENEGED, if any) removes
    for sid in stage_ids:
        if sid in present:
            code = g.stage_code(sid)
            gone = g.stage_rows(Kind.RENEGED, code) if g.reneged_rows else None
            minus = (
                (g.stage_rows(Kind.ENDED, code),) if gone is None else (g.stage_rows(Kind.ENDED, code), gone)
            )
            df[f"at_{sid}"] = level((g.stage_rows(Kind.QUEUED, code),), minus)
        else:
            df[f"at_{sid}"] = np.nan
    # what the waiting costs, hour by hour (costs.py); after the levels: new columns go last
    for col, values in hourly_costs(g, hours, per_hour).items():
        df[col] = values
    return df

"""``timeseries.csv``: hourly figures per gate, folded from the log.

Per hour of the window: trucks that arrived and crossed in the hour, customs
tax and fees due in the hour, and the trucks at each stage (queue + service),
on the approach and in the yard at the end of the hour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections.base import GateView, iter_gate_views

__all__ = ["timeseries", "timeseries_frame"]


def timeseries(log: LogData) -> pd.DataFrame:
    """The hourly rows of one replication's log."""
    return pd.concat([timeseries_frame(g) for g in iter_gate_views(log)], ignore_index=True)


def timeseries_frame(g: GateView) -> pd.DataFrame:
    """The hourly rows of one gate."""
    log = g.log
    meta = log.meta
    w0, w1 = meta["window_start_h"], meta["window_end_h"]
    hours = np.arange(np.floor(w0), np.ceil(w1))
    edges = np.r_[hours, hours[-1] + 1.0] if hours.size else hours
    end = hours + 1.0
    t0 = pd.Timestamp(meta["t0"])
    stage_ids = meta["stages"][2:]
    t = g.t

    def per_hour(rows: np.ndarray | None, weights_col: str | None = None) -> np.ndarray:
        if rows is None:
            return np.full(hours.size, np.nan)
        w = log.payload[weights_col][g.truck[rows]] if weights_col else None
        return np.histogram(t[rows], bins=edges, weights=w)[0]

    df = pd.DataFrame(
        {
            "scenario": meta["scenario"],
            "replication": meta["replication"],
            "gate": g.meta["id"],
            "time": (t0 + pd.to_timedelta(hours, unit="h")).strftime("%Y-%m-%d %H:%M"),
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
        n = np.zeros(upto.size, dtype=np.int64)
        for rows in plus:
            n += np.searchsorted(rows, upto, side="left")
        for rows in minus:
            n -= np.searchsorted(rows, upto, side="left")
        return n.astype(float)

    arrived, crossed = g.rows_of(Kind.ARRIVED), g.rows_of(Kind.CROSSED)
    queued, started, blocked = g.rows_of(Kind.QUEUED), g.rows_of(Kind.STARTED), g.rows_of(Kind.BLOCKED)
    blocked_in = g.blocked_yard_in_rows
    df["in_system"] = level((arrived,), (crossed,))
    df["waiting"] = level((queued, blocked), (started, blocked_in))
    has_yard = g.meta.get("yard_capacity") is not None
    df["at_approach"] = level((blocked,), (blocked_in,)) if has_yard else np.nan
    df["at_yard"] = level((g.rows_of(Kind.YARD_IN),), (g.rows_of(Kind.YARD_OUT),)) if has_yard else np.nan
    present = {s["id"] for s in g.meta["stages"]}
    # trucks at each stage: QUEUED adds, ENDED removes
    for sid in stage_ids:
        if sid in present:
            code = g.stage_code(sid)
            df[f"at_{sid}"] = level((g.stage_rows(Kind.QUEUED, code),), (g.stage_rows(Kind.ENDED, code),))
        else:
            df[f"at_{sid}"] = np.nan
    return df

"""A replication's two tables (summary rows, hourly rows) in one pass over its gates.

Each gate's view is built once and serves both tables: the row sets it finds
(rows of each kind, grouped by stage) are the costly part of a fold, and are
freed with the view before the next gate's.
"""

from __future__ import annotations

import pandas as pd

from gatesim.events.log import LogData
from gatesim.projections.base import iter_gate_views
from gatesim.projections.kpis import summary_frame, summary_row
from gatesim.projections.timeseries import timeseries_frame

__all__ = ["tables"]


def tables(log: LogData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(summarize(log), timeseries(log))``, folding each gate once."""
    rows, frames = [], []
    for g in iter_gate_views(log):
        rows.append(summary_row(g))
        frames.append(timeseries_frame(g))
    return summary_frame(log, rows), pd.concat(frames, ignore_index=True)

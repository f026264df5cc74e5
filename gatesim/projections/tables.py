"""A replication's two tables (summary rows, hourly rows) in one pass over its gates.

Each gate's view is built once and serves both tables: the row sets it finds
(rows of each kind, grouped by stage) are the costly part of a fold, and are
freed with the view once the gate is folded (one gate at a time, or one per
thread).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from gatesim.events.log import LogData
from gatesim.memory import release_free_memory
from gatesim.projections.base import GateView, iter_gate_views
from gatesim.projections.kpis import summary_frame, summary_row
from gatesim.projections.timeseries import hour_labels, timeseries_frame

__all__ = ["TABLES_PAYLOAD", "tables"]

# The payload columns the two tables read: a replay reads no other
# (tests/unit/test_event_log.py holds this list to what the folds use).
TABLES_PAYLOAD = ("value_usd", "tax_vnd", "fee_vnd", "cargo")  # cargo: costs by class


def tables(log: LogData, threads: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(summarize(log), timeseries(log))``, folding each gate once.

    With ``threads`` > 1, gates are folded side by side: numpy releases the
    GIL in the sorts, searches and gathers that make most of a fold. The
    tables are the same (each gate's rows come from its own fold, in gate
    order); the memory held is that of ``threads`` gates' row sets.
    """
    labels = hour_labels(log)

    def fold(g: GateView) -> tuple[dict[str, object], pd.DataFrame]:
        return summary_row(g), timeseries_frame(g, labels)

    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            parts = list(pool.map(fold, iter_gate_views(log)))
    else:
        parts = []
        for g in iter_gate_views(log):
            parts.append(fold(g))
            del g  # the view's row sets, freed and (glibc) given back before the next gate's
            release_free_memory()
    return summary_frame(log, [p[0] for p in parts]), pd.concat([p[1] for p in parts], ignore_index=True)

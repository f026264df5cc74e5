"""The state at an instant: trucks per stage per gate, folded from the log."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections.base import gate_views

__all__ = ["state_at"]


def state_at(log: LogData, t_h: float) -> pd.DataFrame:
    """Rows (gate, place, waiting, in_service) for every stage, the approach and the yard.

    A truck that reneged (gave up in a stage's queue) is neither waiting nor in the system."""
    rows = []
    for g in gate_views(log):
        # a gate's rows are in time order: those at or before t_h come first
        upto = int(np.searchsorted(g.t, t_h, side="right"))

        def count(kind_rows: np.ndarray, upto=upto) -> int:
            return int(np.searchsorted(kind_rows, upto))

        gid = g.meta["id"]
        if g.meta.get("yard_capacity") is not None:
            rows.append((gid, "approach", count(g.rows_of(Kind.BLOCKED)) - count(g.blocked_yard_in_rows), 0))
            rows.append((gid, "yard", count(g.rows_of(Kind.YARD_IN)) - count(g.rows_of(Kind.YARD_OUT)), 0))
        for st in g.meta["stages"]:
            code = g.stage_code(st["id"])
            q, b, e, r = (
                count(g.stage_rows(k, code)) for k in (Kind.QUEUED, Kind.STARTED, Kind.ENDED, Kind.RENEGED)
            )
            rows.append((gid, st["id"], q - b - r, b - e))
        left = count(g.rows_of(Kind.CROSSED)) + count(g.rows_of(Kind.RENEGED))
        rows.append((gid, "in_system", count(g.rows_of(Kind.ARRIVED)) - left, 0))
    return pd.DataFrame(rows, columns=["gate", "place", "waiting", "in_service"])

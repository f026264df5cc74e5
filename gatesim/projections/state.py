"""The state at an instant: trucks per stage per gate, folded from the log."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections.base import gate_views

__all__ = ["state_at"]


def state_at(log: LogData, t_h: float) -> pd.DataFrame:
    """Rows (gate, place, waiting, in_service) for every stage, the approach and the yard."""
    rows = []
    for g in gate_views(log):
        upto = g.t <= t_h
        k, s = g.kind[upto], g.stage[upto]

        def count(
            kind: Kind, stage: int | None = None, mask: np.ndarray | None = None, k=k, s=s, upto=upto
        ) -> int:
            m = k == kind
            if stage is not None:
                m &= s == stage
            if mask is not None:
                m &= mask[upto]
            return int(m.sum())

        gid = g.meta["id"]
        if g.meta.get("yard_capacity") is not None:
            blocked_in = (g.kind == Kind.YARD_IN) & ~g.unblocked_yard_in
            rows.append((gid, "approach", count(Kind.BLOCKED) - count(Kind.YARD_IN, mask=blocked_in), 0))
            rows.append((gid, "yard", count(Kind.YARD_IN) - count(Kind.YARD_OUT), 0))
        for st in g.meta["stages"]:
            code = g.stage_code(st["id"])
            q, b, e = count(Kind.QUEUED, code), count(Kind.STARTED, code), count(Kind.ENDED, code)
            rows.append((gid, st["id"], q - b, b - e))
        rows.append((gid, "in_system", count(Kind.ARRIVED) - count(Kind.CROSSED), 0))
    return pd.DataFrame(rows, columns=["gate", "place", "waiting", "in_service"])

"""Totals over a calendar period, per gate: what published figures count.

Used by calibration: crossings, declared value (all, imports, exports) of
trucks that crossed, customs tax and fees due, trucks in the system at 20:00.
"""

from __future__ import annotations

import pandas as pd

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections.base import daily_instants, iter_gate_views, levels_at

__all__ = ["period_totals"]


def period_totals(log: LogData, t_from_h: float, t_to_h: float) -> pd.DataFrame:
    """One row per gate: totals over sim hours ``[t_from_h, t_to_h)``."""
    directions = log.meta["directions"]
    at20 = daily_instants(t_from_h, t_to_h, 20.0)
    rows = []
    for g in iter_gate_views(log):
        cr = g.rows_of(Kind.CROSSED)
        t_cr = g.t[cr]
        crossed = g.truck[cr[(t_cr >= t_from_h) & (t_cr < t_to_h)]]
        value = log.payload["value_usd"][crossed]
        direction = log.payload["direction"][crossed]
        level = levels_at(g.t, *g.system_steps, at20)
        rows.append(
            {
                "gate": g.meta["id"],
                "crossings": float(crossed.size),
                "value_usd": float(value.sum()),
                "value_usd_import": float(value[direction == directions.index("import")].sum()),
                "value_usd_export": float(value[direction == directions.index("export")].sum()),
                "revenue_vnd": g.paid("declaration", "tax_vnd", t_from_h, t_to_h),
                "fees_vnd": g.paid("fees", "fee_vnd", t_from_h, t_to_h),
                "waiting_at_20h": float(level.mean()) if level.size else float("nan"),
            }
        )
    return pd.DataFrame(rows)

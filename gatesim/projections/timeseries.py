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
from gatesim.projections.base import gate_views, level_at, step_levels

__all__ = ["timeseries"]


def timeseries(log: LogData) -> pd.DataFrame:
    meta = log.meta
    w0, w1 = meta["window_start_h"], meta["window_end_h"]
    hours = np.arange(np.floor(w0), np.ceil(w1))
    edges = np.r_[hours, hours[-1] + 1.0] if hours.size else hours
    t0 = pd.Timestamp(meta["t0"])
    stage_ids = meta["stages"][2:]
    frames = []
    for g in gate_views(log):
        t, kind = g.t, g.kind

        def per_hour(mask: np.ndarray | None, weights_col: str | None = None, g=g) -> np.ndarray:
            if mask is None:
                return np.full(hours.size, np.nan)
            w = log.payload[weights_col][g.truck[mask]] if weights_col else None
            return np.histogram(g.t[mask], bins=edges, weights=w)[0]

        df = pd.DataFrame(
            {
                "scenario": meta["scenario"],
                "replication": meta["replication"],
                "gate": g.meta["id"],
                "time": (t0 + pd.to_timedelta(hours, unit="h")).strftime("%Y-%m-%d %H:%M"),
                "t_h": hours,
                "arrivals": per_hour(kind == Kind.ARRIVED),
                "departures": per_hour(kind == Kind.CROSSED),
                "revenue_vnd": per_hour(g.role_ended("declaration"), "tax_vnd"),
                "fees_vnd": per_hour(g.role_ended("fees"), "fee_vnd"),
            }
        )
        end = hours + 1.0
        df["in_system"] = level_at(*step_levels(t, g.system_delta), end)
        df["waiting"] = level_at(*step_levels(t, g.waiting_delta), end)
        has_yard = g.meta.get("yard_capacity") is not None
        df["at_approach"] = level_at(*step_levels(t, g.approach_delta), end) if has_yard else np.nan
        df["at_yard"] = level_at(*step_levels(t, g.yard_delta()), end) if has_yard else np.nan
        present = {s["id"] for s in g.meta["stages"]}
        for sid in stage_ids:
            if sid in present:
                df[f"at_{sid}"] = level_at(*step_levels(t, g.stage_delta(g.stage_code(sid))), end)
            else:
                df[f"at_{sid}"] = np.nan
        frames.append(df)
    return pd.concat(frames, ignore_index=True)

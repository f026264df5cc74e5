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
from gatesim.projections.base import FOLD_BLOCK, iter_gate_views, levels_at_instants

__all__ = ["timeseries"]


def _hour_pos(end: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``searchsorted(end, t, "left")`` as int32, a block at a time (half the
    memory of one int64 array over a year's gate)."""
    pos = np.empty(t.size, np.int32)
    for lo in range(0, t.size, FOLD_BLOCK):
        pos[lo : lo + FOLD_BLOCK] = np.searchsorted(end, t[lo : lo + FOLD_BLOCK], side="left")
    return pos


def timeseries(log: LogData) -> pd.DataFrame:
    meta = log.meta
    w0, w1 = meta["window_start_h"], meta["window_end_h"]
    hours = np.arange(np.floor(w0), np.ceil(w1))
    edges = np.r_[hours, hours[-1] + 1.0] if hours.size else hours
    t0 = pd.Timestamp(meta["t0"])
    stage_ids = meta["stages"][2:]
    frames = []
    for g in iter_gate_views(log):
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
        # Every level below is read at the ends of the hours: locate each event once.
        pos = _hour_pos(end, t)
        nb = end.size
        blocked_in = (kind == Kind.YARD_IN) & ~g.unblocked_yard_in

        def level(plus: np.ndarray, minus: np.ndarray, pos=pos, nb=nb) -> np.ndarray:
            return levels_at_instants(pos, plus, minus, nb)

        df["in_system"] = level(kind == Kind.ARRIVED, kind == Kind.CROSSED)
        df["waiting"] = level(
            (kind == Kind.QUEUED) | (kind == Kind.BLOCKED), (kind == Kind.STARTED) | blocked_in
        )
        has_yard = g.meta.get("yard_capacity") is not None
        df["at_approach"] = level(kind == Kind.BLOCKED, blocked_in) if has_yard else np.nan
        df["at_yard"] = level(kind == Kind.YARD_IN, kind == Kind.YARD_OUT) if has_yard else np.nan
        present = {s["id"] for s in g.meta["stages"]}
        # trucks at each stage: QUEUED adds, ENDED removes; one bincount over (stage, hour)
        queued = kind == Kind.QUEUED
        ended = kind == Kind.ENDED
        n_codes = len(meta["stages"])
        up = np.bincount(
            g.stage[queued].astype(np.intp) * (nb + 1) + pos[queued], minlength=n_codes * (nb + 1)
        )
        down = np.bincount(
            g.stage[ended].astype(np.intp) * (nb + 1) + pos[ended], minlength=n_codes * (nb + 1)
        )
        at_stage = np.cumsum((up - down).reshape(n_codes, nb + 1)[:, :nb], axis=1).astype(float)
        for sid in stage_ids:
            df[f"at_{sid}"] = at_stage[g.stage_code(sid)] if sid in present else np.nan
        frames.append(df)
    return pd.concat(frames, ignore_index=True)

"""The state at an instant: trucks per stage per gate, folded from the log."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections.base import gate_views
from gatesim.scenario.smart import LANE_STAGE

__all__ = ["state_at"]


def state_at(log: LogData, t_h: float) -> pd.DataFrame:
    """Rows (gate, place, waiting, in_service) for the approach, every stage, the trucks
    between stages and the gate's total (``in_system``): per gate the rows above the
    total add up to it. ``yard`` (slots held) comes after the total: its trucks are
    counted in the stages, so it is not part of the sum. A truck that reneged (gave up in a
    stage's queue) is neither waiting nor in the system."""
    rows = []
    for g in gate_views(log):
        # a gate's rows are in time order: those at or before t_h come first
        upto = int(np.searchsorted(g.t, t_h, side="right"))

        def count(kind_rows: np.ndarray, upto=upto) -> int:
            return int(np.searchsorted(kind_rows, upto))

        gid = g.meta["id"]
        has_yard = g.meta.get("yard_capacity") is not None
        approach = count(g.rows_of(Kind.BLOCKED)) - count(g.blocked_yard_in_rows) if has_yard else 0
        if has_yard:
            rows.append((gid, "approach", approach, 0))
        waiting, in_service = approach, 0
        # the automated lane counts as a place: waiting for a vehicle, or on one
        places = [st["id"] for st in g.meta["stages"]] + ([LANE_STAGE] if "agv_lane" in g.meta else [])
        for place in places:
            code = g.stage_code(place)
            q, b, e, r = (
                count(g.stage_rows(k, code)) for k in (Kind.QUEUED, Kind.STARTED, Kind.ENDED, Kind.RENEGED)
            )
            rows.append((gid, place, q - b - r, b - e))
            waiting, in_service = waiting + q - b - r, in_service + b - e
        arrived, crossed = count(g.rows_of(Kind.ARRIVED)), count(g.rows_of(Kind.CROSSED))
        # on the move: a truck is between stages after each ENDED until its next QUEUED
        # (or CROSSED), and from ARRIVED to its first QUEUED unless it waits on the approach;
        # a truck that reneged left after a QUEUED without an ENDED, so it nets out
        moving = arrived + count(g.rows_of(Kind.ENDED)) - count(g.rows_of(Kind.QUEUED)) - crossed - approach
        rows.append((gid, "between_stages", 0, moving))
        rows.append((gid, "in_system", waiting, in_service + moving))
        if has_yard:
            rows.append(
                (
                    gid,
                    "yard (slots held; counted above)",
                    count(g.rows_of(Kind.YARD_IN)) - count(g.rows_of(Kind.YARD_OUT)),
                    0,
                )
            )
    return pd.DataFrame(rows, columns=["gate", "place", "waiting", "in_service"])

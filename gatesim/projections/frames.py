"""The state on a grid of instants: trucks per place per gate, for the map replay.

The same fold as :func:`gatesim.projections.state.state_at` (the rows of
``gatesim state``), taken at many instants at once: each count is a search of
the instants in a kind's row set, so a grid of thousands of instants costs
about what one instant does. At every instant of the grid the counts equal
``state_at`` at that instant (tests/unit/test_frames.py holds them to it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections.base import GateView, gate_views

__all__ = ["YARD_PLACE", "frame_grid", "frames_at", "grid_step_min"]

YARD_PLACE = "yard (slots held; counted above)"  # the place name state_at gives the yard
MAX_FRAMES = 6000  # a replay's frames at most: the step grows with the horizon


@dataclass(frozen=True)
class GateFrames:
    """One gate's counts: ``waiting[p, k]`` and ``in_service[p, k]`` at place ``places[p]``
    and instant ``k``, in the order and with the names of ``state_at``'s rows."""

    gate: str
    places: list[str]
    waiting: np.ndarray
    in_service: np.ndarray


@dataclass(frozen=True)
class Frames:
    t_h: np.ndarray  # the instants, hours since the log's t0
    gates: list[GateFrames]


def grid_step_min(horizon_h: float, max_frames: int = MAX_FRAMES) -> int:
    """Minutes between frames: 10, or a multiple of 10 that keeps the frames within ``max_frames``."""
    per = horizon_h * 60.0 / max(1, max_frames - 1)
    return int(max(10, 10 * math.ceil(per / 10.0)))


def frame_grid(horizon_h: float, step_min: int) -> np.ndarray:
    """Whole minutes from t0 to the horizon, every ``step_min``: in hours computed as
    ``gatesim state`` computes an instant's (seconds / 3600), so both give the same floats."""
    n = int(horizon_h * 60 // step_min) + 1
    return (np.arange(n, dtype=np.int64) * (step_min * 60)) / 3600


def _gate_frames(g: GateView, at: np.ndarray) -> GateFrames:
    """``state_at``'s rows for one gate, at every instant of ``at`` (sorted)."""
    upto = np.searchsorted(g.t, at, side="right")

    def count(kind_rows: np.ndarray) -> np.ndarray:
        return np.searchsorted(kind_rows, upto).astype(np.int64)

    zero = np.zeros(at.size, dtype=np.int64)
    places, waiting_rows, service_rows = [], [], []

    def row(place: str, w: np.ndarray, s: np.ndarray) -> None:
        places.append(place)
        waiting_rows.append(w)
        service_rows.append(s)

    has_yard = g.meta.get("yard_capacity") is not None
    approach = count(g.rows_of(Kind.BLOCKED)) - count(g.blocked_yard_in_rows) if has_yard else zero
    if has_yard:
        row("approach", approach, zero)
    waiting, in_service = approach.copy(), zero.copy()
    for st in g.meta["stages"]:
        code = g.stage_code(st["id"])
        q, b, e, r = (
            count(g.stage_rows(k, code)) for k in (Kind.QUEUED, Kind.STARTED, Kind.ENDED, Kind.RENEGED)
        )
        row(st["id"], q - b - r, b - e)
        waiting += q - b - r
        in_service += b - e
    arrived, crossed = count(g.rows_of(Kind.ARRIVED)), count(g.rows_of(Kind.CROSSED))
    moving = arrived + count(g.rows_of(Kind.ENDED)) - count(g.rows_of(Kind.QUEUED)) - crossed - approach
    row("between_stages", zero, moving)
    row("in_system", waiting, in_service + moving)
    if has_yard:
        row(YARD_PLACE, count(g.rows_of(Kind.YARD_IN)) - count(g.rows_of(Kind.YARD_OUT)), zero)
    return GateFrames(g.meta["id"], places, np.vstack(waiting_rows), np.vstack(service_rows))


def frames_at(log: LogData, at_h: np.ndarray) -> Frames:
    """Every gate's counts at the instants ``at_h`` (hours since t0, ascending)."""
    at = np.asarray(at_h, dtype=float)
    if at.size > 1 and np.any(np.diff(at) < 0):
        raise ValueError("frame instants must be ascending")
    return Frames(at, [_gate_frames(g, at) for g in gate_views(log)])

"""Building blocks shared by projections: per-gate views and step functions.

Every projection is a pure function of a :class:`~gatesim.events.log.LogData`.
Counts that change at events (trucks waiting, trucks at a stage) are step
functions of time; they are evaluated after all events at the same instant,
so a truck that arrives and starts at once never counts as waiting.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from gatesim.events.kinds import YARD_STAGE, Kind
from gatesim.events.log import LogData

__all__ = [
    "FOLD_BLOCK",
    "GateView",
    "fold_levels_at",
    "fold_mean_max",
    "gate_views",
    "daily_instants",
    "iter_gate_views",
    "level_at",
    "step_levels",
    "step_mean_max",
]


def step_levels(times: np.ndarray, deltas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct event times and the level just after each (times must be sorted)."""
    if times.size == 0:
        return times, deltas.astype(float)
    level = np.cumsum(deltas, dtype=np.int32)  # counts of trucks; half the memory of int64
    last = np.r_[times[1:] != times[:-1], True]
    return times[last], level[last]


def level_at(tt: np.ndarray, lv: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Level of a step function at instants ``at`` (after events at that instant)."""
    idx = np.searchsorted(tt, at, side="right") - 1
    out = np.where(idx >= 0, lv[np.maximum(idx, 0)] if lv.size else 0, 0)
    return out.astype(float)


def step_mean_max(tt: np.ndarray, lv: np.ndarray, w0: float, w1: float) -> tuple[float, float]:
    """Time-average and maximum of a step function over ``[w0, w1)``."""
    if w1 <= w0:
        return float("nan"), float("nan")
    if tt.size == 0:
        return 0.0, 0.0
    # in place where possible: these arrays have one value per distinct event time
    start = np.clip(tt, w0, w1)
    dur = np.empty_like(start)
    dur[:-1] = tt[1:]
    dur[-1] = w1
    np.clip(dur, w0, w1, out=dur)
    np.subtract(dur, start, out=dur)
    del start
    inside = dur > 0
    np.multiply(lv, dur, out=dur)
    mean = float(np.sum(dur) / (w1 - w0))
    del dur
    levels = lv[inside]
    before = level_at(tt, lv, np.array([w0]))[0]
    mx = float(max(levels.max() if levels.size else 0.0, before))
    return mean, mx


# Rows per block in the streaming folds: temporaries stay a few MB whatever
# the horizon (a year's gate has ~6.5M rows).
FOLD_BLOCK = 1 << 20


def _block_levels(delta: np.ndarray) -> Iterator[tuple[int, int, np.ndarray]]:
    """``(lo, hi, cumsum(delta)[lo:hi])`` a block of rows at a time (int32)."""
    carry = 0
    for lo in range(0, delta.size, FOLD_BLOCK):
        hi = min(delta.size, lo + FOLD_BLOCK)
        level = np.cumsum(delta[lo:hi], dtype=np.int32)
        level += carry
        carry = int(level[-1])
        yield lo, hi, level


def fold_mean_max(t: np.ndarray, delta: np.ndarray, w0: float, w1: float) -> tuple[float, float]:
    """Time-average and maximum over ``[w0, w1)`` of the level ``cumsum(delta)``,
    folded a block of rows at a time.

    Same definition as ``step_mean_max(*step_levels(t, delta), w0, w1)``: a
    row followed by a row at the same instant lasts zero hours, so it adds
    nothing to the mean and its (intermediate) level is not a maximum. The
    mean may differ from it in the last bits (another summation order).
    """
    if w1 <= w0:
        return float("nan"), float("nan")
    n = t.size
    if n == 0:
        return 0.0, 0.0
    k0 = int(np.searchsorted(t, w0, side="right"))
    mx = int(delta[:k0].sum(dtype=np.int64))  # the level at w0, after its events
    area = 0.0
    for lo, hi, level in _block_levels(delta):
        # each row's level lasts until the next row's time (the last row's: w1)
        end = np.empty(hi - lo)
        end[:-1] = t[lo + 1 : hi]
        end[-1] = t[hi] if hi < n else w1
        np.clip(end, w0, w1, out=end)
        dur = end - np.clip(t[lo:hi], w0, w1)
        inside = dur > 0
        area += float(np.dot(level, dur))
        if inside.any():
            mx = max(mx, int(level[inside].max()))
    return area / (w1 - w0), float(mx)


def fold_levels_at(t: np.ndarray, delta: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The level ``cumsum(delta)`` at sorted instants ``at`` (after the events
    at each), folded a block of rows at a time; equals ``level_at(*step_levels(t,
    delta), at)``."""
    idx = np.searchsorted(t, at, side="right")  # rows counted at each instant
    out = np.zeros(at.size)
    for lo, hi, level in _block_levels(delta):
        pick = (idx > lo) & (idx <= hi)
        out[pick] = level[idx[pick] - 1 - lo]
    return out


def daily_instants(t_from: float, t_to: float, hour: float) -> np.ndarray:
    """Sim times of ``hour`` o'clock (Hanoi) on each day, within ``[t_from, t_to)``."""
    at = 24.0 * np.arange(np.ceil((t_from - hour) / 24.0), np.ceil(t_to / 24.0) + 1) + hour
    return at[(at >= t_from) & (at < t_to)]


@dataclass(frozen=True)
class GateView:
    """The rows of one gate (a slice of the log), with the row sets projections keep asking for."""

    log: LogData
    code: int
    meta: dict

    @cached_property
    def _slice(self) -> slice:
        # the log is grouped by gate: a gate's columns are views, not copies
        return self.log.gate_slice(self.code)

    @property
    def t(self) -> np.ndarray:
        return self.log.t_h[self._slice]

    @property
    def truck(self) -> np.ndarray:
        return self.log.truck[self._slice]

    @property
    def kind(self) -> np.ndarray:
        return self.log.kind[self._slice]

    @property
    def stage(self) -> np.ndarray:
        return self.log.stage[self._slice]

    @cached_property
    def _rows(self) -> dict[int, np.ndarray]:
        return {}

    def rows_of(self, kind: Kind) -> np.ndarray:
        """The gate's rows of ``kind``: ascending row numbers (int32), found once per kind.

        Projections gather by these instead of boolean masks: a mask gather
        scans every row of the gate (~25 ms for a year's gate) however few it
        selects.
        """
        rows = self._rows.get(kind)
        if rows is None:
            rows = self._rows[kind] = np.flatnonzero(self.kind == kind).astype(np.int32)
        return rows

    @cached_property
    def n_trucks(self) -> int:
        """One more than the largest truck id of the log (per-truck arrays' length)."""
        return len(self.log.payload["value_usd"])

    @cached_property
    def blocked_yard_in_rows(self) -> np.ndarray:
        """YARD_IN rows of trucks that were blocked first (they waited on the approach)."""
        yin = self.rows_of(Kind.YARD_IN)
        blocked = self.truck[self.rows_of(Kind.BLOCKED)]
        if blocked.size == 0:
            return yin[:0]
        was_blocked = np.zeros(self.n_trucks, dtype=bool)
        was_blocked[blocked] = True
        return yin[was_blocked[self.truck[yin]]]

    # The deltas are not cached: each is used once per projection, and a
    # cached int8 column per gate is memory held through the whole fold.
    @property
    def waiting_delta(self) -> np.ndarray:
        """+1 when a truck starts waiting (queue or approach), -1 when it stops."""
        d = np.zeros(self.kind.size, dtype=np.int8)
        d[self.rows_of(Kind.QUEUED)] = 1
        d[self.rows_of(Kind.BLOCKED)] = 1
        d[self.rows_of(Kind.STARTED)] = -1
        d[self.blocked_yard_in_rows] = -1
        return d

    @property
    def approach_delta(self) -> np.ndarray:
        d = np.zeros(self.kind.size, dtype=np.int8)
        d[self.rows_of(Kind.BLOCKED)] = 1
        d[self.blocked_yard_in_rows] = -1
        return d

    @property
    def system_delta(self) -> np.ndarray:
        d = np.zeros(self.kind.size, dtype=np.int8)
        d[self.rows_of(Kind.ARRIVED)] = 1
        d[self.rows_of(Kind.CROSSED)] = -1
        return d

    @cached_property
    def _by_stage(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        return {}

    def stage_rows(self, kind: Kind, stage: int) -> np.ndarray:
        """The gate's rows of ``kind`` at stage code ``stage`` (ascending).

        A kind's rows are grouped by stage once (a stable sort keeps each
        stage's rows ascending); each stage is then a slice.
        """
        grouped = self._by_stage.get(kind)
        if grouped is None:
            rows = self.rows_of(kind)
            stages = self.stage[rows]
            order = np.argsort(stages, kind="stable")
            bounds = np.r_[0, np.cumsum(np.bincount(stages, minlength=256))]
            grouped = self._by_stage[kind] = (rows[order], bounds)
        rows, bounds = grouped
        return rows[bounds[stage] : bounds[stage + 1]]

    def role_ended(self, role: str) -> np.ndarray | None:
        """ENDED rows at the stages with ``role`` (None when the gate has no such stage).

        Tax is due when the declaration stage ends, fees when the fee stage ends.
        """
        codes = [self.stage_code(s["id"]) for s in self.meta["stages"] if s["role"] == role]
        if not codes:
            return None
        parts = [self.stage_rows(Kind.ENDED, c) for c in codes]
        return parts[0] if len(parts) == 1 else np.sort(np.concatenate(parts))

    def paid(self, role: str, column: str, t_from: float = -np.inf, t_to: float = np.inf) -> float:
        """Sum of a payload column over trucks whose ``role`` stage ended in ``[t_from, t_to)``."""
        rows = self.role_ended(role)
        if rows is None:
            return float("nan")
        t = self.t[rows]
        rows = rows[(t >= t_from) & (t < t_to)]
        return float(self.log.payload[column][self.truck[rows]].sum())

    def stage_code(self, stage_id: str) -> int:
        return self.log.meta["stages"].index(stage_id)

    @property
    def yard_code(self) -> int:
        return YARD_STAGE


def gate_views(log: LogData) -> list[GateView]:
    return [GateView(log, i, g) for i, g in enumerate(log.meta["gates"])]


def iter_gate_views(log: LogData) -> Iterator[GateView]:
    """The gate views one at a time: each view's cached row sets are freed
    before the next gate's are built."""
    for i, g in enumerate(log.meta["gates"]):
        yield GateView(log, i, g)

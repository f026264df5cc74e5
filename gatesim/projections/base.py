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
    "iter_gate_views",
    "level_at",
    "levels_at_instants",
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


def levels_at_instants(pos: np.ndarray, plus: np.ndarray, minus: np.ndarray, n: int) -> np.ndarray:
    """Level of a step function at ``n`` sorted instants, from per-event positions.

    ``pos[i]`` is the first instant at or after event ``i`` (``searchsorted(at,
    t, "left")``), computed once per gate and shared by every series; ``plus``
    and ``minus`` select the events that add and remove one. Equal to
    ``level_at(*step_levels(t, delta), at)`` (events at an instant count), in
    two bincounts instead of a cumulative sum and a search per series.
    """
    up = np.bincount(pos[plus], minlength=n + 1)[:n]
    down = np.bincount(pos[minus], minlength=n + 1)[:n]
    return np.cumsum(up - down).astype(float)


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
    carry = 0
    for lo in range(0, n, FOLD_BLOCK):
        hi = min(n, lo + FOLD_BLOCK)
        level = np.cumsum(delta[lo:hi], dtype=np.int32)
        level += carry
        carry = int(level[-1])
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
    carry = 0
    for lo in range(0, t.size, FOLD_BLOCK):
        hi = min(t.size, lo + FOLD_BLOCK)
        level = np.cumsum(delta[lo:hi], dtype=np.int32)
        level += carry
        pick = (idx > lo) & (idx <= hi)
        out[pick] = level[idx[pick] - 1 - lo]
        carry = int(level[-1])
    return out


@dataclass(frozen=True)
class GateView:
    """The rows of one gate, with the masks projections keep asking for."""

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

    def of(self, kind: Kind, stage: int | None = None) -> np.ndarray:
        m = self.kind == kind
        if stage is not None:
            m &= self.stage == stage
        return m

    @cached_property
    def unblocked_yard_in(self) -> np.ndarray:
        """YARD_IN rows of trucks that were never blocked (they did not wait)."""
        yin = self.of(Kind.YARD_IN)
        blocked = self.truck[self.of(Kind.BLOCKED)]
        if blocked.size == 0:
            return yin
        # a lookup by truck id on the YARD_IN rows only (np.isin over every row was 2x slower)
        was_blocked = np.zeros(int(self.truck.max()) + 1, dtype=bool)
        was_blocked[blocked] = True
        rows = np.flatnonzero(yin)
        yin[rows] = ~was_blocked[self.truck[rows]]
        return yin

    # The deltas are not cached: each is used once per projection, and a
    # cached int8 column per gate is memory held through the whole fold.
    @property
    def waiting_delta(self) -> np.ndarray:
        """+1 when a truck starts waiting (queue or approach), -1 when it stops."""
        k = self.kind
        d = np.zeros(k.size, dtype=np.int8)
        d[(k == Kind.QUEUED) | (k == Kind.BLOCKED)] = 1
        d[(k == Kind.STARTED) | ((k == Kind.YARD_IN) & ~self.unblocked_yard_in)] = -1
        return d

    @property
    def approach_delta(self) -> np.ndarray:
        k = self.kind
        d = np.zeros(k.size, dtype=np.int8)
        d[k == Kind.BLOCKED] = 1
        d[(k == Kind.YARD_IN) & ~self.unblocked_yard_in] = -1
        return d

    @property
    def system_delta(self) -> np.ndarray:
        k = self.kind
        d = np.zeros(k.size, dtype=np.int8)
        d[k == Kind.ARRIVED] = 1
        d[k == Kind.CROSSED] = -1
        return d

    def stage_delta(self, stage: int) -> np.ndarray:
        """+1 when a truck joins the stage (queue), -1 when its service ends."""
        on = self.stage == stage
        k = self.kind
        d = np.zeros(k.size, dtype=np.int8)
        d[on & (k == Kind.QUEUED)] = 1
        d[on & (k == Kind.ENDED)] = -1
        return d

    def yard_delta(self) -> np.ndarray:
        k = self.kind
        d = np.zeros(k.size, dtype=np.int8)
        d[k == Kind.YARD_IN] = 1
        d[k == Kind.YARD_OUT] = -1
        return d

    def role_ended(self, role: str) -> np.ndarray | None:
        """ENDED rows at the stages with ``role`` (None when the gate has no such stage).

        Tax is due when the declaration stage ends, fees when the fee stage ends.
        """
        codes = [self.stage_code(s["id"]) for s in self.meta["stages"] if s["role"] == role]
        if not codes:
            return None
        # a 256-entry lookup table by stage code: one gather, not np.isin's sort
        is_role = np.zeros(256, dtype=bool)
        is_role[codes] = True
        return (self.kind == Kind.ENDED) & is_role[self.stage]

    def paid(self, role: str, column: str, mask: np.ndarray | None = None) -> float:
        """Sum of a payload column over trucks whose ``role`` stage ended (within ``mask``)."""
        m = self.role_ended(role)
        if m is None:
            return float("nan")
        if mask is not None:
            m = m & mask
        return float(self.log.payload[column][self.truck[m]].sum())

    def stage_code(self, stage_id: str) -> int:
        return self.log.meta["stages"].index(stage_id)

    @property
    def yard_code(self) -> int:
        return YARD_STAGE


def gate_views(log: LogData) -> list[GateView]:
    return [GateView(log, i, g) for i, g in enumerate(log.meta["gates"])]


def iter_gate_views(log: LogData) -> Iterator[GateView]:
    """The gate views one at a time: each view's cached masks are freed
    before the next gate's are built."""
    for i, g in enumerate(log.meta["gates"]):
        yield GateView(log, i, g)

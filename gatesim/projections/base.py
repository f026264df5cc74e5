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

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData

__all__ = [
    "GateView",
    "RowSets",
    "daily_instants",
    "fold_mean_max",
    "gate_views",
    "iter_gate_views",
    "levels_at",
    "rows_level",
    "settled_rows",
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


# Rows per block in the streaming fold: temporaries stay a few MB whatever
# the horizon (a year's gate has ~4.4M rows).
FOLD_BLOCK = 1 << 20

# A level given by row sets: it rises by one at each row of the ``plus`` sets
# and falls by one at each row of the ``minus`` sets (trucks waiting: QUEUED
# and BLOCKED rows add, STARTED and YARD_IN-after-BLOCKED rows remove).
RowSets = tuple[np.ndarray, ...]


def settled_rows(t: np.ndarray) -> np.ndarray:
    """True at the last row of each instant: the level after it holds for a while."""
    out = np.empty(t.size, dtype=bool)
    np.not_equal(t[1:], t[:-1], out=out[:-1])
    out[-1:] = True
    return out


def rows_where(column: np.ndarray, value: int) -> np.ndarray:
    """``np.flatnonzero(column == value)`` as int32, found a block at a time: a count, then
    the fill (no full-length mask or int64 index array of a year's gate at once)."""
    blocks = range(0, column.size, FOLD_BLOCK)
    counts = [int(np.count_nonzero(column[lo : lo + FOLD_BLOCK] == value)) for lo in blocks]
    out = np.empty(sum(counts), np.int32)
    at = 0
    for lo, n in zip(blocks, counts, strict=True):
        if n:
            out[at : at + n] = np.flatnonzero(column[lo : lo + FOLD_BLOCK] == value) + lo
            at += n
    return out


def steps_delta(n: int, plus: RowSets, minus: RowSets) -> np.ndarray:
    """The level's change at each of ``n`` rows (+1, -1 or 0)."""
    d = np.zeros(n, dtype=np.int8)
    for rows in plus:
        d[rows] = 1
    for rows in minus:
        d[rows] = -1
    return d


def rows_level(upto: np.ndarray, plus: RowSets, minus: RowSets) -> np.ndarray:
    """The level after the first ``upto[k]`` rows, for each k: one search per row set."""
    n = np.zeros(upto.size, dtype=np.int64)
    for rows in plus:
        n += np.searchsorted(rows, upto, side="left")
    for rows in minus:
        n -= np.searchsorted(rows, upto, side="left")
    return n.astype(float)


def levels_at(t: np.ndarray, plus: RowSets, minus: RowSets, at: np.ndarray) -> np.ndarray:
    """The level at instants ``at`` (after the events at each); equals
    ``level_at(*step_levels(t, delta), at)``. ``t`` sorted, row sets ascending."""
    return rows_level(np.searchsorted(t, at, side="right"), plus, minus)


def fold_mean_max(
    t: np.ndarray,
    plus: RowSets,
    minus: RowSets,
    w0: float,
    w1: float,
    settled: np.ndarray | None = None,
) -> tuple[float, float]:
    """Time-average and maximum over ``[w0, w1)`` of the level given by row sets.

    Same definition as ``step_mean_max(*step_levels(t, delta), w0, w1)``: a
    row followed by a row at the same instant lasts zero hours, so its
    (intermediate) level is not a maximum. ``settled`` is
    ``settled_rows(t)``, passed in when several levels of the same rows are
    folded. The mean may differ from the step function's in the last bits.
    """
    if w1 <= w0:
        return float("nan"), float("nan")
    n = t.size
    if n == 0:
        return 0.0, 0.0
    # The area is a sum over the rows that change the level: a +1 at t adds
    # (w1 - t) hours, clipped to the window; a -1 takes them back. No pass
    # over the other rows.
    area = 0.0
    for rows, sign in [(r, 1.0) for r in plus] + [(r, -1.0) for r in minus]:
        area += sign * float(np.sum(w1 - np.clip(t[rows], w0, w1)))
    # The maximum: over the levels after the last row of each instant in
    # [w0, w1), and the level at w0 (which holds from w0 on).
    if settled is None:
        settled = settled_rows(t)
    delta = steps_delta(n, plus, minus)
    k0, k1 = (int(i) for i in np.searchsorted(t, [w0, w1], side="left"))
    carry = int(delta[:k0].sum(dtype=np.int64))
    mx = carry + int(delta[k0 : int(np.searchsorted(t, w0, side="right"))].sum(dtype=np.int64))
    for lo in range(k0, k1, FOLD_BLOCK):
        hi = min(k1, lo + FOLD_BLOCK)
        level = np.cumsum(delta[lo:hi], dtype=np.int32)
        level += carry
        carry = int(level[-1])
        top = int(level.max())
        if top > mx:
            # the block's top counts if it holds at some row (nearly always);
            # else the settled rows' maximum (a masked max costs ~50x a plain one)
            keep = settled[lo:hi]
            if not np.any((level == top) & keep):
                top = int(np.where(keep, level, mx).max())
            mx = top
    return area / (w1 - w0), float(mx)


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
            rows = self._rows[kind] = rows_where(self.kind, kind)
        return rows

    @cached_property
    def blocked_yard_in_rows(self) -> np.ndarray:
        """YARD_IN rows of trucks that were blocked first (they waited on the approach)."""
        yin = self.rows_of(Kind.YARD_IN)
        blocked = self.truck[self.rows_of(Kind.BLOCKED)]
        if blocked.size == 0:
            return yin[:0]
        was_blocked = np.zeros(self.log.n_trucks, dtype=bool)
        was_blocked[blocked] = True
        return yin[was_blocked[self.truck[yin]]]

    # The levels projections fold, as (plus, minus) row sets.
    @property
    def reneged_rows(self) -> tuple[np.ndarray, ...]:
        """The RENEGED rows as a row set to subtract (none when no truck reneged:
        the folds of a log without queue rules are then exactly as before)."""
        rows = self.rows_of(Kind.RENEGED)
        return (rows,) if rows.size else ()

    @property
    def waiting_steps(self) -> tuple[RowSets, RowSets]:
        """+1 when a truck starts waiting (queue or approach), -1 when it stops
        (service starts, yard slot taken, or it gives up)."""
        return (self.rows_of(Kind.QUEUED), self.rows_of(Kind.BLOCKED)), (
            self.rows_of(Kind.STARTED),
            self.blocked_yard_in_rows,
            *self.reneged_rows,
        )

    @property
    def approach_steps(self) -> tuple[RowSets, RowSets]:
        return (self.rows_of(Kind.BLOCKED),), (self.blocked_yard_in_rows,)

    @property
    def system_steps(self) -> tuple[RowSets, RowSets]:
        return (self.rows_of(Kind.ARRIVED),), (self.rows_of(Kind.CROSSED), *self.reneged_rows)

    @cached_property
    def _stage_order(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        return {}

    def stage_order(self, kind: Kind) -> tuple[np.ndarray, np.ndarray]:
        """``(order, bounds)``: ``rows_of(kind)[order]`` are the kind's rows grouped by
        stage code, each stage's ascending; stage ``c``'s are ``order[bounds[c]:bounds[c + 1]]``.

        Found once per kind (a stable radix sort of the stage codes; int32). To
        take a column by stage, gather it by ``rows_of`` (one sweep through the
        gate) and pick each stage's part of that by ``order``: gathering a
        stage's rows directly sweeps the whole gate once per stage (a year:
        ~3x the time).
        """
        grouped = self._stage_order.get(kind)
        if grouped is None:
            stages = self.stage[self.rows_of(kind)]
            counts = np.bincount(stages, minlength=256)
            bounds = np.r_[0, np.cumsum(counts)]
            # = np.argsort(stages, kind="stable"), a stage at a time: no int64 order of
            # the whole kind (a year's largest gate: ~20 MiB at the run's memory peak)
            order = np.empty(stages.size, np.int32)
            for c in np.flatnonzero(counts).tolist():
                order[bounds[c] : bounds[c + 1]] = np.flatnonzero(stages == c)
            grouped = self._stage_order[kind] = (order, bounds)
        return grouped

    def stage_part(self, kind: Kind, stage: int) -> np.ndarray:
        """Positions in ``rows_of(kind)`` of the rows at stage code ``stage`` (ascending)."""
        order, bounds = self.stage_order(kind)
        return order[bounds[stage] : bounds[stage + 1]]

    def stage_rows(self, kind: Kind, stage: int) -> np.ndarray:
        """The gate's rows of ``kind`` at stage code ``stage`` (ascending)."""
        return self.rows_of(kind)[self.stage_part(kind, stage)]

    @cached_property
    def _servers_offset(self) -> int:
        """SERVERS rows of the gates before this one (the log's ``servers`` is in row order)."""
        kind, n = self.log.kind, self._slice.start
        return sum(
            int(np.count_nonzero(kind[lo : min(n, lo + FOLD_BLOCK)] == Kind.SERVERS))
            for lo in range(0, n, FOLD_BLOCK)
        )

    def servers_values(self, rows: np.ndarray) -> np.ndarray:
        """The new server counts of SERVERS rows ``rows`` of this gate (-1: unlimited)."""
        k = np.searchsorted(self.rows_of(Kind.SERVERS), rows)
        return self.log.servers[self._servers_offset + k]

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


def gate_views(log: LogData) -> list[GateView]:
    return [GateView(log, i, g) for i, g in enumerate(log.meta["gates"])]


def iter_gate_views(log: LogData) -> Iterator[GateView]:
    """The gate views one at a time: each view's cached row sets are freed
    before the next gate's are built."""
    for i, g in enumerate(log.meta["gates"]):
        yield GateView(log, i, g)

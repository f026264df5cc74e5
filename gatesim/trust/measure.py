"""Measurement rules: how the model counts what a published figure counts.

Every rule is a pure function of one replication's event log (a projection)
and named keyword settings from the targets file; it returns one number.
Dates are Hanoi calendar dates; an instant is ``date`` at ``hour`` o'clock
Hanoi time. ``gates: all`` (the default) sums over every gate of the log.
Rules are looked up by name in :data:`RULES`; a target naming another is
refused when the targets file is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections.base import GateView, gate_views, levels_at
from gatesim.projections.periods import period_totals

__all__ = ["RULES", "RULE_ARGS", "measure", "required_args", "sim_hour"]


def sim_hour(log: LogData, date: dt.date, hour: float = 0.0) -> float:
    """Sim time (h) of ``hour`` o'clock Hanoi time on ``date``."""
    t0 = dt.datetime.fromisoformat(log.meta["t0"])
    when = dt.datetime.combine(date, dt.time()) + dt.timedelta(hours=hour)
    return (when - t0).total_seconds() / 3600.0


def _views(log: LogData, gates: str | list[str]) -> list[GateView]:
    views = gate_views(log)
    if gates == "all":
        return views
    wanted = [gates] if isinstance(gates, str) else list(gates)
    return [g for g in views if g.meta["id"] in wanted]


def _direction_code(log: LogData, direction: str | None) -> int | None:
    return None if direction is None else log.meta["directions"].index(direction)


def _of_direction(log: LogData, g: GateView, rows: np.ndarray, code: int | None) -> np.ndarray:
    if code is None:
        return rows
    return rows[log.payload["direction"][g.truck[rows]] == code]


def in_system_at(
    log: LogData, date: dt.date, hour: float = 20.0, gates: Any = "all", direction: str | None = None
) -> float:
    """Trucks arrived and not yet crossed at the instant (the bulletins' "still waiting")."""
    at = np.array([sim_hour(log, date, hour)])
    code = _direction_code(log, direction)
    total = 0.0
    for g in _views(log, gates):
        plus = _of_direction(log, g, g.rows_of(Kind.ARRIVED), code)
        minus = _of_direction(log, g, g.rows_of(Kind.CROSSED), code)
        total += float(levels_at(g.t, (plus,), (minus,), at)[0])
    return total


def approach_km_at(log: LogData, date: dt.date, hour: float = 20.0, gates: Any = "all") -> float:
    """Length of the approach-road queue (yard full) at the instant, km (summed over gates)."""
    at = np.array([sim_hour(log, date, hour)])
    km = 0.0
    for g in _views(log, gates):
        n = float(levels_at(g.t, *g.approach_steps, at)[0])
        km += n * g.meta["truck_spacing_m"] / g.meta["approach_lanes"] / 1000.0
    return km


def _days(start: dt.date, end: dt.date) -> int:
    return (end - start).days + 1


def crossings_per_day(
    log: LogData,
    start: dt.date,
    end: dt.date,
    gates: Any = "all",
    direction: str | None = None,
    plus_unmodelled: float = 0.0,
) -> float:
    """Trucks that crossed per day over whole days ``start..end``; ``plus_unmodelled`` adds
    a published figure for gates the model does not have (stated in the target)."""
    a, b = sim_hour(log, start), sim_hour(log, end) + 24.0
    code = _direction_code(log, direction)
    n = 0
    for g in _views(log, gates):
        rows = _of_direction(log, g, g.rows_of(Kind.CROSSED), code)
        t = g.t[rows]
        n += int(np.count_nonzero((t >= a) & (t < b)))
    return n / _days(start, end) + float(plus_unmodelled)


def stage_ended_per_day(log: LogData, start: dt.date, end: dt.date, stage: str, gates: Any = "all") -> float:
    """Services ended per day at ``stage`` (e.g. trucks accepted by the Chinese side)."""
    a, b = sim_hour(log, start), sim_hour(log, end) + 24.0
    code = log.meta["stages"].index(stage)
    n = 0
    for g in _views(log, gates):
        t = g.t[g.stage_rows(Kind.ENDED, code)]
        n += int(np.count_nonzero((t >= a) & (t < b)))
    return n / _days(start, end)


def _totals(log: LogData, start: dt.date, end: dt.date, gates: Any):
    totals = period_totals(log, sim_hour(log, start), sim_hour(log, end) + 24.0)
    if gates != "all":
        wanted = [gates] if isinstance(gates, str) else list(gates)
        totals = totals[totals["gate"].isin(wanted)]
    return totals


def period_total(log: LogData, start: dt.date, end: dt.date, column: str, gates: Any = "all") -> float:
    """A calendar-period total of ``gatesim.projections.periods`` (value_usd, revenue_vnd, ...)."""
    return float(_totals(log, start, end, gates)[column].sum())


def period_share(log: LogData, start: dt.date, end: dt.date, column: str, gate: str, of: list[str]) -> float:
    """``gate``'s share of a period total over the gates ``of``."""
    totals = _totals(log, start, end, of)
    whole = float(totals[column].sum())
    part = float(totals.loc[totals["gate"] == gate, column].sum())
    return part / whole if whole > 0 else float("nan")


RULES: dict[str, Callable[..., float]] = {
    "in_system_at": in_system_at,
    "approach_km_at": approach_km_at,
    "crossings_per_day": crossings_per_day,
    "stage_ended_per_day": stage_ended_per_day,
    "period_total": period_total,
    "period_share": period_share,
}

# Settings each rule takes (besides the log), for the one-line check of a targets file.
RULE_ARGS: dict[str, set[str]] = {
    name: {p for p in fn.__code__.co_varnames[1 : fn.__code__.co_argcount]} for name, fn in RULES.items()
}
_DATE_ARGS = {"date", "start", "end"}


def required_args(rule: str) -> set[str]:
    """The settings ``rule`` has no default for (a target must give them)."""
    import inspect

    params = list(inspect.signature(RULES[rule]).parameters.values())[1:]
    return {p.name for p in params if p.default is inspect.Parameter.empty}


def measure(log: LogData, rule: str, args: dict[str, Any]) -> float:
    """Apply the registered rule ``rule`` with ``args`` (dates as ISO strings or dates)."""
    kw = {
        k: (dt.date.fromisoformat(v) if k in _DATE_ARGS and isinstance(v, str) else v)
        for k, v in args.items()
    }
    return float(RULES[rule](log, **kw))

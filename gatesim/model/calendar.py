"""Sim time, dates and opening hours.

Sim time is hours since 00:00 Hanoi time (UTC+7) on the first simulated day
(the start date minus the warm-up). China time is Hanoi + 1 h, so a Chinese
stage open 08:00-20:00 China time is open 07:00-19:00 in sim terms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from gatesim.scenario.schema import Hours, Scenario

__all__ = ["CHINA_OFFSET_H", "Clock", "open_intervals"]

CHINA_OFFSET_H = 1.0  # China Standard Time (UTC+8) minus Hanoi (UTC+7)


@dataclass(frozen=True)
class Clock:
    """Maps sim hours to dates; fixed by the scenario's start date, warm-up and drain.

    The run is warm-up days, then the measured window of ``days``, then drain
    days in which the window's trucks finish.
    """

    t0: dt.datetime  # Hanoi wall time at sim time 0
    warmup_days: int
    days: int
    drain_days: int = 0

    @classmethod
    def of(cls, scenario: Scenario, days: int) -> Clock:
        cal = scenario.calendar
        t0 = dt.datetime.combine(cal.start_date, dt.time()) - dt.timedelta(days=cal.warmup_days)
        return cls(t0=t0, warmup_days=cal.warmup_days, days=days, drain_days=cal.drain_days)

    @property
    def n_days(self) -> int:
        return self.warmup_days + self.days + self.drain_days

    @property
    def horizon_h(self) -> float:
        return 24.0 * self.n_days

    @property
    def window_h(self) -> tuple[float, float]:
        return 24.0 * self.warmup_days, 24.0 * (self.warmup_days + self.days)

    def date_of_day(self, day: int) -> dt.date:
        return (self.t0 + dt.timedelta(days=day)).date()

    def dates(self) -> list[dt.date]:
        return [self.date_of_day(d) for d in range(self.n_days)]

    def hours_of(self, when: dt.datetime) -> float:
        return (when - self.t0).total_seconds() / 3600.0


def _tz_offset_h(hours: Hours) -> float:
    return CHINA_OFFSET_H if hours.tz == "china" else 0.0


def open_intervals(
    hours: Hours, clock: Clock, closed_dates: frozenset[dt.date]
) -> tuple[np.ndarray, np.ndarray]:
    """Opening intervals ``[opens[i], closes[i])`` in sim hours, one per local day.

    A day's opening is dropped when its local date is a closed date (a Tết
    regime of the gate). Intervals are clipped to ``[0, horizon)``.
    """
    off = _tz_offset_h(hours)
    if hours.close_h <= hours.open_h:
        empty = np.empty(0)
        return empty, empty
    # One day either side: a Chinese day starts at 23:00 Hanoi time the day before.
    # Vectorised, with the scalar loop's float operations in its order (the same doubles).
    day = np.arange(-1, clock.n_days + 1)
    if closed_dates:
        first = clock.date_of_day(0).toordinal()
        shut = np.fromiter((d.toordinal() - first for d in closed_dates), np.int64, len(closed_dates))
        day = day[~np.isin(day, shut)]
    o = np.maximum(24.0 * day + hours.open_h - off, 0.0)
    c = np.minimum(24.0 * day + hours.close_h - off, clock.horizon_h)
    kept = c > o
    return np.ascontiguousarray(o[kept], dtype=float), np.ascontiguousarray(c[kept], dtype=float)

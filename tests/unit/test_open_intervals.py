"""A stage's opening intervals: the vectorised form gives the day-by-day loop's doubles."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from gatesim.model.calendar import CHINA_OFFSET_H, Clock, open_intervals
from gatesim.scenario.schema import Hours

TET = frozenset(dt.date(2026, 2, 16) + dt.timedelta(days=i) for i in range(5))
EDGES = frozenset({dt.date(2025, 12, 28), dt.date(2025, 12, 29), dt.date(2026, 1, 5)})


def _day_by_day(hours: Hours, clock: Clock, closed: frozenset[dt.date]) -> tuple[np.ndarray, np.ndarray]:
    off = CHINA_OFFSET_H if hours.tz == "china" else 0.0
    opens, closes = [], []
    for day in range(-1, clock.n_days + 1):
        if clock.date_of_day(day) in closed:
            continue
        o = max(24.0 * day + hours.open_h - off, 0.0)
        c = min(24.0 * day + hours.close_h - off, clock.horizon_h)
        if c > o:
            opens.append(o)
            closes.append(c)
    return np.asarray(opens, dtype=float), np.asarray(closes, dtype=float)


@pytest.mark.parametrize("tz", ["hanoi", "china"])
@pytest.mark.parametrize("open_h, close_h", [(0, 24), (7.5, 17.25), (0, 1), (23, 24), (0.1, 23.9)])
@pytest.mark.parametrize("days", [1, 60])
@pytest.mark.parametrize("closed", [frozenset(), TET, EDGES])
def test_the_same_doubles_as_the_day_by_day_loop(tz, open_h, close_h, days, closed):
    clock = Clock(t0=dt.datetime(2025, 12, 29), warmup_days=3, days=days, drain_days=3)
    hours = Hours(tz=tz, open_h=open_h, close_h=close_h)
    want, got = _day_by_day(hours, clock, closed), open_intervals(hours, clock, closed)
    assert want[0].size > 0
    for w, g in zip(want, got):
        assert w.dtype == g.dtype and w.tobytes() == g.tobytes()


def test_a_closed_date_drops_its_opening():
    clock = Clock(t0=dt.datetime(2026, 2, 10), warmup_days=0, days=14)
    opens, _ = open_intervals(Hours(open_h=8, close_h=18), clock, TET)
    assert opens.size == 14 - 5 and 24.0 * 6 + 8 not in opens and 24.0 * 5 + 8 in opens

"""Scores of a prediction against published counts, on constructed series."""

from __future__ import annotations

import math

import pytest

from gatesim.evidence.bulletins import parse_count
from gatesim.trust.holdout_score import band, change_error, coverage, inside, interval, pooled


def _c(text: str):
    c = parse_count(text)
    assert c is not None
    return c


def test_a_band_that_covers_nine_of_ten_points_gives_0_9():
    counts = [_c(str(v)) for v in range(10, 110, 10)]  # 10, 20, ..., 100
    lows = [v - 5 for v in range(10, 110, 10)]
    highs = [v + 5 for v in range(10, 110, 10)]
    highs[-1] = 90  # the last band (85-90) misses 100
    assert coverage(counts, lows, highs) == pytest.approx(0.9)


def test_a_published_qualifier_is_the_interval_it_allows():
    assert interval(_c(">750")) == (750, math.inf)
    assert interval(_c("<200")) == (0.0, 200)
    assert interval(_c("70-90")) == (70, 90)
    assert interval(_c("~3000")) == (3000, 3000)
    assert inside(_c(">750"), 100, 800) and not inside(_c(">750"), 100, 700)
    assert inside(_c("70-90"), 85, 170) and not inside(_c("70-90"), 91, 170)
    assert not inside(_c("500"), math.nan, math.nan)  # no worlds ran: not covered


def test_the_error_in_changes_on_known_differences():
    published = [100, 150, 120, 200]  # changes +50, -30, +80
    model = [90, 100, 110, 110]  # changes +10, +10, 0
    e = change_error(published, model)
    assert e.n == 3
    assert e.mae == pytest.approx((40 + 40 + 80) / 3)
    assert e.scale == pytest.approx((50 + 30 + 80) / 3)
    # a change ending at a point the inputs were built from is not counted
    e2 = change_error(published, model, [True, False, True, True])
    assert e2.n == 2 and e2.mae == pytest.approx((40 + 80) / 2)
    assert change_error([5], [6]).n == 0 and math.isnan(change_error([5], [6]).mae)
    both = pooled([e, e2])
    assert both.n == 5 and both.mae == pytest.approx((3 * e.mae + 2 * e2.mae) / 5)


def test_the_band_is_the_worlds_5_to_95_percent():
    b = band([float(x) for x in range(101)] + [math.nan])
    assert (b.low, b.median, b.high, b.worlds) == (5.0, 50.0, 95.0, 101)
    assert band([]).worlds == 0

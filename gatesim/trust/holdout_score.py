"""Scores of a prediction against published counts: band coverage and the error in changes.

Pure functions of numbers (no model, no log). A published count is an interval: ``750`` is
[750, 750], ``~3000`` is [3000, 3000] (the document's "about" is not widened), ``>750`` is
[750, inf), ``<200`` is [0, 200], ``80-100`` is [80, 100]. A point is inside the band when that
interval meets the band [5%, 95%] of the worlds' values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gatesim.evidence.bulletins import Count

__all__ = ["band", "change_error", "inside", "interval", "pooled", "reference"]

LOW_Q, HIGH_Q = 0.05, 0.95


@dataclass(frozen=True)
class Band:
    low: float  # the worlds' 5% quantile
    median: float
    high: float  # the worlds' 95% quantile
    worlds: int  # how many worlds' values it is drawn from


def band(values: Sequence[float]) -> Band:
    """The 5%, 50% and 95% quantiles of the worlds' values (NaN ones left out)."""
    x = np.asarray(values, float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return Band(math.nan, math.nan, math.nan, 0)
    lo, med, hi = np.quantile(x, [LOW_Q, 0.5, HIGH_Q])
    return Band(float(lo), float(med), float(hi), int(x.size))


def interval(count: Count) -> tuple[float, float]:
    """The values a published count allows (see the module docstring)."""
    if count.qualifier == "over":
        return count.value, math.inf
    if count.qualifier == "under":
        return 0.0, count.value
    return count.value, count.high if count.high is not None else count.value


def reference(count: Count) -> float:
    """One number for a count's changes: a range's middle, else the stated number (an 'over' or
    'under' bound taken as it stands)."""
    return count.mid


def inside(count: Count, low: float, high: float) -> bool:
    """Whether the count's interval meets the band [low, high] (False for an empty band)."""
    if math.isnan(low) or math.isnan(high):
        return False
    a, b = interval(count)
    return a <= high and b >= low


def coverage(counts: Sequence[Count], lows: Sequence[float], highs: Sequence[float]) -> float:
    """The share of counts inside their band; NaN for none."""
    if not counts:
        return math.nan
    hits = [inside(c, lo, hi) for c, lo, hi in zip(counts, lows, highs, strict=True)]
    return sum(hits) / len(hits)


@dataclass(frozen=True)
class ChangeError:
    mae: float  # mean |model change - published change|
    scale: float  # mean |published change|: the size of the changes being predicted
    n: int  # changes compared


def change_error(
    published: Sequence[float], model: Sequence[float], scored: Sequence[bool] | None = None
) -> ChangeError:
    """Successive differences of the published series against the model's at the same instants.

    ``published`` and ``model`` are levels at the same instants in time order; each difference
    is the change from one published point to the next (days apart as published). ``scored``:
    per point, whether a change ending there counts (a change ending at a point the inputs were
    built from does not); default all.
    """
    p, m = np.asarray(published, float), np.asarray(model, float)
    if p.size != m.size:
        raise ValueError("the published and model series have different lengths")
    keep = np.ones(p.size, bool) if scored is None else np.asarray(scored, bool)
    if p.size < 2 or not keep[1:].any():
        return ChangeError(math.nan, math.nan, 0)
    dp, dm = np.diff(p)[keep[1:]], np.diff(m)[keep[1:]]
    return ChangeError(float(np.mean(np.abs(dm - dp))), float(np.mean(np.abs(dp))), int(dp.size))


def pooled(errors: Sequence[ChangeError]) -> ChangeError:
    """Several series' change errors as one (each change weighs the same)."""
    used = [e for e in errors if e.n]
    n = sum(e.n for e in used)
    if not n:
        return ChangeError(math.nan, math.nan, 0)
    return ChangeError(sum(e.mae * e.n for e in used) / n, sum(e.scale * e.n for e in used) / n, n)

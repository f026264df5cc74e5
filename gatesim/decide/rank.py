"""Constraint checks over replications, and ranking and selection among candidates.

Why these procedures (see docs/decisions.md): every candidate is run with the
same seeds (common random numbers), so differences between candidates are
paired. The final check is a paired-t comparison with a Bonferroni split of
the error rate, a procedure valid for any number of replications and cheap to
explain; it uses the pairing directly (the variance of differences, which CRN
makes small). A sequential procedure such as Kim-Nelson (KN) would save runs
on large candidate sets, but our sets are a handful of configurations already
run, and a fixed second stage keeps evaluations reproducible and resumable as
plain sweep tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from gatesim.decide.spec import Constraint

__all__ = ["check_constraint", "indistinguishable_from_best", "pivot"]


@dataclass(frozen=True)
class ConstraintResult:
    ok: bool
    violation: float  # <= 0 when met; > 0: by how much, as a fraction of the bound's size
    detail: str
    value: float = float("nan")  # the KPI compared with the bound (at the worst gate)
    gate: str = ""  # the worst gate
    noise: float = float("nan")  # the violation's 95% CI half-width over replications (same unit)


def pivot(rows: pd.DataFrame, kpi: str, gates: list[str]) -> pd.DataFrame:
    """Replications x gates table of one KPI (NaN where a gate has no value)."""
    t = rows.pivot_table(index="replication", columns="gate", values=kpi, aggfunc="first", dropna=False)
    return t.reindex(columns=gates).astype(float).sort_index()


def _scale(bound: float) -> float:
    return abs(bound) if bound != 0 else 1.0


def check_constraint(c: Constraint, table: pd.DataFrame) -> ConstraintResult:
    """Is constraint ``c`` met by this candidate's replications x gates table?

    share: the ``share``-quantile (inverted CDF) of each replication's worst
    gate (signed distance past the bound) must be <= 0, which is the same as
    "the bound holds at every gate in at least ``share`` of replications".
    confidence: at each gate the one-sided confidence bound of the mean
    (Student t, level split over the gates by Bonferroni) must be within the
    bound. A missing value (no truck crossed) counts as a violation.
    """
    v = table.to_numpy(dtype=float)
    n = v.shape[0]
    past = c.sense * (v - c.bound)  # > 0: beyond the bound
    past = np.where(np.isnan(past), np.inf, past)
    scale = _scale(c.bound)
    if c.share is not None:
        worst = past.max(axis=1)
        q = float(np.quantile(worst, c.share, method="inverted_cdf"))
        met = float(np.mean(worst <= 0))
        viol = q / scale
        at = c.bound + c.sense * q  # the KPI at the worst gate, at the share's quantile
        gates = [str(table.columns[j]) for j in np.argmax(past, axis=1)] if past.size else [""]
        return ConstraintResult(
            viol <= 0,
            viol,
            f"met in {met:.0%} of {n} replications ({c.share:.0%} quantile of the worst gate {at:.4g}, bound {c.bound:g})",
            at,
            max(sorted(set(gates)), key=gates.count),  # the gate worst most often (ties: by name)
            _half(worst) / scale,
        )
    assert c.confidence is not None  # the validator: share or confidence
    k = v.shape[1]
    if n < 2:
        return ConstraintResult(False, np.inf, "fewer than 2 replications")
    alpha = (1.0 - c.confidence) / k
    t = float(stdtrit(n - 1, 1.0 - alpha))
    mean = np.nanmean(v, axis=0) if not np.isnan(v).all() else np.full(k, np.nan)
    sd = np.nanstd(v, axis=0, ddof=1)
    cb = mean + c.sense * t * sd / np.sqrt(n)
    gaps = c.sense * (cb - c.bound)
    gaps = np.where(np.isnan(gaps) | np.isnan(v).any(axis=0), np.inf, gaps)
    worst = int(np.argmax(gaps))
    viol = float(gaps[worst]) / scale
    side = "upper" if c.sense > 0 else "lower"
    return ConstraintResult(
        viol <= 0,
        viol,
        f"{side} {c.confidence:.0%} bound {cb[worst]:.4g} at {table.columns[worst]} ({n} replications)",
        float(mean[worst]),
        str(table.columns[worst]),
        _half(v[:, worst]) / scale,
    )


def _half(values: np.ndarray) -> float:
    """95% CI half-width of the mean of finite values; 0 (not known) with fewer than two."""
    from gatesim.stats import ci_half_width

    v = np.asarray(values, dtype=float)
    h = ci_half_width(v[np.isfinite(v)])
    return h if np.isfinite(h) else 0.0


def indistinguishable_from_best(values: np.ndarray, confidence: float) -> tuple[int, list[int]]:
    """Paired-t subset selection: the best column (lowest mean) and the others it does not beat.

    ``values`` is replications x candidates, the same replications (seeds) in
    every column. Candidate j is set apart from the best when the one-sided
    lower confidence bound of mean(x_j - x_best) is above 0 at level
    ``1 - (1 - confidence) / (k - 1)`` (Bonferroni over the k - 1 comparisons).
    """
    values = np.asarray(values, dtype=float)
    n, k = values.shape
    best = int(np.argmin(values.mean(axis=0)))
    if k == 1 or n < 2:
        return best, []
    alpha = (1.0 - confidence) / (k - 1)
    t = float(stdtrit(n - 1, 1.0 - alpha))
    close = []
    for j in range(k):
        if j == best:
            continue
        d = values[:, j] - values[:, best]
        lo = d.mean() - t * d.std(ddof=1) / np.sqrt(n)
        if not lo > 0:
            close.append(j)
    return best, close

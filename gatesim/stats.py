"""Confidence intervals over replications."""

from __future__ import annotations

import numpy as np
import pandas as pd

# scipy.special, not scipy.stats: the same Student-t functions (stats.t calls
# them) without 60 MB of imports in every run
from scipy.special import stdtrit

from gatesim.projections.kpis import KPI_COLUMNS, is_stage_kpi

__all__ = ["ci_half_width", "ci_table", "mean_ci_text", "summary_ci"]


def ci_half_width(values: np.ndarray, level: float = 0.95) -> float:
    """Student-t half-width of the mean's CI; NaN with fewer than 2 values."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size < 2:
        return float("nan")
    return float(stdtrit(v.size - 1, 0.5 + level / 2) * v.std(ddof=1) / np.sqrt(v.size))


def mean_ci_text(values, digits: int, scale: float = 1.0, empty: str = "–") -> str:
    """A table's cell: the mean over replications ± its 95% CI half-width, scaled, to ``digits``
    (the mean alone from one value: no interval; ``empty`` from none)."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float) * scale
    v = v[~np.isnan(v)]
    if v.size == 0:
        return empty
    half = ci_half_width(v)
    mean = f"{v.mean():,.{digits}f}"
    return mean if np.isnan(half) else f"{mean} ± {half:,.{digits}f}"


def summary_ci(summary: pd.DataFrame, kpis: list[str], by: list[str]) -> pd.DataFrame:
    """Per group and KPI: n, mean, 95% CI half-width and bounds (long format)."""
    rows = []
    for key, grp in summary.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        for kpi in kpis:
            v = pd.to_numeric(grp[kpi], errors="coerce").to_numpy(dtype=float)
            ok = v[~np.isnan(v)]
            mean = float(ok.mean()) if ok.size else float("nan")
            half = ci_half_width(ok)
            rows.append((*key, kpi, int(ok.size), mean, half, mean - half, mean + half))
    return pd.DataFrame(rows, columns=[*by, "kpi", "n", "mean", "ci95_half", "ci95_low", "ci95_high"])


def ci_table(summary: pd.DataFrame) -> pd.DataFrame:
    """``summary_ci.csv``: the CI of every KPI and utilisation, per scenario and gate."""
    kpis = [c for c in summary.columns if c in KPI_COLUMNS or is_stage_kpi(c)]
    return summary_ci(summary, kpis, by=["scenario", "gate"])

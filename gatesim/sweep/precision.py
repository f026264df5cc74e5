"""Replications sized to a precision: stop when every named KPI's 95% half-width is within the target.

The rule is checked after each replication (from ``MIN_REPLICATIONS`` on), at
every gate, on the Student-t half-width of the mean over replications
(``gatesim.stats.ci_half_width``, as in summary_ci.csv). Sequential stopping
of this kind slightly under-covers when n is small (the half-width is itself
noisy); the minimum of 3 replications and reporting the achieved half-widths
keep that visible (Law, Simulation Modeling and Analysis, 5th ed., 9.4.1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gatesim.errors import InputError
from gatesim.stats import ci_half_width

__all__ = ["DEFAULT_MAXIMUM", "MIN_REPLICATIONS", "PrecisionRule", "ci_options"]

MIN_REPLICATIONS = 3
DEFAULT_MAXIMUM = 50  # replications, when --ci-target is given without --replications


def ci_options(ci_target: str | None, ci_kpis: tuple[str, ...]) -> float | None:
    """``--ci-target`` as a fraction (None when not given), its ``--ci-kpi`` names checked."""
    if ci_target is None:
        if ci_kpis:
            raise InputError("--ci-kpi needs --ci-target", key="--ci-kpi", given=ci_kpis[0])
        return None
    from gatesim.projections.kpis import check_kpi

    for k in ci_kpis:
        check_kpi(k, "--ci-kpi", None)
    return parse_target(ci_target)


def parse_target(text: str) -> float:
    """``"5%"`` or ``"0.05"`` -> 0.05."""
    t = text.strip()
    try:
        value = float(t[:-1]) / 100.0 if t.endswith("%") else float(t)
    except ValueError:
        raise InputError(
            "not a relative precision", key="--ci-target", given=text, allowed='e.g. "5%" or 0.05'
        ) from None
    if not 0 < value < 1 or math.isnan(value):
        raise InputError("out of range", key="--ci-target", given=text, allowed="above 0% and below 100%")
    return value


@dataclass
class PrecisionRule:
    """Callable stop rule: ``rule(summaries)`` is True once every (gate, KPI) is precise enough."""

    target: float
    kpis: list[str]
    maximum: int
    table: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __call__(self, summaries: list[pd.DataFrame]) -> bool:
        df = pd.concat(summaries, ignore_index=True)
        rows = []
        for gate, grp in df.groupby("gate", sort=False):
            for kpi in self.kpis:
                v = pd.to_numeric(grp[kpi], errors="coerce").to_numpy(dtype=float)
                v = v[~np.isnan(v)]
                mean = float(v.mean()) if v.size else math.nan
                half = ci_half_width(v)
                ok = bool(v.size == 0 or (v.size >= 2 and half <= self.target * abs(mean)))
                rel = half / abs(mean) if v.size >= 2 and mean != 0 else (0.0 if half == 0 else math.nan)
                rows.append((gate, kpi, int(v.size), mean, half, rel, ok))
        self.table = pd.DataFrame(
            rows, columns=["gate", "kpi", "n", "mean", "ci95_half", "relative_half", "met"]
        )
        return len(summaries) >= MIN_REPLICATIONS and bool(self.table["met"].all())

    @property
    def met(self) -> bool:
        return not self.table.empty and bool(self.table["met"].all())

    def text(self, replications: int) -> str:
        t = self.table
        if self.met:
            worst = t.loc[t["relative_half"].fillna(0).idxmax()]
            return (
                f"ci-target {self.target:.1%}: met after {replications} replications "
                f"(widest: {worst['kpi']} at {worst['gate']}, ±{worst['relative_half']:.1%} of the mean)"
            )
        miss = t[~t["met"]]
        parts = ", ".join(f"{r.kpi} at {r.gate} ±{r.relative_half:.1%}" for r in miss.itertuples())
        return (
            f"ci-target {self.target:.1%}: NOT met; the maximum of {self.maximum} replications was reached "
            f"({parts}); raise --replications or loosen the target"
        )

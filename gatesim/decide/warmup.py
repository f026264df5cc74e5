"""Warm-up check: MSER-5 on each gate's hourly series of trucks in the system.

MSER-5 (White, Cobb and Spratt 2000; White 1997): average the series in
batches of 5, and truncate the first d batches where d minimises the squared
standard error of the truncated mean, ``sum_{i>d} (z_i - mean_d)^2 / (n - d)^2``,
searching d in the first half of the series only (a minimum beyond it means
the run is too short to tell). Applied here to the replications' average
series after the configured warm-up: a truncation point d > 0 means the rule
would cut more than the configured warm-up. Arrivals follow a daily cycle,
which MSER would read as drift: the series' mean by hour of day is taken out
first (a transient is not periodic, so it stays), the check needs at least
``MIN_WINDOW_H`` hours of window, and only a truncation point of at least
``TOLERANCE_H`` hours (a whole cycle) is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["check_warmup"]

BATCH = 5
TOLERANCE_H = 24
MIN_WINDOW_H = 96  # four daily cycles: fewer leave too little to tell a transient from the cycle
SERIES = "in_system"


def mser_truncation(y: np.ndarray, batch: int = BATCH) -> tuple[int, bool]:
    """(truncation point in observations, whether the minimum sits at the searched half's end)."""
    y = np.asarray(y, dtype=float)
    n = y.size // batch
    if n < 4:
        return 0, False
    z = y[: n * batch].reshape(n, batch).mean(axis=1)
    # suffix sums give every truncated mean and sum of squares in O(n)
    s1 = np.cumsum(z[::-1])[::-1]
    s2 = np.cumsum((z * z)[::-1])[::-1]
    d = np.arange(n // 2 + 1)
    m = n - d
    sse = s2[d] - s1[d] ** 2 / m
    mser = sse / m.astype(float) ** 2
    best = int(np.argmin(mser))
    return best * batch, best == d[-1]


@dataclass(frozen=True)
class WarmupCheck:
    gate: str
    truncation_h: int
    at_limit: bool
    warmup_h: float

    @property
    def short(self) -> bool:
        # a minimum at the end of the searched half is no truncation point (White 1997):
        # the run is too short or the gate never settles (overloaded), not a warm-up question
        return self.truncation_h >= TOLERANCE_H and not self.at_limit

    @property
    def suggested_warmup_days(self) -> int:
        """Whole days that would cover the configured warm-up plus the truncation point."""
        return int(np.ceil((self.warmup_h + self.truncation_h) / 24.0))

    def warning(self, gate_name: str) -> str:
        # Said so that a newcomer knows what it means and acts on the command line, not on a
        # calibrated scenario file: the figures are still valid for the window as simulated.
        return (
            f"note: at {gate_name} the number of trucks in the system is still settling "
            f"{self.truncation_h} h into the window (MSER-5, after {self.warmup_h:g} h of warm-up), "
            "so the window's means include part of the start-up from empty; for steady-state figures "
            f"add --set calendar.warmup_days={self.suggested_warmup_days} (the scenario file need not change)"
        )


def deseasonalise(y: np.ndarray, t_h: np.ndarray) -> np.ndarray:
    """The series less its mean at each hour of day (plus the overall mean)."""
    hod = np.mod(np.floor(t_h), 24).astype(int)
    means = np.bincount(hod, weights=y, minlength=24) / np.maximum(np.bincount(hod, minlength=24), 1)
    return y - means[hod] + y.mean()


def check_warmup(timeseries: pd.DataFrame, warmup_days: float) -> list[WarmupCheck]:
    """One check per gate on the replications' mean hourly ``in_system`` series."""
    out: list[WarmupCheck] = []
    if SERIES not in timeseries.columns:
        return out
    for gate, grp in timeseries.groupby("gate", sort=False):
        series = grp.groupby("t_h", sort=True)[SERIES].mean()
        if series.size < MIN_WINDOW_H:
            continue
        y = deseasonalise(series.to_numpy(dtype=float), series.index.to_numpy(dtype=float))
        d, at_limit = mser_truncation(y)
        out.append(WarmupCheck(str(gate), d, at_limit, warmup_days * 24.0))
    return out

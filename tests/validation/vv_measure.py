"""Figures measured on gatesim's event log, independently of its projections.

Per-stage waits are QUEUED -> STARTED at that stage; trucks in the system
are those with an ARRIVED and no CROSSED yet. These are folds over the raw
log written here, so a check does not lean on the code it checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.run import run_replication
from gatesim.scenario.schema import Scenario

__all__ = [
    "CHINA_MINUS_HANOI_H",
    "MeanCI",
    "crossing_times",
    "erlang_c_wait_h",
    "mean_ci",
    "pk_md1_wait_h",
    "replicate",
    "stage_waits_h",
    "window",
]

# China Standard Time is UTC+8 and Hanoi (Indochina Time) UTC+7, all year:
# neither observes daylight saving. Written out here, not imported, so the
# check is independent of gatesim.model.calendar.
CHINA_MINUS_HANOI_H = 1.0


def erlang_c_wait_h(lam_per_h: float, mean_service_h: float, servers: int) -> float:
    """M/M/c mean wait in queue (Erlang C), hours; Erlang B by its stable recursion."""
    a = lam_per_h * mean_service_h  # offered load, Erlangs
    if a >= servers:
        return float("inf")
    b = 1.0
    for k in range(1, servers + 1):
        b = a * b / (k + a * b)
    rho = a / servers
    c = b / (1.0 - rho * (1.0 - b))  # probability of waiting
    return c * mean_service_h / (servers - a)


def pk_md1_wait_h(lam_per_h: float, service_h: float) -> float:
    """M/D/1 mean wait in queue, Pollaczek-Khinchine with zero service variance."""
    rho = lam_per_h * service_h
    return float("inf") if rho >= 1 else lam_per_h * service_h**2 / (2.0 * (1.0 - rho))


class MeanCI:
    """Mean of per-replication values with a Student-t 95% CI half-width."""

    def __init__(self, values: list[float] | np.ndarray) -> None:
        v = np.asarray(values, dtype=float)
        self.values = v
        self.n = int(v.size)
        self.mean = float(v.mean())
        self.half = (
            float(stats.t.ppf(0.975, self.n - 1) * v.std(ddof=1) / np.sqrt(self.n))
            if self.n > 1
            else float("nan")
        )

    def covers(self, expected: float, rel_tol: float) -> bool:
        """Expected value inside the CI widened by ``rel_tol`` of it."""
        return abs(self.mean - expected) <= self.half + rel_tol * abs(expected)

    def __repr__(self) -> str:
        return f"{self.mean:.6g} ± {self.half:.2g} (n={self.n})"


def mean_ci(values: list[float] | np.ndarray) -> MeanCI:
    return MeanCI(values)


def window(log: LogData) -> tuple[float, float]:
    return float(log.meta["window_start_h"]), float(log.meta["window_end_h"])


def replicate(
    scenario: Scenario, days: int, reps: int, seed: int, fold: Callable[[LogData], dict[str, Any]]
) -> pd.DataFrame:
    """Run ``reps`` replications and keep only ``fold(log)`` of each (logs are dropped)."""
    rows = []
    for r in range(reps):
        row = fold(run_replication(scenario, days, r, seed))
        row["replication"] = r
        rows.append(row)
    return pd.DataFrame(rows)


def _per_truck_time(log: LogData, mask: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.nan)
    out[log.truck[mask]] = log.t_h[mask]
    return out


def stage_waits_h(log: LogData, stage_id: str, cohort_only: bool = True) -> np.ndarray:
    """QUEUED -> STARTED at one stage, per truck that started there.

    With ``cohort_only`` only trucks that arrived in the window count (the
    warm-up's trucks are dropped), as in gatesim's own wait figures.
    """
    code = log.meta["stages"].index(stage_id)
    n = int(log.truck.max()) + 1 if log.truck.size else 0
    on = log.stage == code
    q = _per_truck_time(log, on & (log.kind == Kind.QUEUED), n)
    s = _per_truck_time(log, on & (log.kind == Kind.STARTED), n)
    keep = ~np.isnan(s)
    if cohort_only:
        w0, w1 = window(log)
        a = _per_truck_time(log, log.kind == Kind.ARRIVED, n)
        keep &= (a >= w0) & (a < w1)
    return (s - q)[keep]


def crossing_times(log: LogData) -> tuple[np.ndarray, np.ndarray]:
    """Per truck id: arrival time and crossing time (inf if it has not crossed)."""
    n = int(log.truck.max()) + 1 if log.truck.size else 0
    a = _per_truck_time(log, log.kind == Kind.ARRIVED, n)
    c = _per_truck_time(log, log.kind == Kind.CROSSED, n)
    return a, np.where(np.isnan(c), np.inf, c)

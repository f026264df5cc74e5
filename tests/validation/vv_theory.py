"""Checks 1-2: queueing theory (Erlang C, Pollaczek-Khinchine, Little) and the fluid limit.

Each check returns a :class:`Result`: the expected figure, the simulated one
with its 95% CI over replications, the tolerance and why. Tests assert
``result.ok``; ``make_table.py`` prints the same results in docs/validation.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gatesim.events.kinds import Kind
from gatesim.projections.base import fold_mean_max, gate_views
from gatesim.projections.kpis import summarize
from gatesim.run import run_replication
from tests.validation.vv_build import scenario_of, service_stage
from tests.validation.vv_measure import (
    crossing_times,
    erlang_c_wait_h,
    mean_ci,
    pk_md1_wait_h,
    replicate,
    window,
)

__all__ = [
    "PER_DAY",
    "Result",
    "clearing_case",
    "fluid_backlog_case",
    "little_exact_case",
    "little_case",
    "md1_case",
    "mmc_case",
]

PER_DAY = 2400.0  # 100 trucks/h: many trucks per simulated day, so days are cheap
LAM_H = PER_DAY / 24.0
# Theory gives the steady state; the model starts empty and the wait figure
# leaves out trucks still inside at the end. Both biases are a few percent
# at most after the warm-up, so the theoretical value must lie within the
# replications' 95% CI widened by this fraction of it.
THEORY_REL_TOL = 0.05


@dataclass(frozen=True)
class Result:
    check: str
    case: str
    expected: float
    simulated: float
    ci95_half: float
    unit: str
    tolerance: str
    ok: bool

    def __str__(self) -> str:
        return (
            f"{self.check} [{self.case}]: expected {self.expected:.6g} {self.unit}, "
            f"simulated {self.simulated:.6g} ± {self.ci95_half:.2g}; tolerance {self.tolerance}; ok={self.ok}"
        )


def _wait_fold(log):
    row = summarize(log).iloc[0]
    w0, w1 = window(log)
    return {
        "wait_h": float(row["wait_mean_h"]),
        "queue": float(row["queue_mean"]),
        "lam_h": float(row["arrivals"]) / (w1 - w0),
        "util": float(row["util_s"]),
    }


def mmc_case(rho: float, servers: int, reps: int, days: int, warmup_days: int = 1, seed: int = 11) -> Result:
    """M/M/c: exponential service, ``servers`` servers, always open, Poisson arrivals."""
    mean_h = rho * servers / LAM_H
    sc = scenario_of({"s": service_stage(servers, mean_h * 60.0)}, PER_DAY, warmup_days=warmup_days)
    df = replicate(sc, days, reps, seed, _wait_fold)
    exp = erlang_c_wait_h(LAM_H, mean_h, servers)
    m = mean_ci(df["wait_h"])
    return Result(
        "M/M/c vs Erlang C",
        f"c={servers}, rho={rho}, {reps}x{days} d",
        exp,
        m.mean,
        m.half,
        "h",
        f"95% CI + {THEORY_REL_TOL:.0%}",
        m.covers(exp, THEORY_REL_TOL),
    )


def md1_case(rho: float, reps: int, days: int, warmup_days: int = 1, seed: int = 12) -> Result:
    """M/D/1: deterministic service against the Pollaczek-Khinchine mean wait."""
    service_h = rho / LAM_H
    sc = scenario_of({"s": service_stage(1, service_h * 60.0, dist="deterministic")}, PER_DAY, warmup_days)
    df = replicate(sc, days, reps, seed, _wait_fold)
    exp = pk_md1_wait_h(LAM_H, service_h)
    m = mean_ci(df["wait_h"])
    return Result(
        "M/D/1 vs Pollaczek-Khinchine",
        f"rho={rho}, {reps}x{days} d",
        exp,
        m.mean,
        m.half,
        "h",
        f"95% CI + {THEORY_REL_TOL:.0%}",
        m.covers(exp, THEORY_REL_TOL),
    )


LITTLE_REL_TOL = 0.02


def little_case(rho: float, servers: int, reps: int, days: int, seed: int = 13) -> Result:
    """L = lambda W on the projections: queue_mean against (arrivals / window) x wait_mean_h.

    The two sides differ only by edge effects of the window (trucks already
    waiting when it opens, trucks not yet crossed when it closes): the ratio
    is 1 within the CI plus 2%.
    """
    mean_h = rho * servers / LAM_H
    sc = scenario_of({"s": service_stage(servers, mean_h * 60.0)}, PER_DAY, warmup_days=1)
    df = replicate(sc, days, reps, seed, _wait_fold)
    m = mean_ci(df["queue"] / (df["lam_h"] * df["wait_h"]))
    return Result(
        "Little's law L = lambda W (projections)",
        f"c={servers}, rho={rho}, {reps}x{days} d; L/(lambda W)",
        1.0,
        m.mean,
        m.half,
        "ratio",
        f"95% CI + {LITTLE_REL_TOL:.0%}",
        m.covers(1.0, LITTLE_REL_TOL),
    )


def little_exact_case(seed: int = 14) -> Result:
    """Sample-path Little: the area under the waiting-count curve over the window
    equals the sum of every truck's waiting time clipped to the window (exactly,
    up to float rounding) - a check that queue_mean and the waits are one fold."""
    sc = scenario_of(
        {"a": service_stage(2, 60 * 1.6 / LAM_H), "b": service_stage(1, 60 * 0.7 / LAM_H)},
        PER_DAY,
        warmup_days=1,
    )
    log = run_replication(sc, 2, 0, seed)
    w0, w1 = window(log)
    g = gate_views(log)[0]
    q_mean, _ = fold_mean_max(g.t, *g.waiting_steps, w0, w1)  # as the summary's queue_mean
    area = q_mean * (w1 - w0)
    clipped = 0.0
    n = int(log.truck.max()) + 1
    for sid in ("a", "b"):
        code = log.meta["stages"].index(sid)
        q = np.full(n, np.nan)
        s = np.full(n, np.inf)
        mq = (log.stage == code) & (log.kind == Kind.QUEUED)
        ms = (log.stage == code) & (log.kind == Kind.STARTED)
        q[log.truck[mq]] = log.t_h[mq]
        s[log.truck[ms]] = log.t_h[ms]
        has = ~np.isnan(q)
        lo, hi = np.clip(q[has], w0, w1), np.clip(s[has], w0, w1)
        clipped += float(np.sum(hi - lo))
    ok = abs(area - clipped) <= 1e-9 * max(area, 1.0)
    return Result(
        "Little's law, sample path (exact)",
        "tandem c=2 then c=1, 2 d; truck-hours waiting",
        clipped,
        area,
        0.0,
        "truck-h",
        "1e-9 relative (float rounding)",
        ok,
    )


def fluid_backlog_case(days: int = 6, seed: int = 15) -> Result:
    """lambda above capacity: the backlog grows by (lambda - mu) trucks a day.

    2400 trucks/day into 1 deterministic server of 0.72 min (2000 a day).
    The slope of trucks in the system at each midnight, fitted by least
    squares, must be 400/day within 5% (Poisson noise on 2400 a day is ~2%
    a day, and the fit averages it over the days).
    """
    service_h = 0.72 / 60.0
    mu_day = 24.0 / service_h
    sc = scenario_of({"s": service_stage(1, service_h * 60.0, dist="deterministic")}, PER_DAY)
    log = run_replication(sc, days, 0, seed)
    a, c = crossing_times(log)
    ends = 24.0 * np.arange(1, days + 1)
    backlog = np.array([np.sum((a <= t) & (c > t)) for t in ends], dtype=float)
    slope = float(np.polyfit(np.arange(1, days + 1), backlog, 1)[0])
    exp = PER_DAY - mu_day
    return Result(
        "Fluid limit: backlog growth",
        f"lambda={PER_DAY:.0f}/d, mu={mu_day:.0f}/d, {days} d",
        exp,
        slope,
        0.0,
        "trucks/day",
        "5% (Poisson noise)",
        abs(slope - exp) <= 0.05 * exp,
    )


def clearing_case(backlog: int, cleared_per_day: int, seed: int = 16) -> Result:
    """February 2022 at Tân Thanh: a backlog cleared at a fixed daily acceptance.

    Model: ``backlog`` trucks expected in a one-day burst, none after (a
    season with multiplier 0), and a Chinese acceptance stage with
    ``daily_capacity`` ``cleared_per_day``, open 08:00-20:00 China time.
    Expected (fluid): backlog / cleared_per_day days. The burst is Poisson,
    so the realised count N is backlog ± sqrt(backlog); the tolerance is one
    day (a daily quota clears in whole days, the burst spans a day) plus two
    standard deviations of N in days.
    """
    sc = scenario_of(
        {
            "cn_acceptance": service_stage(
                4,
                4.0,
                dist="deterministic",
                hours={"tz": "china", "open_h": 8, "close_h": 20},
                daily_capacity=cleared_per_day,
                role="acceptance",
            )
        },
        float(backlog),
        seasons=[{"name": "after_burst", "start": "2022-02-02", "end": "2022-12-31", "multiplier": 0.0}],
        start_date="2022-02-01",
    )
    horizon = int(np.ceil(backlog / cleared_per_day)) + 5
    log = run_replication(sc, horizon, 0, seed)
    a, c = crossing_times(log)
    clear_days = float(c.max()) / 24.0
    exp = backlog / cleared_per_day
    tol_days = 1.0 + 2.0 * np.sqrt(backlog) / cleared_per_day
    return Result(
        "Fluid limit: Feb 2022 backlog clears",
        f"{backlog} waiting, {cleared_per_day} cleared/day (burst N={a.size})",
        exp,
        clear_days,
        0.0,
        "days",
        f"±{tol_days:.1f} d (whole-day quota, 1-day burst, 2 sd of Poisson N)",
        bool(np.isfinite(clear_days) and abs(clear_days - exp) <= tol_days),
    )

"""Check 3: extremes and clocks.

Zero opening hours give zero throughput; unlimited servers give zero wait;
no service starts outside a stage's local opening hours; stage openings and
closings fall at the local wall-clock hours of the right time zone. The
time-zone oracle is the IANA database (``zoneinfo``: Asia/Ho_Chi_Minh and
Asia/Shanghai), not gatesim's own offset.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections.kpis import summarize
from gatesim.run import run_replication
from gatesim.scenario.schema import Scenario
from tests.validation.vv_build import scenario_of, service_stage
from tests.validation.vv_theory import Result

__all__ = [
    "MIXED_HOURS",
    "hours_violations",
    "mixed_hours_scenario",
    "unlimited_case",
    "unlimited_with_hours_case",
    "wall_clock_violations",
    "zero_hours_case",
]

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
CHINA = zoneinfo.ZoneInfo("Asia/Shanghai")
_EPS_H = 1e-6  # datetime keeps microseconds: 1 us is 2.8e-10 h


def zero_hours_case(seed: int = 21) -> Result:
    """A stage with open_h == close_h never serves: nothing crosses."""
    sc = scenario_of(
        {
            "a": service_stage(3, 5.0),
            "b": service_stage(3, 5.0, hours={"tz": "china", "open_h": 9, "close_h": 10}),
        },
        200.0,
    )
    # The schema refuses a stage that never opens (a user's mistake); the model
    # is still checked on one: close_h set to open_h past validation.
    g = sc.gates["g"]
    b = g.stages["b"]
    b = b.model_copy(update={"hours": b.hours.model_copy(update={"close_h": 9.0})})
    g = g.model_copy(update={"stages": {**g.stages, "b": b}})
    sc = sc.model_copy(update={"gates": {**sc.gates, "g": g}})
    log = run_replication(sc, 2, 0, seed)
    row = summarize(log).iloc[0]
    started_b = int(np.sum((log.kind == Kind.STARTED) & (log.stage == log.meta["stages"].index("b"))))
    sim = float(row["throughput_per_day"]) + started_b
    return Result(
        "Extreme: zero opening hours",
        "open_h == close_h at stage b; crossings/day + starts at b",
        0.0,
        sim,
        0.0,
        "trucks",
        "exact",
        sim == 0.0 and int(row["arrivals"]) > 0,
    )


def unlimited_case(seed: int = 22) -> Result:
    """servers: null (unlimited) at every always-open stage: no truck ever waits."""
    sc = scenario_of({"a": service_stage(None, 30.0), "b": service_stage(None, 90.0)}, 2000.0)
    log = run_replication(sc, 2, 0, seed)
    row = summarize(log).iloc[0]
    sim = float(row["wait_max_h"]) + float(row["queue_max"])
    return Result(
        "Extreme: unlimited capacity",
        "servers: null at 2 stages, 2000/day; max wait + max queue",
        0.0,
        sim,
        0.0,
        "h + trucks",
        "exact",
        sim == 0.0 and int(row["departures"]) > 0,
    )


def unlimited_with_hours_case(reps: int = 8, days: int = 5, seed: int = 23) -> list[Result]:
    """Unlimited servers open 07:00-20:00 Hanoi time: a truck waits only for the opening.

    Arrivals are uniform over the day, so a truck arrives while closed with
    probability 11/24 and then waits 5.5 h on average: the mean wait is
    11**2 / 48 = 2.52 h. Measured two ways:

    - from the log, over trucks that arrived in the window except its last
      day (all of them are served by the end): expected 2.52 h;
    - gatesim's ``wait_mean_h``, which by definition averages over the
      trucks that arrived in the window *and crossed*: trucks arriving after
      20:00 on the last day are left out (right-censored), so its expected
      value is (days x 60.5 - 36) / (24 days - 4) truck-hours per truck
      (2.30 h for 5 days).

    Tolerance: the replications' 95% CI + 2% (the only randomness is which
    hours the trucks arrive in).
    """
    from tests.validation.vv_measure import mean_ci, replicate

    sc = scenario_of(
        {"a": service_stage(None, 30.0, hours={"tz": "hanoi", "open_h": 7, "close_h": 20})}, 1000.0, 1
    )

    def fold(log: LogData) -> dict[str, float]:
        w0, w1 = float(log.meta["window_start_h"]), float(log.meta["window_end_h"])
        n = int(log.truck.max()) + 1
        arr = np.full(n, np.nan)
        m = log.kind == Kind.ARRIVED
        arr[log.truck[m]] = log.t_h[m]
        code = log.meta["stages"].index("a")
        q = np.full(n, np.nan)
        st = np.full(n, np.nan)
        mq, ms = (
            (log.stage == code) & (log.kind == Kind.QUEUED),
            (log.stage == code) & (log.kind == Kind.STARTED),
        )
        q[log.truck[mq]] = log.t_h[mq]
        st[log.truck[ms]] = log.t_h[ms]
        keep = (arr >= w0) & (arr < w1 - 24.0)
        assert not np.isnan(st[keep]).any()  # every such truck was served
        return {"fold": float(np.mean((st - q)[keep])), "kpi": float(summarize(log)["wait_mean_h"].iloc[0])}

    df = replicate(sc, days, reps, seed, fold)
    out = []
    for col, exp, what in (
        ("fold", 11.0**2 / 48.0, "log fold, trucks arriving before the last day"),
        ("kpi", (days * 60.5 - 36.0) / (24.0 * days - 4.0), "wait_mean_h: crossed trucks only (censored)"),
    ):
        m = mean_ci(df[col])
        out.append(
            Result(
                "Extreme: unlimited capacity, limited hours",
                f"servers: null, open 07-20 Hanoi; {what}; {reps}x{days} d",
                exp,
                m.mean,
                m.half,
                "h",
                "95% CI + 2%",
                m.covers(exp, 0.02),
            )
        )
    return out


MIXED_HOURS = {
    "vn_day": {"tz": "hanoi", "open_h": 7, "close_h": 20},
    "cn_day": {"tz": "china", "open_h": 8, "close_h": 20},
    "cn_night": {"tz": "china", "open_h": 0, "close_h": 3.5},  # 23:00-02:30 Hanoi: spans midnight
    "vn_late": {"tz": "hanoi", "open_h": 21.25, "close_h": 24},
}


def mixed_hours_scenario() -> Scenario:
    stages = {sid: service_stage(2, 6.0, hours=h) for sid, h in MIXED_HOURS.items()}
    return scenario_of(stages, 150.0, warmup_days=1)


def _local(log: LogData, t_h: np.ndarray, tz: zoneinfo.ZoneInfo) -> list[dt.datetime]:
    t0 = dt.datetime.fromisoformat(log.meta["t0"]).replace(tzinfo=HANOI)
    return [(t0 + dt.timedelta(hours=float(t))).astimezone(tz) for t in t_h]


def _hour_of_day(d: dt.datetime) -> float:
    return d.hour + d.minute / 60 + (d.second + d.microsecond / 1e6) / 3600


def hours_violations(log: LogData, scenario: Scenario) -> dict[str, int]:
    """Per stage: STARTED events whose local wall-clock hour is outside [open_h, close_h)."""
    out = {}
    for gid, gate in scenario.gates.items():
        g_code = [g["id"] for g in log.meta["gates"]].index(gid)
        for sid, st in gate.stages.items():
            h = st.hours
            m = (
                (log.gate == g_code)
                & (log.stage == log.meta["stages"].index(sid))
                & (log.kind == Kind.STARTED)
            )
            tz = CHINA if h.tz == "china" else HANOI
            local = np.array([_hour_of_day(d) for d in _local(log, log.t_h[m], tz)])
            bad = (local < h.open_h - _EPS_H) | (local >= h.close_h - _EPS_H)
            out[f"{gid}.{sid}"] = int(bad.sum())
    return out


def wall_clock_violations(log: LogData, scenario: Scenario) -> dict[str, int]:
    """Per stage: OPENED / CLOSED events not at the local open_h / close_h.

    Openings clipped by the run's start or end (sim hour 0 or the horizon)
    are exempt.
    """
    horizon = 24.0 * (log.meta["days"] + log.meta["warmup_days"])
    out = {}
    for gid, gate in scenario.gates.items():
        g_code = [g["id"] for g in log.meta["gates"]].index(gid)
        for sid, st in gate.stages.items():
            h = st.hours
            if h.always_open:
                continue
            tz = CHINA if h.tz == "china" else HANOI
            on = (log.gate == g_code) & (log.stage == log.meta["stages"].index(sid))
            bad = 0
            for kind, want in ((Kind.OPENED, h.open_h), (Kind.CLOSED, h.close_h % 24)):
                t = log.t_h[on & (log.kind == kind)]
                t = t[(t > _EPS_H) & (t < horizon - _EPS_H)]
                local = np.array([_hour_of_day(d) for d in _local(log, t, tz)])
                bad += int(np.sum(np.abs(local - want) > _EPS_H))
            out[f"{gid}.{sid}"] = bad
    return out

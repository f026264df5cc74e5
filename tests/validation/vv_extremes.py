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
from vv_build import scenario_of, service_stage
from vv_theory import Result

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections.kpis import summarize
from gatesim.run import run_replication
from gatesim.scenario.schema import Scenario

__all__ = [
    "MIXED_HOURS",
    "hours_violations",
    "mixed_hours_scenario",
    "unlimited_case",
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
            "b": service_stage(3, 5.0, hours={"tz": "china", "open_h": 9, "close_h": 9}),
        },
        200.0,
    )
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

"""Minimal scenarios for verification: one gate, flat profiles, chosen stages.

With flat hourly and weekday profiles the model's arrivals are an exact
homogeneous Poisson process of ``per_day / 24`` trucks per hour, so a stage
with exponential (or deterministic) service and ``hours`` 0-24 is an
M/M/c (or M/D/c) queue; several stages in a route make a tandem network.
"""

from __future__ import annotations

import copy
from typing import Any

from gatesim.scenario.load import validate
from gatesim.scenario.schema import Scenario

__all__ = ["GATE", "ALWAYS", "scenario_of", "service_stage"]

GATE = "g"
ALWAYS = {"tz": "hanoi", "open_h": 0, "close_h": 24}

_BASE: dict[str, Any] = {
    "name": "validation",
    "calendar": {"start_date": "2026-01-01", "warmup_days": 0},
    "economy": {"vnd_per_usd": 26000},
    "cargo": {
        c: {"value_usd_mean": 1000, "value_cv": 0.5, "tax_rate": {"export": 0.0, "import": 0.1}}
        for c in ("fruit", "electronics", "other")
    },
    "fees": {"infrastructure_vnd_per_trip": {"export": 1, "import": 1}, "transshipment_vnd_per_truck": 0},
}


def service_stage(
    servers: int | None,
    mean_min: float,
    dist: str = "exponential",
    hours: dict | None = None,
    daily_capacity: int | None = None,
    role: str = "other",
) -> dict[str, Any]:
    """One service stage as a scenario dict: ``servers`` (None: unlimited), mean service in minutes."""
    st: dict[str, Any] = {
        "role": role,
        "servers": servers,
        "hours": dict(hours or ALWAYS),
        "service": {
            "dist": dist,
            "cv": 0.0 if dist == "deterministic" else 1.0,
            "steps_min": {"s": mean_min},
        },
    }
    if daily_capacity is not None:
        st["daily_capacity"] = daily_capacity
    return st


def scenario_of(
    stages: dict[str, dict],
    per_day: float,
    warmup_days: int = 0,
    yard_trucks: int | None = None,
    yard_span: tuple[str, str] | None = None,
    seasons: list[dict] | None = None,
    hourly_profile: list[float] | None = None,
    start_date: str = "2026-01-01",
) -> Scenario:
    """A validated one-gate scenario whose export route runs ``stages`` in order."""
    data = copy.deepcopy(_BASE)
    data["calendar"] = {"start_date": start_date, "warmup_days": warmup_days, "seasons": seasons or []}
    route: dict[str, Any] = {"stages": list(stages)}
    if yard_span is not None:
        route["yard_from"], route["yard_until"] = yard_span
    gate: dict[str, Any] = {
        "name": "validation gate",
        "arrivals": {
            "per_day": per_day,
            "export_share": 1.0,
            "cargo_mix": {
                "export": {"fruit": 1.0, "electronics": 0.0, "other": 0.0},
                "import": {"fruit": 1.0, "electronics": 0.0, "other": 0.0},
            },
            "channel_shares": {"green": 1.0, "yellow": 0.0, "red": 0.0},
            "transshipment_share": 0.0,
            "hourly_profile": hourly_profile or [1.0] * 24,
            "weekday_profile": [1.0] * 7,
        },
        "stages": copy.deepcopy(stages),
        "routes": {"export": route},
    }
    if yard_trucks is not None:
        gate["yard"] = {"capacity_trucks": yard_trucks}
    data["gates"] = {GATE: gate}
    return validate(data)

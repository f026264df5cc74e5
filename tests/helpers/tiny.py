"""Tiny scenarios built in code: one gate, flat profiles, the stages a test chooses.

With flat hourly and weekday profiles the model's arrivals are an exact homogeneous Poisson
process of ``per_day / 24`` trucks per hour, so a stage with exponential (or deterministic)
service open 0-24 is an M/M/c (or M/D/c) queue. The validation suite, the decide tests and the
engine twin all start from these dicts.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["ALWAYS", "GATE", "base_data", "flat_arrivals", "one_gate_data", "service_stage"]

GATE = "g"
ALWAYS = {"tz": "hanoi", "open_h": 0, "close_h": 24}
_CARGO = ("fruit", "electronics", "other")


def base_data(name: str, transshipment_vnd: int = 0) -> dict[str, Any]:
    """The parts every tiny scenario shares: economy, cargo (one value for every class) and fees."""
    return {
        "name": name,
        "economy": {"vnd_per_usd": 26000},
        "cargo": {
            c: {"value_usd_mean": 1000, "value_cv": 0.5, "tax_rate": {"export": 0.0, "import": 0.1}}
            for c in _CARGO
        },
        "fees": {
            "infrastructure_vnd_per_trip": {"export": 1, "import": 1},
            "transshipment_vnd_per_truck": transshipment_vnd,
        },
    }


def flat_arrivals(per_day: float, hourly_profile: list[float] | None = None) -> dict[str, Any]:
    """Exports of fruit only, all green, no transshipment; flat profiles unless an hourly one is given."""
    return {
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
    stage: dict[str, Any] = {
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
        stage["daily_capacity"] = daily_capacity
    return stage


def one_gate_data(
    stages: dict[str, dict],
    per_day: float,
    *,
    name: str = "validation",
    start_date: str = "2026-01-01",
    warmup_days: int = 0,
    seasons: list[dict] | None = None,
    hourly_profile: list[float] | None = None,
    yard_trucks: int | None = None,
    yard_span: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A one-gate scenario as data whose export route runs ``stages`` in order (not yet validated)."""
    data = base_data(name)
    data["calendar"] = {"start_date": start_date, "warmup_days": warmup_days}
    if seasons is not None:
        data["calendar"]["seasons"] = seasons
    route: dict[str, Any] = {"stages": list(stages)}
    if yard_span is not None:
        route["yard_from"], route["yard_until"] = yard_span
    gate: dict[str, Any] = {
        "name": "validation gate",
        "arrivals": flat_arrivals(per_day, hourly_profile),
        "stages": copy.deepcopy(stages),
        "routes": {"export": route},
    }
    if yard_trucks is not None:
        gate["yard"] = {"capacity_trucks": yard_trucks}
    data["gates"] = {GATE: gate}
    return data

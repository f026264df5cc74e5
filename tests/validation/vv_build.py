"""Minimal scenarios for verification: one gate, flat profiles, chosen stages.

With flat hourly and weekday profiles the model's arrivals are an exact
homogeneous Poisson process of ``per_day / 24`` trucks per hour, so a stage
with exponential (or deterministic) service and ``hours`` 0-24 is an
M/M/c (or M/D/c) queue; several stages in a route make a tandem network.
"""

from __future__ import annotations

from gatesim.scenario.load import validate
from gatesim.scenario.schema import Scenario
from tests.helpers.tiny import ALWAYS, GATE, one_gate_data, service_stage

__all__ = ["GATE", "ALWAYS", "scenario_of", "service_stage"]


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
    data = one_gate_data(
        stages,
        per_day,
        start_date=start_date,
        warmup_days=warmup_days,
        seasons=seasons or [],
        hourly_profile=hourly_profile,
        yard_trucks=yard_trucks,
        yard_span=yard_span,
    )
    return validate(data)

"""Checks shared by the scenario's models (gatesim/scenario/schema.py and corridor.py): a span's
end against its start, a 24-hour profile, a cargo mix per direction. Plain functions, attached
with ``model_validator`` / ``field_validator`` where a model needs them, so each rule and its
message are written once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["cargo_mix_complete", "end_after_start", "end_not_before_start", "hours24", "sums_to_one"]

DIRECTIONS = ("export", "import")
SHARE_TOL = 1e-6  # shares are typed by hand to a few digits


def end_after_start(span: Any) -> Any:
    """A span of instants must not be empty (``end`` after ``start``)."""
    if span.end <= span.start:
        raise ValueError(f"end: {span.end.isoformat()} is not after start {span.start.isoformat()}")
    return span


def end_not_before_start(span: Any) -> Any:
    """A span of whole days may be one day (``end`` on or after ``start``)."""
    if span.end < span.start:
        raise ValueError(f"end: {span.end} is before start {span.start}")
    return span


def hours24(v: list[float]) -> list[float]:
    """An hour-of-day profile: 24 weights, not all 0."""
    if len(v) != 24 or sum(v) <= 0:
        raise ValueError(f"needs 24 non-negative weights, not all 0; got {len(v)}")
    return v


def sums_to_one(shares: Mapping[Any, float], what: str) -> None:
    total = sum(shares.values())
    if abs(total - 1.0) > SHARE_TOL:
        raise ValueError(f"{what}: must sum to 1, got {total:g}")


def cargo_mix_complete(cargo_mix: Mapping[Any, Mapping[Any, float]]) -> None:
    """A cargo mix for both directions, each summing to 1."""
    if set(cargo_mix) != set(DIRECTIONS):
        raise ValueError(f"cargo_mix: needs both of {list(DIRECTIONS)}")
    for d, mix in cargo_mix.items():
        sums_to_one(mix, f"cargo_mix.{d}")

"""What every input file's model shares: unknown keys refused, no true/false for a number,
texts and dates bounded, and the bounded number types (their limits: gatesim/limits.py).

The scenario (schema.py, corridor.py, outcomes.py), the priors, targets, sweep and
study files all build on :class:`StrictModel`, so that ``lanes: true`` and
``low: true`` are refused alike, and every number has its range from one place.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gatesim.limits import (
    COUNT,
    CV,
    DURATION_H,
    HOUR_OF_DAY,
    HOURS,
    MONEY_VND,
    MULTIPLIER,
    NAME_CHARS,
    SHARE,
    STEP_MIN,
    TEXT_CHARS,
    TRUCKS_PER_DAY,
    VALUE,
    WEIGHT,
    YEAR,
)

__all__ = [
    "Count",
    "Cv",
    "Duration",
    "Hour",
    "DelayH",
    "Minutes",
    "Multiplier",
    "PerDay",
    "PositiveCount",
    "Share",
    "StrictModel",
    "Vnd",
    "Weight",
]


Share = Annotated[float, Field(**SHARE.bounds)]
Hour = Annotated[float, Field(**HOUR_OF_DAY.bounds)]
Cv = Annotated[float, Field(**CV.bounds)]
Minutes = Annotated[float, Field(**STEP_MIN.bounds)]
DelayH = Annotated[float, Field(**HOURS.bounds)]  # a delay, lead time or wait in hours
Duration = Annotated[float, Field(**DURATION_H.bounds)]
Weight = Annotated[float, Field(**WEIGHT.bounds)]
Vnd = Annotated[float, Field(**MONEY_VND.bounds)]
Multiplier = Annotated[float, Field(**MULTIPLIER.bounds)]
PerDay = Annotated[float, Field(**TRUCKS_PER_DAY.bounds)]
Count = Annotated[int, Field(**COUNT.bounds)]
PositiveCount = Annotated[int, Field(ge=1, le=COUNT.high)]
Value = Annotated[float, Field(**VALUE.bounds)]

_COUNT_FIELDS = ("servers", "lanes", "capacity_trucks", "daily_capacity")


def _allows(ann: object, kinds: tuple[type, ...]) -> bool:
    """Whether a field annotation (through Annotated, unions, lists, dicts) admits one of ``kinds``."""
    if ann in kinds:
        return True
    return any(_allows(a, kinds) for a in get_args(ann) if not isinstance(a, (str, int, float)))


def _has_bool(value: object) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, dict):
        return any(_has_bool(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_bool(v) for v in value)
    return False


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _shared_limits(cls, data: object) -> object:
        """true/false is not a number (``lanes: true`` ran with one lane); sizes, texts, dates bounded."""
        if not isinstance(data, dict):
            return data
        for key, value in data.items():
            field = cls.model_fields.get(key) if isinstance(key, str) else None
            if field is None:
                continue
            ann = field.annotation
            numeric = _allows(ann, (int, float)) and not _allows(ann, (bool,))
            if numeric and _has_bool(value):
                raise ValueError(f"{key}: must be a number, not true/false")
            count = key in _COUNT_FIELDS and isinstance(value, (int, float)) and not isinstance(value, bool)
            if count and value > COUNT.high:
                raise ValueError(
                    f"{key}: {value if isinstance(value, int) else f'{value:g}'} is more than {COUNT.high}"
                )
            if isinstance(value, str):
                limit = NAME_CHARS.high if key == "name" else TEXT_CHARS.high
                if len(value) > limit:
                    raise ValueError(f"{key}: text of {len(value)} characters; at most {limit}")
            if isinstance(value, dt.date) and not YEAR.low <= value.year <= YEAR.high:
                raise ValueError(f"{key}: year {value.year} is outside {YEAR.low} to {YEAR.high}")
        return data

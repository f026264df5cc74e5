"""Date-times as people write them, read into one form.

A date-time field (an outage's or a corridor stop's ``start`` and ``end``) is
in Hanoi time. It may be written as a YAML timestamp (``2026-01-02T08:00``,
``2026-01-02 08:00:00``), as a quoted ISO text (``"2026-01-02T08:00"``), with
a zone (``2026-01-02T01:00Z``, ``+08:00``: converted to the same instant in
Hanoi time) or without one (read as Hanoi time), or as a date alone (00:00 of
that day). Whatever the form, the model sees a plain Hanoi date-time, and
``scenario.resolved.yaml`` holds it in one canonical form (:func:`canonical_text`),
so the same instant written two ways gives the same scenario hash.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator

from gatesim.limits import YEAR

__all__ = ["HanoiDateTime", "canonical_data"]

HANOI = dt.timezone(dt.timedelta(hours=7), "Hanoi")  # Vietnam keeps no daylight saving time
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}"  # a date
    r"(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"  # a time of day
    r"(?:[Zz]|\s*[+-]\d{2}(?::?(?P<zm>\d{2}))?)?)?$"  # a zone: Z, +07, +0700, +07:00
)
_FORMS = "YYYY-MM-DDTHH:MM (Hanoi time), optionally with a zone such as Z or +08:00"


def to_hanoi(value: object) -> object:
    """A date-time of any accepted form as a plain (zone-less) Hanoi date-time.

    Other types pass unchanged, for pydantic to refuse in the project's words.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        form = _ISO.match(text)
        try:
            # Python's own reader is lenient (+07:60 is +08:00, +07:00:00:00 is +07:00): the form first
            if form is None or int(form.group("zm") or 0) > 59:
                raise ValueError
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not a date-time: {value!r}; write {_FORMS}") from None
    elif isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        when = dt.datetime.combine(value, dt.time())
    else:
        return value
    # a plain datetime: ruamel's TimeStamp subclass carries YAML formatting no writer knows
    when = dt.datetime(
        when.year, when.month, when.day, when.hour, when.minute, when.second, when.microsecond, when.tzinfo
    )
    if when.tzinfo is not None:
        try:
            when = when.astimezone(HANOI).replace(tzinfo=None)
        except OverflowError:
            raise ValueError(f"year {when.year} is outside {YEAR.low} to {YEAR.high}") from None
    if not YEAR.low <= when.year <= YEAR.high:
        raise ValueError(f"year {when.year} is outside {YEAR.low} to {YEAR.high}")
    return when


HanoiDateTime = Annotated[dt.datetime, BeforeValidator(to_hanoi)]


def canonical_text(when: dt.datetime) -> str:
    """The one written form: ISO 8601 Hanoi time, to the minute (to the second or finer if it has them)."""
    if when.second == 0 and when.microsecond == 0:
        return when.isoformat(timespec="minutes")
    return when.isoformat()


def canonical_data(data: Any, model: Any) -> Any:
    """``data`` (plain YAML data a model was validated from) with each date-time the model
    holds in its canonical text and each date as a date, whatever form was written.

    Walks ``data`` beside the validated ``model``; a key the model does not hold
    (a value a validator moved elsewhere) is kept as written.
    """
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            if isinstance(model, BaseModel):
                sub = getattr(model, k, None) if k in type(model).model_fields else None
            elif isinstance(model, dict):
                sub = model.get(k)
            else:
                sub = None
            out[k] = canonical_data(v, sub)
        return out
    if isinstance(data, list):
        items = model if isinstance(model, (list, tuple)) and len(model) == len(data) else [None] * len(data)
        return [canonical_data(v, m) for v, m in zip(data, items, strict=True)]
    if isinstance(model, dt.datetime):
        return canonical_text(model)
    if isinstance(model, dt.date) and isinstance(data, (str, dt.date)):
        return model
    return data

"""Checked YAML inputs beside the scenario (priors, targets, sweep and study files): one place
for turning pydantic's first error into where it is (key path, line), what was given and what
is wrong, in the project's words (never "Input should be a valid dictionary or instance of _File")."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from gatesim.errors import InputError
from gatesim.scenario.load import read_yaml

__all__ = ["first_error", "line_of", "message_of", "read_checked"]

M = TypeVar("M", bound=BaseModel)

# pydantic's error types in the project's words ("must be ...")
_WORDS = {
    "int_parsing": "must be an integer",
    "int_type": "must be an integer",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "date_parsing": "must be a date YYYY-MM-DD",
    "date_type": "must be a date YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date YYYY-MM-DD",
    "datetime_type": "must be a date-time",
    "datetime_parsing": "must be a date-time",
    "list_type": "must be a list",
    "dict_type": "must be a mapping (key: value pairs)",
    "model_type": "must be a mapping (key: value pairs)",
    "model_attributes_type": "must be a mapping (key: value pairs)",
    "finite_number": "must be a finite number",
    "literal_error": "not one of the allowed values",
    "string_pattern_mismatch": "has characters that are not allowed",
    "missing": "required key is missing",
    "extra_forbidden": "unknown key",
}
_RANGE = {
    "greater_than": "greater than",
    "greater_than_equal": "greater than or equal to",
    "less_than": "less than",
    "less_than_equal": "less than or equal to",
}
# location parts pydantic adds that the user never wrote: union members and validators
_TAG = re.compile(r"^(int|float|str|bool|none|list|dict|date|datetime)$|^constrained-|[\[\]]|^function-")


_KINDS = {
    "int": "a number",
    "float": "a number",
    "constrained-int": "a number",
    "constrained-float": "a number",
    "bool": "true or false",
    "str": "text",
}
_TYPE_ERRORS = {
    "int_parsing",
    "int_type",
    "float_parsing",
    "float_type",
    "bool_parsing",
    "bool_type",
    "string_type",
}


def _fmt(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def message_of(e: dict[str, Any]) -> tuple[str, str | None]:
    """(message, allowed) of one pydantic error dict, in the project's words."""
    etype, ctx = e["type"], e.get("ctx") or {}
    if etype in _RANGE:
        bound = next((ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx), None)
        return f"must be {_RANGE[etype]} {_fmt(bound)}", None
    if etype == "literal_error":
        return _WORDS[etype], str(ctx.get("expected", "")) or None
    if etype in ("too_short", "too_long", "list_too_short", "list_too_long"):
        short = "short" in etype
        n = ctx.get("min_length" if short else "max_length")
        return (
            "too few entries" if short else "too many entries"
        ), f"{'at least' if short else 'at most'} {n}"
    if etype in ("string_too_short", "string_too_long"):
        short = etype == "string_too_short"
        n = ctx.get("min_length" if short else "max_length")
        return ("must not be empty" if short and n == 1 else "text of the wrong length"), (
            f"{'at least' if short else 'at most'} {n} characters"
        )
    if etype in _WORDS:
        return _WORDS[etype], None
    if etype == "value_error":
        return str(ctx.get("error", e["msg"])).removeprefix("Value error, "), None
    return str(e["msg"]).removeprefix("Value error, ").replace("Input should be", "must be"), None


def line_of(lines: dict, *path: str) -> int | None:
    """The line of a key path, or of its nearest parent that has one."""
    probe = tuple(path)
    while probe:
        if probe in lines:
            return lines[probe]
        probe = probe[:-1]
    return None


def _user_path(loc: tuple[Any, ...], data: Any, skip: tuple[str, ...]) -> list[str]:
    """The key path the user wrote: pydantic's location without its union and validator tags
    (``low.int``, ``function-after[...]``), keeping every key and index that is in the data."""
    out: list[str] = []
    node = data
    for part in loc:
        text = str(part)
        if isinstance(node, dict) and text in node:
            out.append(text)
            node = node[text]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(text)
            node = node[part]
        elif (skip and text.startswith(skip)) or _TAG.search(text):
            continue
        else:
            out.append(text)  # a missing or unknown key: named as written
            node = None
    return out


def first_error(
    err: ValidationError, lines: dict, skip: tuple[str, ...] = (), data: Any = None
) -> tuple[dict, list[str], int | None, object]:
    """Pydantic's first error, its key path (without location parts starting with ``skip`` and
    pydantic's own union and validator tags), the line of that path (or its nearest parent) and
    the scalar given."""
    errors = err.errors(include_url=False)
    e: dict[str, Any] = dict(errors[0])
    loc = _user_path(tuple(errors[0]["loc"]), data, skip)
    # a value of a union (int | float | bool | str) fails once per member: say what any would take
    kinds = [
        _KINDS[str(x["loc"][len(x["loc"]) - 1])]
        for x in errors
        if x["loc"] and str(x["loc"][-1]) in _KINDS and _user_path(tuple(x["loc"]), data, skip) == loc
    ]
    if len(kinds) > 1 and e["type"] in _TYPE_ERRORS:
        e = {**e, "type": "value_error", "ctx": {"error": "must be " + " or ".join(dict.fromkeys(kinds))}}
    given = e.get("input")
    return e, loc, line_of(lines, *loc), None if isinstance(given, (dict, list)) else given


def read_checked(path: Path, model: type[M]) -> tuple[M, dict, dict]:
    """The file parsed as ``model``, its plain data and its key lines; the first problem as one InputError."""
    lines: dict = {}
    data = read_yaml(path, lines)
    if not isinstance(data, dict):
        raise InputError(
            "top level must be a mapping",
            file=str(path),
            given=type(data).__name__,
            allowed="key: value pairs",
        )
    try:
        return model.model_validate(data), data, lines
    except ValidationError as err:
        e, loc, line, given = first_error(err, lines, data=data)
        msg, allowed = message_of(e)
        if e["type"] == "extra_forbidden" and loc:
            msg = f"unknown key {loc[-1]!r}"
        key = ".".join(loc) or None
        if e["type"] == "value_error":  # a model's own check may name a key inside: "low: ..."
            prefix, sep, rest = msg.partition(": ")
            if sep and re.fullmatch(r"[A-Za-z0-9_.]+", prefix):
                key, msg = ".".join([*loc, prefix]), rest
        raise InputError(msg, file=str(path), line=line, key=key, given=given, allowed=allowed) from None

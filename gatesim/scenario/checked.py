"""Checked YAML inputs beside the scenario (priors, targets, sweep and study files): one place
for turning pydantic's first error into where it is (key path, line) and what was given."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from gatesim.errors import InputError
from gatesim.scenario.load import read_yaml

__all__ = ["first_error", "line_of", "read_checked"]

M = TypeVar("M", bound=BaseModel)


def line_of(lines: dict, *path: str) -> int | None:
    """The line of a key path, or of its nearest parent that has one."""
    probe = tuple(path)
    while probe:
        if probe in lines:
            return lines[probe]
        probe = probe[:-1]
    return None


def first_error(
    err: ValidationError, lines: dict, skip: tuple[str, ...] = ()
) -> tuple[dict, list[str], int | None, object]:
    """Pydantic's first error, its key path (without location parts starting with ``skip``: union
    and validator tags), the line of that path (or its nearest parent) and the scalar given."""
    e = err.errors(include_url=False)[0]
    loc = [str(p) for p in e["loc"] if not (skip and str(p).startswith(skip))]
    given = e.get("input")
    return dict(e), loc, line_of(lines, *loc), None if isinstance(given, (dict, list)) else given


def read_checked(path: Path, model: type[M]) -> tuple[M, dict, dict]:
    """The file parsed as ``model``, its plain data and its key lines; the first problem as one InputError."""
    lines: dict = {}
    data = read_yaml(path, lines)
    try:
        return model.model_validate(data), data, lines
    except ValidationError as err:
        e, loc, line, given = first_error(err, lines)
        msg = "unknown key" if e["type"] == "extra_forbidden" else e["msg"].removeprefix("Value error, ")
        raise InputError(msg, file=str(path), line=line, key=".".join(loc), given=given) from None

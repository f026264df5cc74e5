"""Turn a pydantic validation error into a key path, message, given value and what is allowed.

pydantic's locations mix field names, mapping keys (gate and stage ids),
list indices, discriminator tags and validator names. :func:`describe_error`
walks the :class:`~gatesim.scenario.schema.Scenario` schema along the location
so that the key path is the one the user wrote, and so that "unknown key"
errors can list the keys the enclosing model allows and suggest the nearest.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Mapping
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from gatesim.errors import Described
from gatesim.scenario.schema import Scenario

__all__ = ["describe_error", "has_key", "lookup"]

_MISSING = object()
_TYPE_WORDS = {
    "int_parsing": "an integer",
    "int_type": "an integer",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "date_parsing": "a date YYYY-MM-DD",
    "date_type": "a date YYYY-MM-DD",
    "date_from_datetime_parsing": "a date YYYY-MM-DD",
    "date_from_datetime_inexact": "a date YYYY-MM-DD",
    "datetime_type": "a date-time",
    "datetime_parsing": "a date-time",
    "finite_number": "a finite number",
    "list_type": "a list",
    "dict_type": "a mapping (key: value pairs)",
    "model_type": "a mapping (key: value pairs)",
    "model_attributes_type": "a mapping (key: value pairs)",
}
_RANGE_TYPES = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")


def lookup(data: Any, key: tuple[str, ...] | list[str]) -> Any:
    """The value at a key path in plain data (list indices as text), or ``_MISSING``."""
    node = data
    for part in key:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def has_key(data: Any, path: str) -> bool:
    """Whether a dotted key path (``gates.tan_thanh.stages.road.lanes``) is in plain data."""
    return lookup(data, path.split(".")) is not _MISSING


def _unwrap(ann: Any) -> tuple[Any, list[Any]]:
    """Strip Annotated and Optional; collect constraint metadata on the way."""
    meta: list[Any] = []
    while True:
        if get_origin(ann) is Annotated:
            base, *extra = get_args(ann)
            for m in extra:
                meta.extend(m.metadata if isinstance(m, FieldInfo) else [m])
            ann = base
            continue
        if get_origin(ann) in (Union, types.UnionType):
            args = [a for a in get_args(ann) if a is not type(None)]
            if len(args) == 1:
                ann = args[0]
                continue
        return ann, meta


def _tags(union: Any) -> dict[str, Any]:
    """Discriminator tag -> member type of a tagged union (empty if not tagged)."""
    out = {}
    for member in get_args(union):
        if get_origin(member) is Annotated:
            base, *extra = get_args(member)
            for m in extra:
                if hasattr(m, "tag"):
                    out[m.tag] = base
    return out


class _Walk:
    """Where a pydantic location lands in the schema."""

    def __init__(self, loc: tuple[Any, ...]) -> None:
        self.key: list[str] = []
        self.dict_key_at: list[int] = []  # positions in key that are user-chosen ids
        self.owner: type[BaseModel] | None = None  # the model the last key belongs to
        self.meta: list[Any] = []
        self.is_mapping_key = False  # the error is about a mapping key, not a value
        cur: Any = Scenario
        for part in loc:
            if isinstance(part, str) and part.startswith("function-"):
                continue
            if part == "[key]":
                self.is_mapping_key = True
                continue
            text = str(part)
            cur, meta = _unwrap(cur)
            if isinstance(cur, type) and issubclass(cur, BaseModel):
                self.owner = cur
                field = cur.model_fields.get(text)
                self.key.append(text)
                cur = field.annotation if field else None
                self.meta = list(field.metadata) if field else []
                continue
            if get_origin(cur) is dict:
                self.dict_key_at.append(len(self.key))
                self.key.append(text)
                cur = get_args(cur)[1]
            elif get_origin(cur) is list:
                self.key.append(text)
                cur = get_args(cur)[0]
            elif text in _tags(cur):
                cur = _tags(cur)[text]  # a discriminator tag: not part of the user's path
                continue
            else:
                self.key.append(text)
                cur = None
            self.meta = []
        cur, meta = _unwrap(cur)
        self.meta += meta
        self.leaf = cur


def _fmt(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _range(meta: list[Any], ctx: Mapping[str, Any]) -> str:
    bounds = {
        k: getattr(m, k) for m in meta for k in ("ge", "gt", "le", "lt") if getattr(m, k, None) is not None
    }
    bounds.update({k: v for k, v in ctx.items() if k in ("ge", "gt", "le", "lt")})
    lo = ("ge", bounds["ge"]) if "ge" in bounds else ("gt", bounds["gt"]) if "gt" in bounds else None
    hi = ("le", bounds["le"]) if "le" in bounds else ("lt", bounds["lt"]) if "lt" in bounds else None
    if lo and hi and lo[0] == "ge" and hi[0] == "le":
        return f"{_fmt(lo[1])} to {_fmt(hi[1])}"
    if lo and hi and lo[0] == "gt" and hi[0] == "le":
        return f"above {_fmt(lo[1])}, at most {_fmt(hi[1])}"
    ops = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    return " and ".join(f"{ops[b[0]]} {_fmt(b[1])}" for b in (lo, hi) if b)


def _given(value: Any) -> Any:
    """A scalar as is; a mapping or list by its shape (short) or value (if short)."""
    if value is _MISSING:
        return None
    if isinstance(value, (dict, list)):
        if len(repr(value)) <= 60:
            return value
        kind = "a mapping" if isinstance(value, dict) else "a list"
        return Described(f"{kind} of {len(value)} items")
    return value


def _near(word: str, options: list[str], cutoff: float = 0.6) -> str:
    guess = difflib.get_close_matches(word, options, n=1, cutoff=cutoff)
    return f" (did you mean {guess[0]!r}?)" if guess else ""


def describe_error(err: Mapping[str, Any], data: Any) -> tuple[tuple[str, ...], str, Any, str | None]:
    """(key path, message, given value, allowed) for one pydantic error dict."""
    walk = _Walk(tuple(err["loc"]))
    key, etype, ctx = list(walk.key), err["type"], err.get("ctx") or {}
    given: Any = err.get("input")
    if walk.is_mapping_key or etype == "extra_forbidden":
        name = key[-1] if key else str(given)
        if walk.is_mapping_key:
            options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        else:
            options = sorted(walk.owner.model_fields) if walk.owner else []
        allowed = ", ".join(options) or None
        return tuple(key), f"unknown key {name!r}{_near(name, options)}", None, allowed
    if etype == "missing":
        return tuple(key), f"required key is missing{_misspelt_hint(walk, key, data)}", None, None
    if etype == "value_error":
        msg = str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
        prefix, sep, rest = msg.partition(": ")
        if sep and lookup(data, [*key, *prefix.split(".")]) is not _MISSING:
            key, msg = [*key, *prefix.split(".")], rest
        return tuple(key), msg, _given(lookup(data, key)), None
    return _describe_value(walk, key, etype, ctx, given, err)


def _misspelt_hint(walk: _Walk, key: list[str], data: Any) -> str:
    """A misspelt gate or stage id makes a new, incomplete entry: name the id it is close to."""
    for i in walk.dict_key_at:
        siblings = lookup(data, key[:i])
        if isinstance(siblings, dict) and "." not in key[i]:  # ids, not the dotted keys of sources
            guess = difflib.get_close_matches(key[i], [s for s in siblings if s != key[i]], n=1, cutoff=0.75)
            if guess:
                return f" (is {key[i]!r} a misspelling of {guess[0]!r}?)"
    return ""


def _describe_value(
    walk: _Walk, key: list[str], etype: str, ctx: Mapping[str, Any], given: Any, err: Mapping[str, Any]
) -> tuple[tuple[str, ...], str, Any, str | None]:
    """describe_error for a value of the wrong type, range, length or form."""
    if etype in _RANGE_TYPES:
        # pydantic's own words ("greater than or equal to 1"), plus the full range if two-sided
        word = {
            "greater_than": "greater than",
            "greater_than_equal": "greater than or equal to",
            "less_than": "less than",
            "less_than_equal": "less than or equal to",
        }[etype]
        bound = next((ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx), None)
        msg = f"must be {word} {_fmt(bound)}"
        allowed = _range(walk.meta, ctx)
        return tuple(key), msg, given, allowed if " to " in allowed or ", at most" in allowed else None
    if etype == "literal_error":
        allowed = str(ctx.get("expected", ""))
        if key and key[-1] == "kind" and "stages" in key:
            allowed = "'service' or 'road'"  # unknown kinds are tried as a service stage
        return tuple(key), "not one of the allowed values", given, allowed
    if etype == "union_tag_invalid":
        return (*key, "kind"), "unknown stage kind", ctx.get("tag"), str(ctx.get("expected_tags"))
    if etype in _TYPE_WORDS:
        what = _TYPE_WORDS[etype]
        return tuple(key), f"must be {what}", _given(given), None
    if etype in ("too_short", "too_long"):
        n = ctx.get("min_length" if etype == "too_short" else "max_length")
        word = "at least" if etype == "too_short" else "at most"
        return (
            tuple(key),
            f"{'too few' if etype == 'too_short' else 'too many'} entries",
            _given(given),
            f"{word} {n}",
        )
    if etype == "string_too_short":
        return tuple(key), "must not be empty", given, f"at least {ctx.get('min_length')} characters"
    if etype == "string_pattern_mismatch":
        # the one pattern in the schema: a scenario's name, ^[A-Za-z0-9_.-]+$
        return tuple(key), "has characters that are not allowed", given, "letters, digits, '_', '.', '-'"
    return tuple(key), str(err["msg"]).removeprefix("Value error, "), _given(given), None


def bounds_at(path: tuple[str, ...] | list[str]) -> tuple[Any, dict[str, Any]]:
    """The type a scenario key path holds (list indices as text) and its bounds (``ge``, ``gt``,
    ``le``, ``lt``), through models, mappings, lists, optional values and tagged unions (a stage:
    the member that has the next key). ``(None, {})`` where the path leaves the schema."""
    cur: Any = Scenario
    bounds: dict[str, Any] = {}
    for part in path:
        cur, _ = _unwrap(cur)
        if get_origin(cur) in (Union, types.UnionType):  # a tagged union: the member with this field
            members = [_unwrap(m)[0] for m in get_args(cur)]
            cur = next(
                (
                    m
                    for m in members
                    if isinstance(m, type) and issubclass(m, BaseModel) and part in m.model_fields
                ),
                None,
            )
        if isinstance(cur, type) and issubclass(cur, BaseModel):
            field = cur.model_fields.get(part)
            if field is None:
                return None, {}
            cur, bounds = field.annotation, _bounds(field.metadata)
        elif get_origin(cur) is dict:
            cur, bounds = get_args(cur)[1], {}
        elif get_origin(cur) is list:
            cur, bounds = get_args(cur)[0], {}
        else:
            return None, {}
    cur, meta = _unwrap(cur)
    return cur, {**bounds, **_bounds(meta)}


def _bounds(meta: list[Any]) -> dict[str, Any]:
    return {
        k: getattr(m, k) for m in meta for k in ("ge", "gt", "le", "lt") if getattr(m, k, None) is not None
    }

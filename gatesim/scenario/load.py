"""Read scenario files: YAML 1.2, ``extends``, ``--set`` overrides, validation.

Errors name the file, the line where known, the key path, the given value
and what is allowed, as one :class:`~gatesim.errors.InputError`. YAML is read
with ruamel's round-trip loader, which never constructs Python objects from
tags; any explicit tag (``!!python/...``, ``!!set``, ``!foo``) is refused.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from gatesim.errors import Described, InputError
from gatesim.scenario.explain import describe_error
from gatesim.scenario.schema import Scenario

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "apply_overrides",
    "load_scenario",
    "parse_override",
    "read_yaml",
    "validate",
]

MAX_NODES = 200_000  # beyond this a file is an alias bomb or not a scenario
MAX_BYTES = 2_000_000  # the baseline is ~25 kB; parsing megabytes of YAML takes long
MAX_DEPTH = 40  # the deepest scenario key path is ~8 levels
Lines = dict[tuple[str, ...], int]
Origin = dict[tuple[str, ...], tuple[str, int | None]]


class _Constructor(RoundTripConstructor):
    """Round-trip constructor whose bad dates are marked errors (with a line)."""

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except (ValueError, OverflowError) as e:
            raise ConstructorError(
                None, None, f"not a valid date or time {node.value!r} ({e})", node.start_mark
            ) from None


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def _yaml() -> YAML:
    y = YAML(typ="rt")  # round-trip: keeps line numbers; never constructs Python objects
    y.Constructor = _Constructor
    y.allow_duplicate_keys = False
    return y


def _key_line(node: CommentedMap, k: Any) -> int | None:
    try:
        return node.lc.key(k)[0] + 1
    except (KeyError, TypeError, AttributeError):
        return None


def _node_line(node: Any) -> int | None:
    try:
        return node.lc.line + 1
    except (AttributeError, TypeError):
        return None


def _plain(node: Any, path: tuple[str, ...], lines: Lines, file: str, budget: list[int]) -> Any:
    """Plain dicts/lists/scalars from ruamel nodes, recording each key's line."""
    budget[0] -= 1
    key = ".".join(path) or None
    if budget[0] < 0:
        raise InputError(
            f"more than {MAX_NODES} YAML nodes (an alias bomb?)",
            file=file,
            allowed="a scenario-sized mapping",
        )
    if len(path) > MAX_DEPTH:
        short = ".".join(path[:4]) + "..." if len(path) > 4 else key
        raise InputError(f"nested more than {MAX_DEPTH} levels deep", file=file, key=short)
    tag = getattr(getattr(node, "tag", None), "value", None)
    if tag is not None and not isinstance(node, (str, int, float, bool)):
        raise InputError(
            "explicit YAML tags are not allowed",
            file=file,
            line=_node_line(node) or lines.get(path),
            key=key,
            given=tag.replace("tag:yaml.org,2002:", "!!"),
            allowed="plain mappings, lists and scalars",
        )
    if isinstance(node, CommentedMap):
        out = {}
        for k, v in node.items():
            if isinstance(k, bool) or not isinstance(k, (str, int, float)):
                raise InputError(
                    "mapping keys must be plain names",
                    file=file,
                    line=_key_line(node, k),
                    key=key,
                    given=k,
                    allowed="text or a number",
                )
            ks = str(k)
            sub = (*path, ks)
            line = _key_line(node, k)
            if line is not None:
                lines[sub] = line
            out[ks] = _plain(v, sub, lines, file, budget)
        return out
    if isinstance(node, CommentedSeq):
        return [_plain(v, (*path, str(i)), lines, file, budget) for i, v in enumerate(node)]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        if not math.isfinite(node):
            raise InputError(
                "not a finite number", file=file, line=lines.get(path), key=key, given=float(node)
            )
        return float(node)
    if isinstance(node, (dt.date, dt.datetime)):
        return node
    if isinstance(node, str):
        return str(node)
    raise InputError(
        "unsupported YAML value",
        file=file,
        line=lines.get(path),
        key=key,
        given=Described(f"a {type(node).__name__.removeprefix('Commented')}"),
        allowed="mappings, lists, text, numbers, true/false, dates",
    )


def read_yaml(path: Path, lines: Lines | None = None) -> Any:
    """One YAML document as plain Python data; bad files raise InputError."""
    path = Path(path)
    file = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=file) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a YAML file", file=file) from None
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", file=file) from None
    if len(raw) > MAX_BYTES:
        raise InputError(f"file is {len(raw)} bytes", file=file, allowed=f"at most {MAX_BYTES}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte {raw[e.start]:#04x} at offset {e.start})",
            file=file,
            line=line,
            allowed="UTF-8 encoded YAML",
        ) from None
    if not text.strip():
        raise InputError("file is empty", file=file, allowed="a YAML mapping")
    try:
        node = _yaml().load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = (e.problem or e.context or "invalid YAML").strip()
        raise InputError(f"YAML syntax: {problem}", file=file, line=line) from None
    except RecursionError:
        raise InputError("YAML nested too deeply", file=file, allowed=f"at most {MAX_DEPTH} levels") from None
    except (YAMLError, ValueError, TypeError, OverflowError) as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"YAML: {msg}", file=file) from None
    if node is None:
        raise InputError("file has no YAML content (only comments?)", file=file, allowed="a YAML mapping")
    return _plain(node, (), lines if lines is not None else {}, file, [MAX_NODES])


def _merge(base: Any, over: Any) -> Any:
    """Deep merge: mappings merge key by key; anything else is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    return over


def _resolve(path: Path, stack: tuple[Path, ...], origin: Origin) -> dict:
    path = path.resolve()
    lines: Lines = {}
    data = read_yaml(path, lines)
    file = str(path)
    if not isinstance(data, dict):
        raise InputError(
            "top level must be a mapping", file=file, given=type(data).__name__, allowed="key: value pairs"
        )
    parent = data.pop("extends", None)
    for key, line in lines.items():
        origin[key] = (file, line)
    if parent is None:
        return data
    line = lines.get(("extends",))
    if not isinstance(parent, str) or not parent.strip():
        raise InputError(
            "must be a file name",
            file=file,
            line=line,
            key="extends",
            given=parent,
            allowed="a path to a YAML file",
        )
    parent_path = (path.parent / parent).resolve()
    if parent_path in (*stack, path):
        chain = " -> ".join(p.name for p in (*stack, path, parent_path))
        raise InputError("cyclic extends", file=file, line=line, key="extends", given=chain)
    if not parent_path.is_file():
        what = "is a directory" if parent_path.is_dir() else "not found"
        raise InputError(
            f"extended file {what} (looked for {parent_path})",
            file=file,
            line=line,
            key="extends",
            given=parent,
            allowed=f"a path to a YAML file, relative to this file's folder {path.parent}",
        )
    # The child's own lines win over the parent's for error messages.
    parent_origin: Origin = {}
    base = _resolve(parent_path, (*stack, path), parent_origin)
    for key, where in parent_origin.items():
        origin.setdefault(key, where)
    for key, line in lines.items():
        origin[key] = (file, line)
    return _merge(base, data)


def parse_override(text: str) -> tuple[list[str], Any]:
    """``a.b.c=value`` -> (["a","b","c"], value), the value read as a YAML scalar or flow."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or any(not p for p in key.strip().split(".")):
        raise InputError("--set needs KEY.PATH=VALUE", given=text, allowed="e.g. run.days=30")
    try:
        node = _yaml().load(value) if value.strip() else None
        parsed = _plain(node, (), {}, "--set", [MAX_NODES])
    except (YAMLError, InputError, ValueError, TypeError, RecursionError):
        parsed = value
    return key.strip().split("."), parsed


def apply_overrides(data: dict, overrides: Iterable[str], origin: Origin | None = None) -> dict:
    """Set ``KEY.PATH=VALUE`` overrides in ``data`` (in place); ``origin`` learns they came from --set."""
    for text in overrides:
        keys, value = parse_override(text)
        node = data
        for i, k in enumerate(keys[:-1]):
            nxt = node.get(k) if isinstance(node, dict) else None
            if not isinstance(nxt, dict):
                if isinstance(node, dict) and k not in node:
                    nxt = node[k] = {}
                    if origin is not None:
                        origin[tuple(keys[: i + 1])] = ("--set", None)
                else:
                    raise InputError(
                        "--set path goes through a non-mapping",
                        key=".".join(keys[: i + 1]),
                        given=text,
                        allowed="a path of mapping keys",
                    )
            node = nxt
        node[keys[-1]] = value
        if origin is not None:
            origin[tuple(keys)] = ("--set", None)
    return data


def _where(key: tuple[str, ...], origin: Origin, file: str) -> tuple[str, int | None]:
    probe = key
    while probe:
        if probe in origin:
            efile, line = origin[probe]
            # A line of an enclosing key is only a hint, but a useful one.
            return (f"{file} (--set)", None) if efile == "--set" else (efile, line)
        probe = probe[:-1]
    return file, None


def validate(data: Mapping[str, Any], origin: Origin | None = None, file: str = "<scenario>") -> Scenario:
    """A Scenario from plain data, or one InputError for the first problem found."""
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        try:
            key, message, given, allowed = describe_error(first, data)
        except Exception:  # noqa: BLE001 - explaining is best effort; the error is still the input's
            key = tuple(str(p) for p in first["loc"])
            message, given, allowed = str(first["msg"]), None, None
        efile, line = _where(key, origin or {}, file)
        raise InputError(
            message, file=efile, line=line, key=".".join(key) or None, given=given, allowed=allowed
        ) from None


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> tuple[Scenario, dict]:
    """Validated scenario and its fully resolved data (extends and overrides applied)."""
    path = Path(path)
    origin: Origin = {}
    data = _resolve(path, (), origin)
    data = apply_overrides(data, overrides, origin)
    scenario = validate(data, origin, str(path))
    return scenario, data

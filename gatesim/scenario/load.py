"""Read scenario files: YAML 1.2, ``extends``, ``--set`` overrides, validation.

Errors name the file, the line where known, the key path, the given value
and what is allowed, as one :class:`~gatesim.errors.InputError`.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from gatesim.errors import InputError
from gatesim.scenario.schema import Scenario

__all__ = [
    "MAX_NODES",
    "apply_overrides",
    "load_scenario",
    "parse_override",
    "read_yaml",
    "validate",
]

MAX_NODES = 200_000  # beyond this a file is an alias bomb or not a scenario
MAX_BYTES = 5_000_000
Lines = dict[tuple[str, ...], int]


def _yaml() -> YAML:
    y = YAML(typ="rt")  # round-trip: keeps line numbers; never constructs Python objects
    y.allow_duplicate_keys = False
    return y


def _plain(node: Any, path: tuple[str, ...], lines: Lines, file: str, budget: list[int]) -> Any:
    """Plain dicts/lists/scalars from ruamel nodes, recording each key's line."""
    budget[0] -= 1
    if budget[0] < 0:
        raise InputError(
            f"more than {MAX_NODES} YAML nodes (an alias bomb?)",
            file=file,
            allowed="a scenario-sized mapping",
        )
    tag = getattr(getattr(node, "tag", None), "value", None)
    if tag is not None and not isinstance(node, (str, int, float, bool)):
        raise InputError(
            "explicit YAML tags are not allowed",
            file=file,
            key=".".join(path) or None,
            given=tag,
            allowed="plain mappings, lists and scalars",
        )
    if isinstance(node, CommentedMap):
        out = {}
        for k, v in node.items():
            ks = str(k)
            sub = (*path, ks)
            try:
                lines[sub] = node.lc.key(k)[0] + 1
            except (KeyError, TypeError, AttributeError):
                pass
            out[ks] = _plain(v, sub, lines, file, budget)
        return out
    if isinstance(node, CommentedSeq):
        return [_plain(v, (*path, str(i)), lines, file, budget) for i, v in enumerate(node)]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, (dt.date, dt.datetime)):
        return node
    return str(node)


def read_yaml(path: Path, lines: Lines | None = None) -> Any:
    """One YAML document as plain Python data; bad files raise InputError."""
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
        raise InputError(
            f"not UTF-8 text (byte {raw[e.start]:#04x} at offset {e.start})", file=file
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
    except (YAMLError, RecursionError, ValueError) as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"YAML: {msg}", file=file) from None
    return _plain(node, (), lines if lines is not None else {}, file, [MAX_NODES])


def _merge(base: Any, over: Any) -> Any:
    """Deep merge: mappings merge key by key; anything else is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    return over


def _resolve(path: Path, stack: tuple[Path, ...], origin: dict[tuple[str, ...], tuple[str, int]]) -> dict:
    path = path.resolve()
    if path in stack:
        chain = " -> ".join(p.name for p in (*stack, path))
        raise InputError("cyclic extends", file=str(stack[-1]), key="extends", given=chain)
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
    if not isinstance(parent, str) or not parent:
        raise InputError("must be a file name", file=file, line=lines.get(("extends",)), key="extends", given=parent)
    parent_path = path.parent / parent
    if not parent_path.exists():
        raise InputError(
            "extended file not found", file=file, line=lines.get(("extends",)), key="extends", given=parent
        )
    # The child's own lines win over the parent's for error messages.
    parent_origin: dict[tuple[str, ...], tuple[str, int]] = {}
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
    except (YAMLError, InputError):
        parsed = value
    return key.strip().split("."), parsed


def apply_overrides(data: dict, overrides: Iterable[str]) -> dict:
    for text in overrides:
        keys, value = parse_override(text)
        node = data
        for i, k in enumerate(keys[:-1]):
            nxt = node.get(k) if isinstance(node, dict) else None
            if not isinstance(nxt, dict):
                if isinstance(node, dict) and k not in node:
                    nxt = node[k] = {}
                else:
                    raise InputError(
                        "--set path goes through a non-mapping", key=".".join(keys[: i + 1]), given=text
                    )
            node = nxt
        node[keys[-1]] = value
    return data


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class that owns ``loc`` (for 'did you mean')."""
    from typing import get_args, get_origin

    cur: Any = model
    for part in loc:
        if not (isinstance(cur, type) and issubclass(cur, BaseModel)):
            return None
        field = cur.model_fields.get(str(part))
        if field is None:
            return None
        ann = field.annotation
        # Unwrap Optional / dict values / list items / unions down to a model.
        for _ in range(4):
            origin = get_origin(ann)
            if origin is dict:
                ann = get_args(ann)[1]
            elif origin is list:
                ann = get_args(ann)[0]
            elif get_args(ann):
                models = [a for a in get_args(ann) if isinstance(a, type) and issubclass(a, BaseModel)]
                ann = models[0] if models else get_args(ann)[0]
            else:
                break
        cur = ann
    return cur if isinstance(cur, type) and issubclass(cur, BaseModel) else None


def _owner_for_extra(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    # Skip dict keys (gate ids, stage ids) by trying to resolve with them dropped.
    parts = [p for p in loc[:-1] if not isinstance(p, int)]
    candidates = [tuple(parts)]
    for i in range(len(parts)):
        candidates.append(tuple(parts[:i] + parts[i + 1 :]))
    for i in range(len(parts)):
        for j in range(i + 1, len(parts)):
            candidates.append(tuple(p for n, p in enumerate(parts) if n not in (i, j)))
    for c in candidates:
        m = _model_at(Scenario, c)
        if m is not None:
            return m
    return None


def _format_validation(err: ValidationError, origin: dict[tuple[str, ...], tuple[str, int]], file: str) -> InputError:
    e = err.errors()[0]
    loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p in ("service", "road") and False))
    # pydantic adds the discriminator tag ('service'/'road') to union locations: drop it.
    loc = tuple(str(p) for p in loc)
    clean: list[str] = []
    for p in loc:
        if p in ("service", "road") and clean and clean[-2:-1] == ["stages"]:
            continue
        if p.startswith("function-") or p in ("tagged-union[ServiceStage,RoadStage]",):
            continue
        clean.append(p)
    key = ".".join(clean) or None
    where = None
    probe = tuple(clean)
    while probe:
        if probe in origin:
            where = origin[probe]
            break
        probe = probe[:-1]
    efile, line = where if where else (file, None)
    etype = e["type"]
    given = e.get("input")
    if etype == "extra_forbidden":
        owner = _owner_for_extra(e["loc"])
        allowed_keys = sorted(owner.model_fields) if owner else []
        guess = difflib.get_close_matches(clean[-1], allowed_keys, n=1)
        hint = f" (did you mean {guess[0]!r}?)" if guess else ""
        return InputError(
            f"unknown key{hint}",
            file=efile,
            line=line,
            key=key,
            allowed=", ".join(allowed_keys) if allowed_keys else None,
        )
    if etype == "missing":
        return InputError("required key is missing", file=efile, line=line, key=key)
    msg = e["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if isinstance(given, (dict, list)) and etype != "model_type":
        given = None
    if etype in ("model_type", "dict_type"):
        return InputError("must be a mapping", file=efile, line=line, key=key, given=type(given).__name__)
    return InputError(msg, file=efile, line=line, key=key, given=given)


def validate(data: Mapping[str, Any], origin: dict | None = None, file: str = "<scenario>") -> Scenario:
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as err:
        raise _format_validation(err, origin or {}, file) from None


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> tuple[Scenario, dict]:
    """Validated scenario and its fully resolved data (extends and overrides applied)."""
    path = Path(path)
    origin: dict[tuple[str, ...], tuple[str, int]] = {}
    data = _resolve(path, (), origin)
    data = apply_overrides(data, overrides)
    scenario = validate(data, origin, str(path))
    return scenario, data

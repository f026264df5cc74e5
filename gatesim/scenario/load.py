"""Read scenario files: YAML 1.2, ``extends``, ``--set`` overrides, validation.

Errors name the file, the line where known, the key path, the given value
and what is allowed, as one :class:`~gatesim.errors.InputError`. YAML is read
with ruamel's round-trip loader, which never constructs Python objects from
tags; any explicit tag (``!!python/...``, ``!!set``, ``!foo``) is refused.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent

from gatesim.errors import Described, InputError
from gatesim.limits import SEED
from gatesim.scenario.datetimes import canonical_data
from gatesim.scenario.explain import describe_error
from gatesim.scenario.schema import Scenario

__all__ = ["apply_overrides", "load_scenario", "read_yaml", "validate"]

MAX_NODES = 200_000  # beyond this a file is an alias bomb or not a scenario
# The baseline is ~25 kB; ruamel parses ~40 kB/s, so 2 MB took ~50 s: 256 kB (10x the baseline) takes ~6 s.
MAX_BYTES = 262_144
# Lines + commas, counted before parsing: ruamel parses the baseline (~700) in ~0.3 s
# alone, ~2 s on a loaded machine; 10,000 stays within seconds.
MAX_ITEMS = 10_000
MAX_DEPTH = 40  # the deepest scenario key path is ~8 levels
MAX_EXTENDS = 16  # files in one extends chain: a real chain has 2 or 3
Lines = dict[tuple[str, ...], int]
Origin = dict[tuple[str, ...], tuple[str, int | None]]


_ZONE = re.compile(r"[0-9]\s*[+-]([0-9]{1,2})(?::?([0-9]{2}))?$")  # a timestamp's zone offset


class _Constructor(RoundTripConstructor):
    """Round-trip constructor whose bad dates are marked errors (with a line)."""

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        zone = _ZONE.search(str(node.value))
        if zone is not None and int(zone.group(2) or 0) > 59:  # ruamel reads +07:60 as +08:00
            raise ConstructorError(
                None, None, f"not a valid date or time {node.value!r} (zone minutes over 59)", node.start_mark
            )
        try:
            return super().construct_yaml_timestamp(node, values)
        except (ValueError, OverflowError) as e:
            raise ConstructorError(
                None, None, f"not a valid date or time {node.value!r} ({e})", node.start_mark
            ) from None


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


class _TagFound(Exception):
    def __init__(self, tag: str, mark: Any) -> None:
        self.tag, self.mark = tag, mark
        super().__init__(tag)


class _Composer(Composer):
    """Refuses every explicit tag as it is met, scalars' too (``!!int 3``): the
    constructed value of a tagged scalar no longer shows that it had one."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if not self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            tag = getattr(event, "ctag", None)
            if tag is not None and str(tag) != "!":
                raise _TagFound(str(tag), event.start_mark)
        return super().compose_node(parent, index)


def _yaml() -> YAML:
    y = YAML(typ="rt")  # round-trip: keeps line numbers; never constructs Python objects
    y.Constructor = _Constructor
    y.Composer = _Composer
    y.allow_duplicate_keys = False
    y.max_depth = MAX_DEPTH + 10  # deeper is refused by the parser, before Python's recursion limit
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
    _check_node(node, path, key, lines, file, budget[0])
    if isinstance(node, CommentedMap):
        return _plain_map(node, path, key, lines, file, budget)
    if isinstance(node, CommentedSeq):
        return [_plain(v, (*path, str(i)), lines, file, budget) for i, v in enumerate(node)]
    return _plain_scalar(node, path, key, lines, file)


def _check_node(
    node: Any, path: tuple[str, ...], key: str | None, lines: Lines, file: str, left: int
) -> None:
    """Refuse an alias bomb (node budget spent), too deep a nesting, or an explicit tag."""
    if left < 0:
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


def _plain_map(
    node: CommentedMap, path: tuple[str, ...], key: str | None, lines: Lines, file: str, budget: list[int]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
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


def _plain_scalar(node: Any, path: tuple[str, ...], key: str | None, lines: Lines, file: str) -> Any:
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        if not -SEED.high <= node <= SEED.high:  # 401 digits overflowed a float conversion later on
            digits = len(str(abs(int(node))))
            raise InputError(
                f"integer of {digits} digits is too large",
                file=file,
                line=lines.get(path),
                key=key,
                allowed=f"integers of at most {len(str(SEED.high))} digits (a 64-bit integer)",
            )
        return int(node)
    if isinstance(node, float):
        if not math.isfinite(node):
            raise InputError(
                "not a finite number", file=file, line=lines.get(path), key=key, given=float(node)
            )
        return float(node)
    if isinstance(node, dt.datetime):  # ruamel's TimeStamp: as a plain datetime (its zone kept)
        return dt.datetime(
            node.year,
            node.month,
            node.day,
            node.hour,
            node.minute,
            node.second,
            node.microsecond,
            node.tzinfo,
        )
    if isinstance(node, dt.date):
        return dt.date(node.year, node.month, node.day)
    if isinstance(node, str):
        try:
            node.encode("utf-8")
        except UnicodeEncodeError as e:  # "\udcff" in a double-quoted string: a lone surrogate
            raise InputError(
                f"not valid text (a lone surrogate at character {e.start})",
                file=file,
                line=lines.get(path),
                key=key,
                allowed="UTF-8 text",
            ) from None
        return str(node)
    raise InputError(
        "unsupported YAML value",
        file=file,
        line=lines.get(path),
        key=key,
        given=Described(f"a {type(node).__name__.removeprefix('Commented')}"),
        allowed="mappings, lists, text, numbers, true/false, dates",
    )


def _read_limited(path: Path, file: str) -> bytes:
    """The file's bytes, refused before reading if it is not a regular file or too big.

    Opened without blocking (a FIFO would wait for a writer forever) and read
    at most ``MAX_BYTES + 1`` bytes (``/dev/zero`` has no end).
    """
    if "\0" in file:
        raise InputError("file name contains a NUL byte", file=file.replace("\0", "\\0"))
    fd = _open_nonblocking(path, file)
    try:
        st = os.fstat(fd)
        _check_regular(st.st_mode, st.st_size, file)
        chunks, left = [], MAX_BYTES + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        raw = b"".join(chunks)
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", file=file) from None
    finally:
        os.close(fd)
    if len(raw) > MAX_BYTES:
        raise InputError(f"file is over {MAX_BYTES} bytes", file=file, allowed=f"at most {MAX_BYTES}")
    return raw


def _open_nonblocking(path: Path, file: str) -> int:
    """A read-only descriptor, opened without blocking (a FIFO would wait for a writer)."""
    try:
        return os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InputError("file not found", file=file) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a YAML file", file=file) from None
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", file=file) from None


def _check_regular(mode: int, size: int, file: str) -> None:
    """Refuse a directory, a device or FIFO, or a file over MAX_BYTES, before reading it."""
    if stat.S_ISDIR(mode):
        raise InputError("is a directory, not a YAML file", file=file)
    if not stat.S_ISREG(mode):
        raise InputError(f"is {_file_kind(mode)}, not a YAML file", file=file)
    if size > MAX_BYTES:
        raise InputError(f"file is {size} bytes", file=file, allowed=f"at most {MAX_BYTES}")


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_yaml(path: Path, lines: Lines | None = None) -> Any:
    """One YAML document as plain Python data; bad files raise InputError."""
    path = Path(path)
    file = str(path)
    raw = _read_limited(path, file)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line: int | None = raw[: e.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte {raw[e.start]:#04x} at offset {e.start})",
            file=file,
            line=line,
            allowed="UTF-8 encoded YAML",
        ) from None
    if not text.strip():
        raise InputError("file is empty", file=file, allowed="a YAML mapping")
    items = text.count("\n") + text.count(",")
    if items > MAX_ITEMS:  # counted in microseconds; parsing that many takes minutes
        raise InputError(
            f"{items} lines and list items", file=file, allowed=f"at most {MAX_ITEMS} (the baseline has ~700)"
        )
    try:
        node = _yaml().load(text)
    except MaxDepthExceededError as e:
        line = e.problem_mark.line + 1 if e.problem_mark is not None else None
        raise InputError(
            f"YAML nested more than {MAX_DEPTH} levels deep",
            file=file,
            line=line,
            allowed="a scenario's depth",
        ) from None
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = (e.problem or e.context or "invalid YAML").strip()
        raise InputError(f"YAML syntax: {problem}", file=file, line=line) from None
    except _TagFound as e:
        raise InputError(
            "explicit YAML tags are not allowed",
            file=file,
            line=e.mark.line + 1 if e.mark is not None else None,
            given=e.tag.replace("tag:yaml.org,2002:", "!!"),
            allowed="plain mappings, lists and scalars",
        ) from None
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


def _parent_path(path: Path, parent: object, stack: tuple[Path, ...], file: str, line: int | None) -> Path:
    """The file ``extends`` names (relative to ``path``'s folder), refused unless a readable
    regular file that closes no cycle and keeps the chain within MAX_EXTENDS."""
    if not isinstance(parent, str) or not parent.strip():
        raise InputError(
            "must be a file name",
            file=file,
            line=line,
            key="extends",
            given=parent,
            allowed="a path to a YAML file",
        )
    if "\0" in parent or len(parent) > 4096:
        raise InputError(
            "not a usable file name (a NUL byte, or longer than 4096 characters)",
            file=file,
            line=line,
            key="extends",
            given=parent,
            allowed="a path to a YAML file",
        )
    if len(stack) + 1 >= MAX_EXTENDS:
        raise InputError(
            f"extends chain longer than {MAX_EXTENDS} files",
            file=file,
            line=line,
            key="extends",
            given=parent,
            allowed=f"at most {MAX_EXTENDS} files from the scenario to its last base",
        )
    try:
        parent_path = (path.parent / parent).resolve()
        parent_mode = parent_path.stat().st_mode if parent_path.exists() else None
    except OSError as e:
        raise InputError(
            f"extended file cannot be read ({e.strerror})",
            file=file,
            line=line,
            key="extends",
            given=parent,
            allowed="a path to a YAML file",
        ) from None
    if parent_path in (*stack, path):
        chain = " -> ".join(p.name for p in (*stack, path, parent_path))
        raise InputError("cyclic extends", file=file, line=line, key="extends", given=chain)
    if parent_mode is None or not stat.S_ISREG(parent_mode):
        if parent_mode is None:
            what = f"not found (looked for {parent_path})"
        elif stat.S_ISDIR(parent_mode):
            what = "is a directory"
        else:
            what = f"is {_file_kind(parent_mode)}"
        raise InputError(
            f"extended file {what} (looked for {parent_path})",
            file=file,
            line=line,
            key="extends",
            given=parent,
            allowed=f"a path to a YAML file, relative to this file's folder {path.parent}",
        )
    return parent_path


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
    for key, key_line in lines.items():
        origin[key] = (file, key_line)
    if parent is None:
        return data
    parent_path = _parent_path(path, parent, stack, file, lines.get(("extends",)))
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
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InputError(
            f"--set is not valid text (character {e.start} cannot be encoded as UTF-8)",
            given=text.encode("utf-8", "backslashreplace").decode("ascii"),
            allowed="UTF-8 text",
        ) from None
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or any(not p for p in key.strip().split(".")):
        raise InputError("--set needs KEY.PATH=VALUE", given=text, allowed="e.g. run.days=30")
    try:
        node = _yaml().load(value) if value.strip() else None
        parsed = _plain(node, (), {}, "--set", [MAX_NODES])
    except _TagFound as e:
        raise InputError(
            "explicit YAML tags are not allowed in --set",
            key=key.strip(),
            given=e.tag.replace("tag:yaml.org,2002:", "!!"),
            allowed="plain values",
        ) from None
    except InputError as e:
        if "too large" in e.message:
            raise InputError(e.message, key=key.strip(), allowed=e.allowed) from None
        if "finite" not in e.message:
            parsed = value
        else:
            raise InputError(
                e.message, key=key.strip(), given=value, allowed="a finite number (not inf or nan)"
            ) from None
    except (YAMLError, ValueError, TypeError, RecursionError):
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
    # An error reported on a mapping (a model's own check) that a --set changed
    # inside is the --set's, not the line of the mapping in the base file.
    if key and any(efile == "--set" and k[: len(key)] == key for k, (efile, _) in origin.items()):
        return f"{file} (--set)", None
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
    if "parameters" in data and "base" in data and "gates" not in data:
        raise InputError(
            "this is a sweep file (it has base: and parameters:), not a scenario",
            file=str(path),
            allowed=f"gatesim sweep {path} --out DIR",
        )
    data = apply_overrides(data, overrides, origin)
    scenario = validate(data, origin, str(path))
    # date-times in one written form, however given (scenario.resolved.yaml, the scenario's hash)
    return scenario, canonical_data(data, scenario)

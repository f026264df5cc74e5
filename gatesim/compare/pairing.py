"""Each proposal against its own base: a package under growth is compared with growth, not with today.

A scenario's changes from the root base (the scenario the ensemble was fitted
on) fall in two kinds: *measures* (lanes, hours, counters, yards: what a
planner decides) and *context* (:data:`CONTEXT_PATHS`: the volume's growth,
the time of year: what the planner does not decide). A proposal that changes
both, such as ``smart_gate_package_growth`` (it ``extends:`` the package and
adds the growth), is paired against the root base with the same context: the
growth base. That base is named after a shipped scenario that ``extends:`` the
root (directly or through others) and holds exactly those context changes
(``traffic_growth_2026``) when one exists in the proposal's or the base's
folder, else it is built (``baseline_2026 + growth of smart_gate_package_growth``).
A proposal that changes only context (a growth scenario itself) is paired
against the root: its effect is the context's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["own_base"]

# Key paths (and their sub-paths) that describe the demand and the time of year, not a measure.
CONTEXT_PATHS = ("growth", "calendar.start_date", "calendar.seasons")
_NOT_COMPARED = ("name", "description", "sources", "run", "extends", "targets")


@dataclass(frozen=True)
class OwnBase:
    """The base a proposal is paired against: ``None`` resolved means the root itself."""

    name: str
    file: str
    resolved: dict | None
    context: tuple[str, ...]  # the context paths that differ from the root


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for k, v in data.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: data}


def _is_context(path: str) -> bool:
    return any(path == c or path.startswith(c + ".") for c in CONTEXT_PATHS)


def _compared(path: str) -> bool:
    head = path.split(".")[0]
    return head not in _NOT_COMPARED


def changed_paths(resolved: dict, root: dict) -> list[str]:
    """Leaf key paths whose value differs between ``resolved`` and ``root`` (names, sources, run left out)."""
    a, b = _flat(resolved), _flat(root)
    return sorted(p for p in set(a) | set(b) if _compared(p) and a.get(p, KeyError) != b.get(p, KeyError))


def _set(data: dict, path: str, value: Any) -> None:
    keys = path.split(".")
    node = data
    for k in keys[:-1]:
        node = node.setdefault(k, {})
    if value is KeyError:
        node.pop(keys[-1], None)
    else:
        node[keys[-1]] = copy.deepcopy(value)


def _with_context(root: dict, proposal: dict, context: list[str]) -> dict:
    out = copy.deepcopy(root)
    flat = _flat(proposal)
    for p in context:
        _set(out, p, flat.get(p, KeyError))
    return out


def _same(a: dict, b: dict) -> bool:
    return not changed_paths(a, b)


def _candidates(folders: list[Path]) -> list[Path]:
    seen: list[Path] = []
    for d in folders:
        for f in sorted(d.glob("*.yaml")):
            if f.resolve() not in [s.resolve() for s in seen] and not f.name.endswith(".priors.yaml"):
                seen.append(f)
    return seen


def own_base(proposal: dict, proposal_file: str, root: dict, root_file: str) -> OwnBase:
    """The base ``proposal`` is paired against (module docstring); the root when it changes no context."""
    root_name = str(root.get("name"))
    changed = changed_paths(proposal, root)
    context = [p for p in changed if _is_context(p)]
    if not context or len(context) == len(changed):
        return OwnBase(root_name, root_file, None, ())
    target = _with_context(root, proposal, context)
    from gatesim.errors import InputError
    from gatesim.scenario.load import load_scenario

    for f in _candidates([Path(proposal_file).parent, Path(root_file).parent]):
        try:
            text = f.read_text(encoding="utf-8")
        except OSError:
            continue
        if "extends:" not in text:  # a shipped base extends the root; the root itself has no extends
            continue
        try:
            _, res = load_scenario(f)
        except InputError:
            continue
        if _same(res, target):
            return OwnBase(str(res.get("name")), str(f), res, tuple(context))
    heads = sorted({p.split(".")[0] for p in context})
    target["name"] = f"{root_name} + {' + '.join(heads)} of {proposal.get('name')}"
    return OwnBase(str(target["name"]), proposal_file, target, tuple(context))

"""The name of a run: the scenario's, plus what ``--set`` changed, or ``--name``.

Two runs of one file with different ``--set`` values must not both be called
``baseline_2026``: they would compare as "baseline_2026 vs baseline_2026" in
the terminal, the CSV and the report. The name must fit the scenario schema's
pattern for ``name`` (it becomes a folder name of multi-scenario runs).
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from gatesim.errors import InputError

if TYPE_CHECKING:
    from gatesim.scenario.schema import Scenario

__all__ = ["renamed", "set_name"]

_NAME_RE = r"^[A-Za-z0-9_.-]+$"  # the scenario schema's pattern for name
_NAME_MAX = 80


def set_name(base: str, overrides: tuple[str, ...]) -> str:
    """``baseline_2026`` + ``gates.tan_thanh.stages.road.lanes=8`` -> ``baseline_2026__tan_thanh.road.lanes_8``.

    Run settings (``run.*``) and source notes do not change what is simulated,
    so they do not rename it; a ``name=`` override is the name itself.
    """
    parts = []
    for text in overrides:
        key, _, value = text.partition("=")
        key = key.strip()
        if key == "name":
            return value.strip()
        if key.startswith(("run.", "sources.")):
            continue
        key = re.sub(r"^gates\.", "", key).replace(".stages.", ".")
        parts.append(re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{key}_{value.strip()}").strip("_"))
    if not parts:
        return base
    name = "__".join([base, *parts])
    if len(name) > _NAME_MAX:  # still unique and stable; scenario.resolved.yaml holds every value
        digest = hashlib.sha256("\n".join(overrides).encode()).hexdigest()[:8]
        name = f"{base}__{len(parts)}_changes_{digest}"
    return name


def renamed(
    scenario: Scenario, resolved: dict, overrides: tuple[str, ...], run_name: str | None, n: int
) -> tuple[Scenario, dict]:
    """The scenario renamed after --name, or after what --set changed (so that two runs of one
    file never compare as "baseline vs baseline")."""
    if run_name is not None:
        if n > 1:
            raise InputError("--name names one scenario; several were given", key="--name", given=run_name)
        if not re.match(_NAME_RE, run_name):
            raise InputError(
                "not a usable name",
                key="--name",
                given=run_name,
                allowed="letters, digits, _ . - (no spaces)",
            )
        name = run_name
    else:
        name = set_name(scenario.name, overrides)
    if name == scenario.name:
        return scenario, resolved
    if not re.match(_NAME_RE, name):
        raise InputError("not a usable name", key="name", given=name, allowed="letters, digits, _ . -")
    return scenario.model_copy(update={"name": name}), {**resolved, "name": name}

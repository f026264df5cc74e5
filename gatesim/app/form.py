"""The scenario form: a scenario's main parameters, each described by the schema.

A field is a key path of the scenario (as ``--set`` takes it); its type, range and help
come from the pydantic field it reaches (``Field(ge=..., le=...)``, the description, else
the model's docstring), its value from the loaded scenario, its unit from its name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel

__all__ = ["FormField", "main_fields", "overrides_from"]

_GATE_KEYS = (
    "arrivals.per_day",
    "arrivals.export_share",
    "yard.capacity_trucks",
    "stages.road.lanes",
    "stages.cn_acceptance.servers",
    "stages.cn_acceptance.hours.close_h",
    # the smart gate's, shown only where the scenario has them
    "agv_lane.fleet_agvs",
    "agv_lane.hours.open_h",
    "agv_lane.hours.close_h",
    "agv_lane.bookings_per_day",
    "routes.export.buffer.capacity_trucks",
)
_TOP_KEYS = ("run.days", "run.replications", "run.seed", "growth.volume_multiplier")

# units by the end of the key's last part (the schema names carry their units)
_UNITS = {
    "per_day": "trucks/day",
    "share": "share (0-1)",
    "capacity_trucks": "trucks",
    "lanes": "lanes",
    "servers": "servers",
    "open_h": "hour (Hanoi or China time, as the hours say)",
    "close_h": "hour (Hanoi or China time, as the stage's hours say)",
    "agvs": "vehicles",
    "days": "days",
    "replications": "replications",
    "seed": "integer",
    "multiplier": "x",
}


@dataclass(frozen=True)
class FormField:
    key: str
    value: float | int | None
    integer: bool
    low: float | None  # inclusive unless low_open
    high: float | None
    low_open: bool
    unit: str
    help: str
    gate: str  # "" for scenario-wide fields


def _unit(key: str) -> str:
    last = key.rsplit(".", 1)[-1]
    for end, unit in _UNITS.items():
        if last.endswith(end):
            return unit
    return ""


def _describe(model: BaseModel, attr: str, key: str, value, gate: str) -> FormField:
    info = type(model).model_fields[attr]
    low = high = None
    low_open = False
    for m in info.metadata:
        if isinstance(m, Ge):
            low = float(m.ge)  # type: ignore[arg-type]
        elif isinstance(m, Gt):
            low, low_open = float(m.gt), True  # type: ignore[arg-type]
        elif isinstance(m, Le):
            high = float(m.le)  # type: ignore[arg-type]
        elif isinstance(m, Lt):
            high = float(m.lt)  # type: ignore[arg-type]
    doc = (type(model).__doc__ or "").strip().splitlines()
    help_text = info.description or (doc[0] if doc else "")
    integer = isinstance(value, int) and not isinstance(value, bool)
    return FormField(key, value, integer, low, high, low_open, _unit(key), help_text, gate)


def _reach(obj, key: str, gate: str) -> FormField | None:
    """The field at ``key`` of the scenario object ``obj``, or None where the scenario has none."""
    parts = key.split(".")
    for part in parts[:-1]:
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
        if obj is None:
            return None
    if not isinstance(obj, BaseModel) or parts[-1] not in type(obj).model_fields:
        return None
    value = getattr(obj, parts[-1])
    if value is not None and not isinstance(value, int | float):
        return None
    return _describe(obj, parts[-1], key, value, gate)


def main_fields(scenario) -> list[FormField]:
    """The form's fields for a loaded scenario: run settings, growth, then each gate's."""
    fields = [f for k in _TOP_KEYS if (f := _reach(scenario, k, "")) is not None]
    for gid, gate in scenario.gates.items():
        for k in _GATE_KEYS:
            f = _reach(gate, k, gid)
            if f is not None and f.value is not None:
                fields.append(replace(f, key=f"gates.{gid}.{k}"))
    return fields


def overrides_from(fields: list[FormField], form: dict[str, str]) -> tuple[str, ...]:
    """``KEY=VALUE`` for each field whose submitted value differs from the scenario's."""
    out = []
    for f in fields:
        given = (form.get(f.key) or "").strip()
        if given == "" or given == str(f.value):
            continue
        try:
            if float(given) == float(f.value if f.value is not None else "nan"):
                continue
        except ValueError:
            pass  # not a number: the loader says so, in the CLI's words
        out.append(f"{f.key}={given}")
    return tuple(out)

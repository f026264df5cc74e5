"""Plain words for a scenario key path (a sweep's parameter, a study's factor), said one way everywhere.

``gates.tan_thanh.stages.road.lanes`` is, on a chart's axis, "Tân Thanh, dedicated
road: lanes [lanes]" (:func:`param_label`); in a study's sentence it is "dedicated
road: lanes at Tân Thanh" (``gatesim/decide/labels.py``). Both read :func:`key_words`:
one vocabulary and one unit per key. Gate and stage names are the KPI registry's;
the CSV files keep the key paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gatesim.projections.registry import gate_name, stage_label

__all__ = ["key_words", "param_label"]


@dataclass(frozen=True)
class KeyWords:
    """A key path in words: where it is, what it is, its unit."""

    gate: str  # the gate's name; "" for a key outside ``gates``
    stage: str  # the stage's label; "" for a key of no stage
    section: str  # outside ``gates``, the key's first part in words ("growth"); "" otherwise
    what: str  # the key's own words ("closing hour")
    unit: str  # "min", "h", "VND" ...; "" when the words say it or it has none
    measured: (
        bool  # the unit is a quantity's (min, trucks, USD), not a count the words name, a share, an hour
    )


# Parts said with their own words and unit (and whether that unit is a quantity's, as in KeyWords).
_WORDS: dict[str, tuple[str, str, bool]] = {
    "close_h": ("closing hour", "h, local time", False),
    "open_h": ("opening hour", "h, local time", False),
    "per_lane_vehicles_per_h": ("vehicles per lane per hour", "", False),  # a rate: the words say its unit
    "volume_multiplier": ("traffic volume multiplier", "×", False),
    "per_day": ("arrivals per day", "trucks/day", False),
    "per_year": ("per year", "share", False),  # growth.per_year: a yearly growth rate
    "capacity_trucks": ("yard capacity", "trucks", True),
    "vnd_per_usd": ("VND per USD", "", False),
    "value_usd_mean": ("mean value", "USD", True),
}
# Parts that only group others: left out of the words (a unit of theirs still counts).
_GROUPS = {"service", "steps_min", "by_channel_min", "hours", "arrivals", "yard"}
# A name's unit suffix (compound ones first): ``value_of_time_vnd_per_h`` is "value of time" in VND/h.
_SUFFIXES = (
    ("_vnd_per_h", "VND/h"),
    ("_vnd_per_day", "VND/day"),
    ("_vnd_per_trip", "VND/trip"),
    ("_vnd_per_truck", "VND/truck"),
    ("_l_per_h", "l/h"),
    ("_kg_per_l", "kg/l"),
    ("_g_per_idle_h", "g/idle h"),
    ("_min", "min"),
    ("_h", "h"),
    ("_trucks", "trucks"),
    ("_vnd", "VND"),
    ("_usd", "USD"),
    ("_km", "km"),
    ("_m", "m"),
)


def _split(part: str) -> tuple[str, str, bool]:
    """A part's words, its unit and whether that unit is a quantity's (a unit suffix is)."""
    if part in _WORDS:
        return _WORDS[part]
    for suffix, unit in _SUFFIXES:
        head = part[: -len(suffix)]
        if part.endswith(suffix) and head and not head.endswith("_per"):  # a rate per h is no duration
            return head.replace("_", " "), unit, True
    return part.replace("_", " "), "", False


def _role_unit(path: str, last: str) -> str:
    """The unit a key has from its role rather than its name (a count of lanes, a multiplier, a share)."""
    if last in ("lanes", "servers"):
        return last
    if "multiplier" in last:
        return "×"
    if last.endswith("_share") or re.search(r"\.(channel_shares|cargo_mix)\.", path):
        return "share"
    return ""


def key_words(path: str, names: dict[str, str] | None = None) -> KeyWords:
    """``gates.tan_thanh.stages.cn_acceptance.hours.close_h`` -> Tân Thanh, acceptance (Chinese side),
    "closing hour", "h, local time". ``names``: the run's gate names (else the registry's)."""
    parts = path.split(".")
    gate = stage = section = ""
    if len(parts) > 2 and parts[0] == "gates":
        gate, parts = gate_name(parts[1], names), parts[2:]
        if len(parts) > 1 and parts[0] == "stages":
            stage, parts = stage_label(parts[1]), parts[2:]
    elif len(parts) > 1:
        section, parts = parts[0].replace("_", " "), parts[1:]
    inner = [(p, *_split(p)) for p in parts[:-1]]
    words = [w for p, w, _, _ in inner if p not in _GROUPS]
    last, unit, measured = _split(parts[-1]) if parts else ("", "", False)
    if not unit:  # a mapping's entry has its mapping's unit: travel_min.chi_ma, steps_min.check
        unit, measured = next(((u, m) for _, _, u, m in reversed(inner) if u), ("", False))
    if "by_channel_min" in parts[:-1]:
        last = f"{last} channel"
    if not unit:
        unit = _role_unit(path, parts[-1] if parts else "")
    what = " ".join(w for w in [*words, last] if w) or path
    return KeyWords(gate, stage, section, what, unit, measured)


def param_label(path: str, names: dict[str, str] | None = None) -> str:
    """A chart's words for a key: ``gates.tan_thanh.stages.road.lanes`` ->
    ``Tân Thanh, dedicated road: lanes [lanes]``."""
    k = key_words(path, names)
    where = ", ".join(x for x in (k.gate, k.stage, k.section) if x)
    return (f"{where}: " if where else "") + k.what + (f" [{k.unit}]" if k.unit else "")

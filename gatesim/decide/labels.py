"""Plain labels for a study's factors (scenario key paths) and KPIs, for sentences a planner reads.

``gates.tan_thanh.arrivals.transshipment_share`` is "transshipment share at
Tân Thanh"; ``gates.tan_thanh.stages.road.per_lane_vehicles_per_h`` is "road
(1088/2-1089): vehicles per lane per hour at Tân Thanh"; ``wait_mean_h@tan_thanh``
is "mean wait per truck at Tân Thanh". Stage and KPI words are the KPI
registry's; the CSV files keep the key paths.
"""

from __future__ import annotations

from gatesim.projections.registry import GATE_NAMES, label, stage_label

__all__ = ["factor_label", "kpi_at_gate"]

# A key's unit suffix, said in brackets after its words.
_UNITS = (
    ("_min", "min"),
    ("_h", "h"),
    ("_trucks", "trucks"),
    ("_vnd", "VND"),
    ("_usd", "USD"),
    ("_km", "km"),
)
_WORDS = {
    "vnd_per_usd": "VND per USD",
    "per_lane_vehicles_per_h": "vehicles per lane per hour",
    "per_day": "arrivals per day",
    "close_h": "closing hour",
    "open_h": "opening hour",
    "value_usd_mean": "mean value (USD)",
    "hours": "",
    "steps_min": "",
    "by_channel_min": "",
    "service": "",
}


def _words(part: str) -> str:
    if part in _WORDS:
        return _WORDS[part]
    unit = ""
    for suffix, u in _UNITS:
        if part.endswith(suffix) and part != suffix.lstrip("_"):
            part, unit = part[: -len(suffix)], u
            break
    text = part.replace("_", " ")
    return f"{text} ({unit})" if unit else text


def factor_label(key: str, gate: bool = True) -> str:
    """Plain words for a scenario key path; ``gate=False`` leaves out "at <gate>" (the context says it)."""
    parts = key.split(".")
    if len(parts) >= 3 and parts[0] == "gates":
        where = GATE_NAMES.get(parts[1], parts[1].replace("_", " "))
        rest = parts[2:]
        head = ""
        if rest[0] == "stages" and len(rest) >= 2:
            head, rest = stage_label(rest[1]), rest[2:]
        elif rest[0] == "arrivals":
            rest = rest[1:]
        words = [w for w in (_words(p) for p in rest[:-1]) if w]
        last = _words(rest[-1]) if rest else ""
        if len(rest) >= 2 and rest[-2] in ("steps_min", "by_channel_min"):
            last += " channel (min)" if rest[-2] == "by_channel_min" else " (min)"  # a service's minutes
        text = ": ".join(x for x in (head, " ".join([*words, last]).strip()) if x)
        return f"{text} at {where}" if gate else text
    return " ".join(w for w in (_words(p) for p in parts[1:] or parts) if w) or key


def kpi_at_gate(column: str, lang: str = "en") -> str:
    """``wait_mean_h@tan_thanh`` -> "mean wait per truck at Tân Thanh" (the registry's label)."""
    kpi, _, gate = column.partition("@")
    words = label(kpi, lang)
    if not gate:
        return words
    where = GATE_NAMES.get(gate, gate.replace("_", " "))
    return f"{words} {'tại' if lang == 'vi' else 'at'} {where}"

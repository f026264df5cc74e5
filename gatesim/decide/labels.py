"""Plain labels for a study's factors (scenario key paths) and KPIs, for sentences a planner reads.

``gates.tan_thanh.arrivals.transshipment_share`` is "transshipment share at
Tân Thanh"; ``gates.tan_thanh.stages.road.per_lane_vehicles_per_h`` is "dedicated
road: vehicles per lane per hour at Tân Thanh"; ``wait_mean_h@tan_thanh``
is "mean wait per truck at Tân Thanh". Stage and KPI words are the KPI
registry's, a key's words and unit ``gatesim/projections/key_labels.py``'s; the CSV files keep
the key paths.
"""

from __future__ import annotations

from gatesim.projections.key_labels import key_words
from gatesim.projections.registry import GATE_NAMES, label

__all__ = ["factor_label", "kpi_at_gate"]


def factor_label(key: str, gate: bool = True) -> str:
    """Plain words for a scenario key path; ``gate=False`` leaves out "at <gate>" (the context says it).

    The words and unit are :func:`~gatesim.projections.key_labels.key_words`' (a chart's axis
    says the same); a sentence names a quantity's unit in brackets and the gate last.
    """
    k = key_words(key)
    what = f"{k.what} ({k.unit})" if k.measured and k.unit else k.what
    if not k.gate:
        return what
    text = ": ".join(x for x in (k.stage, what) if x)
    return f"{text} at {k.gate}" if gate else text


def kpi_at_gate(column: str, lang: str = "en") -> str:
    """``wait_mean_h@tan_thanh`` -> "mean wait per truck at Tân Thanh" (the registry's label)."""
    kpi, _, gate = column.partition("@")
    words = label(kpi, lang)
    if not gate:
        return words
    where = GATE_NAMES.get(gate, gate.replace("_", " "))
    return f"{words} {'tại' if lang == 'vi' else 'at'} {where}"

"""The headline block at the top of a run's page: the terminal's table, in plain labels and units.

The rows are the terminal's (what ``gatesim run`` prints): the KPI registry's
terminal KPIs, then its ``HEADLINE_EXTRAS`` a corridor run or a run with an
automated lane or buffers has in its summary; each labelled with
the registry's words ("mean wait per truck", not ``wait_mean_h``) and each
figure in plain units ("3 h 58 min ± 12 min", "91.7 bn VND").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.compare.plain import plain
from gatesim.projections.registry import HEADLINE_EXTRAS, KPIS
from gatesim.report.common import finite
from gatesim.report.html import table_html
from gatesim.report.rundata import RunData
from gatesim.stats import ci_half_width, mean_ci_text

__all__ = ["headline_table"]

_ROWS = [k for k in KPIS if "terminal" in k.shown or k.column in HEADLINE_EXTRAS]
_PLAIN_UNITS = ("h", "VND")  # said as durations and bn VND; the others as numbers with the registry's unit


def _cell(values: np.ndarray, k) -> str:
    if values.size == 0:
        return "–"
    mean, half = float(values.mean()), ci_half_width(values)
    if k.unit in _PLAIN_UNITS:
        text = plain(mean, k.unit)
        return text if np.isnan(half) else f"{text} ± {plain(half, k.unit)}"
    return mean_ci_text(values, k.digits, k.scale)


def _unit(k) -> str:
    if k.unit == "h":
        return ""  # the cells say h and min
    if k.unit == "VND":
        return ""  # the cells say bn VND
    return k.display_unit


def headline_table(run: RunData) -> str:
    """Per gate, the terminal's KPIs as mean ± 95% CI half-width over replications, in plain words."""
    rows = []
    for k in _ROWS:
        if k.column not in run.summary:
            continue
        row = {"figure": k.label, "unit": _unit(k)}
        for g in run.gates:
            row[run.names[g]] = _cell(finite(run.summary.loc[run.summary["gate"] == g, k.column]), k)
        rows.append(row)
    return table_html(pd.DataFrame(rows), left=("figure", "unit"))

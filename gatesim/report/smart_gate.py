"""The smart-gate section of a run report: the automated lane's and the route buffers'
KPIs per gate (from ``summary.csv``: mean over replications, 95% CI), shown only when the
run has them."""

from __future__ import annotations

import pandas as pd

from gatesim.projections import registry
from gatesim.projections.registry import kpi_label, kpi_scale, kpi_unit
from gatesim.report.html import Section, table_html
from gatesim.report.rundata import RunData
from gatesim.stats import mean_ci_text

__all__ = ["smart_gate_section"]

_COLUMNS = registry.columns("smart_gate")


def smart_gate_section(run: RunData, heading: str, key: str = "", fold: bool = False) -> Section | None:
    """A table of the lane's and buffers' KPIs, or None when the run has neither."""
    s = run.summary
    if not any(c in s.columns for c in _COLUMNS):
        return None
    gates = [
        g for g in run.gates if s.loc[s["gate"] == g, [c for c in _COLUMNS if c in s]].notna().any(axis=None)
    ]
    rows = []
    for col in (c for c in _COLUMNS if c in s.columns):
        row = {"KPI": kpi_label(col), "unit": kpi_unit(col)}
        for gate in gates:
            row[run.names[gate]] = mean_ci_text(
                s.loc[s["gate"] == gate, col], registry.by_column(col).digits, kpi_scale(col)
            )
        rows.append(row)
    text = (
        "The automated lane (containers carried on driverless vehicles, their use and the wait for one) "
        "and the buffers between two stages of a route (trucks held back while one is full), folded from "
        "the event log; mean over replications ± 95% CI half-width."
    )
    table = (
        "Automated lane and buffers per gate over the window",
        table_html(pd.DataFrame(rows), left=("KPI", "unit")),
    )
    return Section(heading, [], [table], text, key, fold=fold)

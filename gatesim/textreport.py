"""Plain-text tables for the terminal (what ``gatesim run`` prints at the end)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.projections.kpis import kpi_stage
from gatesim.projections.registry import HEADLINE_EXTRAS, KPIS
from gatesim.run import annual_revenue
from gatesim.stats import ci_half_width, mean_ci_text

__all__ = ["format_run"]

# The rows: the registry's terminal KPIs, under the registry's words; then the extras of a corridor
# run or a run with an automated lane or buffers (the registry's HEADLINE_EXTRAS, as the report's headline).
_SHOWN = [(k.column, f"{k.header}", k.digits, k.scale) for k in KPIS if "terminal" in k.shown] + [
    (k.column, f"{k.header} {k.display_unit}".strip(), k.digits, k.scale)
    for k in KPIS
    if k.column in HEADLINE_EXTRAS
]


def _left_out_warning(summary: pd.DataFrame, gates: list[str], gate_names: dict[str, str]) -> list[str]:
    """A line when some of the window's trucks were still inside at the run's end: their
    waits are missing, so the wait figures are lower bounds."""
    if "wait_left_out" not in summary:
        return []
    left = summary.groupby("gate", sort=False)["wait_left_out"].mean()
    hit = [f"{gate_names.get(g, g)} {left[g]:,.0f}" for g in gates if left.get(g, 0) > 0]
    if not hit:
        return []
    return [
        "",
        "Waits are lower bounds: trucks of the window still inside at the end of the run "
        f"(mean per replication, wait_left_out): {', '.join(hit)}. A longer calendar.drain_days "
        "counts more of them; an overloaded gate never empties.",
    ]


def _longest_stage_wait(rows: pd.DataFrame) -> str:
    """The stage with the longest mean wait (mean over replications): where the time goes."""
    cols = [c for c in rows.columns if c.startswith("wait_at_")]  # the wait_at_column()s
    means = rows[cols].apply(pd.to_numeric, errors="coerce").mean() if cols else pd.Series(dtype=float)
    means = means.dropna()
    if means.empty:
        return "-"
    col = means.idxmax()
    stage = kpi_stage(col) or col  # col is a per-stage column (kpi_stage names its stage)
    return f"{stage.replace('_', ' ')} {means[col]:.2f}"


def format_run(summary: pd.DataFrame, gate_names: dict[str, str], targets_vnd: dict[str, float]) -> str:
    """Per gate, key KPIs as mean ± 95% CI half-width; then annual revenue vs targets."""
    gates = list(dict.fromkeys(summary["gate"]))
    header = ["KPI (mean ± 95% CI)"] + [gate_names.get(g, g) for g in gates]
    rows = []
    for col, label, digits, scale in _SHOWN:
        if col not in summary:
            continue  # a summary written by an older gatesim
        rows.append(
            [label]
            + [mean_ci_text(summary.loc[summary["gate"] == g, col], digits, scale, empty="-") for g in gates]
        )
        if col == "wait_p95_h":
            rows.append(
                ["longest stage wait h"] + [_longest_stage_wait(summary[summary["gate"] == g]) for g in gates]
            )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in [header, *rows]]
    lines += _left_out_warning(summary, gates, gate_names)
    ann = annual_revenue(summary)["annual_revenue_vnd"].to_numpy() / 1e9
    half = ci_half_width(ann)
    days = float(summary["days"].iloc[0])
    lines.append("")
    lines.append(
        f"Projected customs revenue, all gates modelled, {days:g} days scaled to 365: "
        f"{ann.mean():,.0f}"
        # one replication has no interval: say so rather than print a "± 0" that claims certainty
        + (" (one replication: no CI)" if np.isnan(half) else f" ± {half:,.0f}")
        + " billion VND/year"
    )
    if targets_vnd:
        from gatesim.trust.revenue_basis import load_revenue_basis, target_lines

        per_gate = summary.assign(annual=summary["revenue_vnd"] / summary["days"] * 365.0)
        annual_by_gate = per_gate.groupby("gate", sort=False)["annual"].mean().to_dict()
        lines += target_lines(annual_by_gate, targets_vnd, load_revenue_basis(), gate_names)
    return "\n".join(lines)

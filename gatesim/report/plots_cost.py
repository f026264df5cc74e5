"""What congestion costs, as a chart: delay cost and spoilage beside the customs revenue,
and the emissions of idling per day (``timeseries.csv``'s cost columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.projections import registry
from gatesim.report.common import Chart, day_axis, new_figure, render_png
from gatesim.report.rundata import RunData

__all__ = ["cost_chart"]

_COST = ("delay_cost_vnd", "spoilage_vnd")
_EMIT = ("co2_kg", "nox_kg")


def _daily(series: pd.DataFrame, gate: str | None, col: str) -> pd.Series:
    """Per day: the hours' sum, mean over replications (all gates when ``gate`` is None)."""
    rows = series if gate is None else series[series["gate"] == gate]
    day = rows["when"].dt.normalize()
    return rows.groupby([day, "replication"])[col].sum(min_count=1).groupby(level=0).mean()


def cost_chart(run: RunData) -> Chart | None:
    """Left: per gate, revenue, delay cost and spoilage in the window (bn VND);
    right: CO2 and NOx of idling per day, all gates. None when the run has no costs."""
    s = run.series
    if any(c not in s for c in (*_COST, *_EMIT)) or s[list(_COST)].isna().all().all():
        return None
    fig = new_figure(11, 4.4)
    ax_gate, ax_day = fig.subplots(1, 2, width_ratios=[1, 1.6])
    cols = ("revenue_vnd", *_COST)
    x = np.arange(len(run.gates))
    width = 0.8 / len(cols)
    for i, col in enumerate(cols):
        k = registry.by_column(col)
        totals = [float(_daily(s, g, col).sum()) * k.scale for g in run.gates]
        bars = ax_gate.bar(x + (i - 1) * width, totals, width, label=k.label, color=f"C{i}")
        ax_gate.bar_label(bars, fmt="%.3g", fontsize=7, padding=1)
    # costs are ~1 % of the revenue: a log scale shows both, the labels give the figures
    ax_gate.set_yscale("log")
    ax_gate.set_ylim(top=ax_gate.get_ylim()[1] * 30)
    ax_gate.set_xticks(x, [run.names[g] for g in run.gates])
    ax_gate.set_ylabel("[billion VND in the window, log scale]")
    ax_gate.set_title("Congestion's cost beside the customs revenue", fontsize=10)
    ax_gate.legend(fontsize=8, loc="upper right")
    ax_gate.grid(axis="y", alpha=0.3)

    co2 = registry.by_column("co2_kg")
    daily = _daily(s, None, "co2_kg") * co2.scale
    ax_day.bar(
        daily.index, daily.to_numpy(), width=0.6, color="0.45", label=f"{co2.label} [{co2.display_unit}]"
    )
    day_axis(ax_day, daily.index)
    ax_day.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax_day.set_ylabel(f"[{co2.display_unit}/day]")
    nox = registry.by_column("nox_kg")
    ax_nox = ax_day.twinx()
    nox_daily = _daily(s, None, "nox_kg") * nox.scale
    ax_nox.plot(
        nox_daily.index, nox_daily.to_numpy(), "o-", color="tab:red", label=f"{nox.label} [{nox.unit}]"
    )
    ax_nox.set_ylabel(f"[{nox.display_unit}/day]", color="tab:red")
    ax_nox.set_ylim(0, max(1e-9, float(np.nanmax(nox_daily.to_numpy(), initial=0.0))) * 1.3)
    ax_day.set_ylim(0, ax_day.get_ylim()[1] * 1.15)  # room for the legend
    ax_day.set_title(
        "Emissions of trucks idling in queues per day, all gates (mean over replications)", fontsize=10
    )
    handles = ax_day.get_legend_handles_labels()[0] + ax_nox.get_legend_handles_labels()[0]
    ax_day.legend(handles, [h.get_label() for h in handles], fontsize=8, loc="upper left")
    ax_day.grid(axis="y", alpha=0.3)
    return Chart(
        "costs",
        "What congestion costs",
        "Left: customs tax due, delay cost of waiting (truck operating cost, driver time, parking, reefer fuel, "
        "inventory) and value lost to spoilage, per gate over the window, mean over replications. Right: CO2 "
        "(bars) and NOx (line) from idling while waiting. Factors and their sources: the scenario's economy: "
        "and emissions: sections.",
        render_png(fig),
    )

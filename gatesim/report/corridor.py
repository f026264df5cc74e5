"""The corridor section of a run report: shown only when the run has a corridor.

Reads the corridor columns of ``timeseries.csv`` (never the model): per gate and
day, each column aggregated over the day's hours as the KPI registry says (a
sum, a level's mean over the hour ends, a mean weighted by its count column;
the share of the corridor's trucks recomputed from the counts), then averaged
over replications. One chart (six panels by day) and one table (the window).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.projections import registry
from gatesim.projections.registry import kpi_label, kpi_scale, kpi_unit
from gatesim.report.common import Chart, day_axis, new_figure, render_png
from gatesim.report.html import Section, table_html
from gatesim.report.rundata import RunData

__all__ = ["corridor_section"]

_COLUMNS = registry.columns("corridor_timeseries")


def has_corridor(run: RunData) -> bool:
    return all(c in run.series.columns for c in _COLUMNS)


def _aggregate(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The corridor columns of ``rows`` aggregated over hours within each ``by`` group."""
    g = rows.groupby(by, sort=True)
    out = pd.DataFrame(index=g.size().index)
    for col in _COLUMNS:
        k = registry.by_column(col)
        if k.per_hour == "sum":
            out[col] = g[col].sum()
        elif k.per_hour == "level":
            out[col] = g[col].mean()
        elif k.per_hour_weight:
            x = pd.to_numeric(rows[col], errors="coerce")
            w = pd.to_numeric(rows[k.per_hour_weight], errors="coerce").where(x.notna(), 0.0)
            num = (x.fillna(0.0) * w).groupby([rows[b] for b in by]).sum()
            den = w.groupby([rows[b] for b in by]).sum()
            out[col] = (num / den.where(den > 0)).reindex(out.index)
    return out


def daily_corridor(run: RunData) -> pd.DataFrame:
    """Per (gate, day): the corridor columns over the day's hours, mean over replications."""
    s = run.series.assign(day=run.series["when"].dt.floor("D"))
    per_rep = _aggregate(s, ["gate", "day", "replication"])
    dep = per_rep["corridor_departed"]
    all_gates = dep.groupby(level=["day", "replication"]).transform("sum")
    per_rep["corridor_share"] = dep / all_gates.where(all_gates > 0)
    return per_rep.groupby(level=["gate", "day"]).mean()


def _window_table(run: RunData) -> str:
    """Per gate, over the window: sums per day, levels and means as the day's, mean over replications."""
    s = run.series
    days = max(1.0, s["t_h"].nunique() / 24.0)
    per_rep = _aggregate(s, ["gate", "replication"])
    dep = per_rep["corridor_departed"]
    per_rep["corridor_share"] = dep / dep.groupby(level="replication").transform("sum")
    mean = per_rep.groupby(level="gate").mean()
    rows = []
    for col in _COLUMNS:
        k = registry.by_column(col)
        unit = kpi_unit(col) + ("/day" if k.per_hour == "sum" else "")
        row = {"KPI": kpi_label(col), "unit": unit}
        for gate in run.gates:
            v = float(mean.loc[gate, col]) if gate in mean.index else np.nan
            v = v / days if k.per_hour == "sum" else v
            row[run.names[gate]] = "–" if np.isnan(v) else f"{v * kpi_scale(col):,.{k.digits}f}"
        rows.append(row)
    return table_html(pd.DataFrame(rows), left=("KPI", "unit"))


_PANELS = (
    ("corridor_share", None),
    ("held_truck_h", None),
    ("origin_to_crossing_h", None),
    ("booked_wait_h", "walkin_wait_h"),
    ("slot_use", None),
    ("reneged", None),
)


def _chart(run: RunData, daily: pd.DataFrame) -> Chart:
    fig = new_figure(12, 7.5)
    axes = fig.subplots(2, 3).ravel()
    for ax, (col, dashed) in zip(axes, _PANELS, strict=True):
        for i, gate in enumerate(run.gates):
            if gate not in daily.index.get_level_values("gate"):
                continue
            d = daily.loc[gate]
            ax.plot(
                d.index, d[col] * kpi_scale(col), "o-", color=f"C{i}", lw=1.4, ms=3, label=run.names[gate]
            )
            if dashed is not None:
                ax.plot(d.index, d[dashed] * kpi_scale(dashed), "o--", color=f"C{i}", lw=1.2, ms=3)
        title = kpi_label(col) if dashed is None else f"{kpi_label(col)} (—), {kpi_label(dashed)} (--)"
        ax.set_title(title, fontsize=9)
        per = "/day" if registry.by_column(col).per_hour == "sum" else ""
        ax.set_ylabel(f"[{kpi_unit(col)}{per}]")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        days = daily.index.get_level_values("day").unique()
        ax.set_xlim(
            days.min() - pd.Timedelta(hours=12), days.max() + pd.Timedelta(hours=12)
        )  # one day: a dot
        day_axis(ax, days)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=max(1, len(labels)), fontsize=9)
    fig.suptitle("The corridor per day: where trucks go, holding at the origin, time from origin to crossing")
    return Chart(
        "corridor",
        "The corridor per day",
        "Per gate and day (mean over replications), from timeseries.csv: the share of the corridor's trucks "
        "that left for the gate; truck-hours held at the origin (metering, cargo stops); mean hours from "
        "ready-to-leave to crossing of the trucks that crossed that day; gate time of booked (solid) and "
        "walk-in (dashed) trucks; booking slots used; trucks that gave up waiting.",
        render_png(fig),
    )


def corridor_section(run: RunData, heading: str, key: str = "", fold: bool = False) -> Section | None:
    """The corridor's chart and table, or None when the run has no corridor."""
    if not has_corridor(run):
        return None
    daily = daily_corridor(run)
    text = (
        "Corridor KPIs folded hour by hour from the event log (timeseries.csv); the summary's corridor "
        "columns count the trucks ready in the window, these count events by the day they happen."
    )
    table = ("Corridor per gate over the window (sums per day; mean over replications)", _window_table(run))
    return Section(heading, [_chart(run, daily)], [table], text, key, fold=fold)

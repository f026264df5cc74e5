"""Charts of one run: queues over time, waits, flows, capacity, spillback, revenue."""

from __future__ import annotations

from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from gatesim.projections.kpis import kpi_stage
from gatesim.projections.registry import kpi_label, stage_label
from gatesim.report.common import Chart, day_axis, finite, new_figure, render_png, stage_color
from gatesim.report.plots_cost import cost_chart
from gatesim.report.plots_money import calibration_chart, revenue_chart
from gatesim.report.rundata import RunData, nominal_capacity, stage_order
from gatesim.scenario.schema import Approach

__all__ = ["run_charts"]

_HOUR = pd.Timedelta(hours=1)


def _date_axis(ax, when: pd.Series) -> None:
    """Day and hour ticks; the year goes into the label (the formatter's corner offset misleads)."""
    loc = mdates.AutoDateLocator(minticks=3, maxticks=9)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, show_offset=False))
    y0, y1 = int(when.dt.year.min()), int(when.dt.year.max())
    ax.set_xlabel(f"date and hour, Hanoi time ({y0 if y0 == y1 else f'{y0}–{y1}'})")


def _dots(ax, x: float, values: np.ndarray, spread: float, color: str) -> None:
    """Each replication as a dot: with few replications a box or a t-interval would pretend to know the spread."""
    jitter = np.linspace(-spread, spread, len(values)) if len(values) > 1 else np.zeros(1)
    ax.plot(x + jitter, values, "o", color=color, ms=4, mec="k", mew=0.4)


def _over_reps(series: pd.DataFrame, gate: str, col: str) -> pd.DataFrame:
    """Per hour: mean, min and max over replications of one column for one gate."""
    rows = series[series["gate"] == gate]
    g = rows.groupby("when")[col]
    return pd.DataFrame({"mean": g.mean(), "lo": g.min(), "hi": g.max()})


def _n_reps(run: RunData) -> int:
    return int(run.summary["replication"].nunique())


def _gate_rows(run: RunData, gates: list[str], height_per_gate: float = 2.2, width: float = 10.0):
    fig = new_figure(width, 0.8 + height_per_gate * len(gates))
    axes = fig.subplots(len(gates), 1, sharex=True, squeeze=False)[:, 0]
    return fig, axes


def _active(run: RunData, cols: list[str]) -> tuple[list[str], list[str]]:
    """(gates with a non-zero value of any of ``cols`` in some hour, the others): a panel of the
    others would be an empty frame, so it is left out and said in one line."""
    active: list[str] = []
    empty: list[str] = []
    for g in run.gates:
        rows = run.series.loc[run.series["gate"] == g, [c for c in cols if c in run.series]]
        v = rows.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        (active if np.nan_to_num(v).any() else empty).append(g)
    return active, empty


def _none_at(run: RunData, gates: list[str], what: str) -> str:
    """ " No trucks waited at Cốc Nam, Chi Ma: their panels are left out." (empty when none)."""
    if not gates:
        return ""
    return f" {what} at {', '.join(run.names[g] for g in gates)}: " + (
        "its panel is left out." if len(gates) == 1 else "their panels are left out."
    )


def _line(chart_id: str, label: str, text: str) -> Chart:
    """A chart with nothing to draw at any gate: one line on the page instead of empty frames."""
    return Chart(chart_id, label, text, b"")


def _gate_axis(ax, title: str, ylabel: str) -> None:
    """A gate's row of counts over time: its name, the unit, from 0 up, a light grid."""
    ax.set_title(title, loc="left", fontsize=10)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)


def _over_time(fig, axes, run: RunData, title: str, chart_id: str, label: str, caption: str) -> Chart:
    """Finish a chart of one row per gate over the run's hours: date axis, title, PNG."""
    _date_axis(axes[-1], run.series["when"])
    fig.suptitle(title)
    return Chart(chart_id, label, caption, render_png(fig))


def _waiting(run: RunData) -> Chart:
    gates, empty = _active(run, ["waiting"])
    if not gates:
        return _line(
            "waiting_over_time", "Trucks waiting over time", "No truck waited at any gate in this run."
        )
    fig, axes = _gate_rows(run, gates)
    n = _n_reps(run)
    for ax, gate in zip(axes, gates):
        s = _over_reps(run.series, gate, "waiting")
        when = s.index + _HOUR  # levels are counted at the end of each hour
        ax.fill_between(
            when, s["lo"], s["hi"], alpha=0.3, color="tab:blue", lw=0, label=f"range over {n} replications"
        )
        ax.plot(when, s["mean"], color="tab:blue", lw=1.5, label="mean over replications")
        _gate_axis(ax, run.names[gate], kpi_label("waiting"))
    axes[0].legend(loc="upper right", fontsize=8)
    return _over_time(
        fig,
        axes,
        run,
        "Trucks waiting (queued, not in service) at each gate, end of each hour",
        "waiting_over_time",
        "Trucks waiting over time",
        f"Line: mean over {n} replications; band: lowest to highest replication."
        + _none_at(run, empty, "No truck waited"),
    )


def _where(run: RunData) -> Chart:
    stage_cols = [
        c for c in run.series.columns if c.startswith("at_") and c not in ("at_approach", "at_yard")
    ]
    gates, empty = _active(run, [*stage_cols, "at_approach"])
    if not gates:
        return _line(
            "where_trucks_are", "Which stage holds the trucks", "No truck was at any gate in this run."
        )
    fig, axes = _gate_rows(run, gates)
    handles: dict[str, Any] = {}
    for ax, gate in zip(axes, gates):
        rows = run.series[run.series["gate"] == gate]
        present = [c[3:] for c in stage_cols if rows[c].notna().any()]
        layers = (["approach"] if rows["at_approach"].notna().any() else []) + stage_order(
            run.gate_cfg(gate), present
        )
        means = rows.groupby("when")[[f"at_{s}" for s in layers]].mean().fillna(0.0)
        when = means.index + _HOUR
        polys = ax.stackplot(
            when, *(means[f"at_{s}"] for s in layers), colors=[stage_color(s) for s in layers], lw=0
        )
        for s, poly in zip(layers, polys):
            handles.setdefault(s, poly)
        ax.set_title(run.names[gate], loc="left", fontsize=10)
        ax.set_ylabel("trucks")
        ax.grid(alpha=0.3)
    fig.legend(
        list(handles.values()),
        [stage_label(s) for s in handles],
        loc="outside lower center",
        ncols=4,
        fontsize=8,
        title="where the trucks are (waiting or being served)",
        title_fontsize=8,
    )
    return _over_time(
        fig,
        axes,
        run,
        "Which stage holds the trucks: trucks at each stage and on the approach road, end of each hour",
        "where_trucks_are",
        "Which stage holds the trucks",
        "Mean over replications of trucks at each stage (waiting or being served) at the end of each hour, "
        "stacked; the top of the stack is every truck in the gate." + _none_at(run, empty, "No trucks"),
    )


def _wait_distribution(run: RunData) -> Chart:
    stats = [
        ("wait_mean_h", "mean", "tab:blue"),
        ("wait_p95_h", "95th percentile", "tab:orange"),
        ("wait_max_h", "maximum", "tab:red"),
    ]
    fig = new_figure(10, 4.4)
    ax = fig.subplots()
    width = 0.25
    x = np.arange(len(run.gates))
    for i, (col, label, color) in enumerate(stats):
        for j, gate in enumerate(run.gates):
            v = finite(run.summary.loc[run.summary["gate"] == gate, col])
            if v.size:
                ax.bar(
                    x[j] + (i - 1) * width,
                    v.mean(),
                    width * 0.9,
                    color=color,
                    alpha=0.35,
                    label=label if j == 0 else None,
                )
                _dots(ax, x[j] + (i - 1) * width, v, width * 0.25, color)
    ax.set_xticks(x, [run.names[g] for g in run.gates])
    ax.set_xlabel("gate")
    ax.set_ylabel("waiting time per truck [h]")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, title="per-truck waits of one replication", title_fontsize=8, loc="upper left")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.15)
    ax.set_title(
        "Waiting time per truck (stage queues + approach road), trucks that arrived and crossed in the window"
    )
    return Chart(
        "wait_distribution",
        "Waiting-time distribution per gate",
        f"Per-truck waits are stored per replication as mean, 95th percentile and maximum; each dot is one of "
        f"{_n_reps(run)} replications, the bar their mean.",
        render_png(fig),
    )


def _flows(run: RunData) -> Chart:
    gates, empty = _active(run, ["arrivals", "departures"])
    if not gates:
        return _line(
            "arrivals_departures",
            "Hourly arrivals and crossings",
            "No truck arrived at any gate in this run.",
        )
    fig, axes = _gate_rows(run, gates)
    for ax, gate in zip(axes, gates):
        for col, label, color in (
            ("arrivals", "arrivals", "tab:orange"),
            ("departures", "crossings", "tab:green"),
        ):
            s = _over_reps(run.series, gate, col)
            ax.step(s.index, s["mean"], where="post", color=color, lw=1.3, label=label)
        _gate_axis(ax, run.names[gate], "trucks per hour")
    axes[0].legend(loc="upper right", fontsize=8)
    return _over_time(
        fig,
        axes,
        run,
        "Trucks arriving and crossing per hour (mean over replications)",
        "arrivals_departures",
        "Hourly arrivals and crossings",
        "Arrivals: trucks reaching the gate in the hour; crossings: trucks leaving it across the border."
        + _none_at(run, empty, "No trucks arrived or crossed"),
    )


def _throughput_capacity(run: RunData) -> Chart:
    gates, empty = _active(run, ["departures"])
    if not gates:
        return _line(
            "throughput_capacity", "Daily throughput against stage capacity", "No truck crossed in this run."
        )
    fig = new_figure(11, 0.8 + 2.7 * len(gates))
    axes = fig.subplots(len(gates), 1, squeeze=False)[:, 0]
    styles = {"both directions": "--", "export only": "-.", "import only": ":"}
    for ax, gate in zip(axes, gates):
        rows = run.series[run.series["gate"] == gate]
        daily = (
            rows.groupby([rows["when"].dt.normalize(), "replication"])["departures"]
            .sum()
            .groupby(level=0)
            .mean()
        )
        split = None
        if run.by_direction is not None and gate in run.by_direction.index.get_level_values("gate"):
            split = run.by_direction.loc[gate].reindex(daily.index, fill_value=0.0)
        if split is not None and {"export", "import"} <= set(split.columns):
            exp, imp = split["export"].to_numpy(), split["import"].to_numpy()
            ax.bar(daily.index, exp, 0.6, color="0.45", label="exports")
            ax.bar(daily.index, imp, 0.6, bottom=exp, color="0.75", label="imports")
        else:
            ax.bar(daily.index, daily.to_numpy(), 0.6, color="0.6", label="crossings (both directions)")
        caps = nominal_capacity(run.gate_cfg(gate))
        for sid in stage_order(run.gate_cfg(gate), list(caps)):
            cap, dirs = caps[sid]
            ax.axhline(
                cap,
                color=stage_color(sid),
                lw=1.6,
                ls=styles.get(dirs, "--"),
                label=f"{stage_label(sid)} ({dirs}): {cap:,.0f}",
            )
        ax.set_title(run.names[gate], loc="left", fontsize=10)
        ax.set_ylabel("trucks per day")
        ax.set_ylim(0, ax.get_ylim()[1] * 1.05)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(
            loc="center left",
            bbox_to_anchor=(1.01, 0.5),
            fontsize=7,
            title="crossings per day (mean) and\nnominal stage capacity",
            title_fontsize=7,
        )
        day_axis(ax, daily.index)
    fig.suptitle("Daily crossings against each stage's nominal daily capacity")
    return Chart(
        "throughput_capacity",
        "Daily throughput against stage capacity",
        "Bars: crossings per day (mean over replications), split into exports and imports by each "
        "truck's direction in the event log (not split when the run kept no event logs). Lines: nominal capacity = servers × open hours × 60 / mean service minutes "
        "(road: lanes × vehicles per lane per hour × open hours), capped by any daily quota; a stage used by "
        "one direction only is to be read against that direction's part of the bar."
        + _none_at(run, empty, "No truck crossed"),
        render_png(fig),
    )


def _utilisation(run: RunData) -> Chart:
    cols = [c for c in run.summary.columns if c.startswith("util_")]
    fig = new_figure(10, 4.4)
    ax = fig.subplots()
    x = np.arange(len(run.gates))
    width = 0.8 / max(len(cols), 1)
    seen: set[str] = set()
    for i, col in enumerate(cols):
        sid = kpi_stage(col) or col  # a util_ column: kpi_stage names its stage
        for j, gate in enumerate(run.gates):
            v = finite(run.summary.loc[run.summary["gate"] == gate, col]) * 100.0
            if v.size:
                pos = x[j] + (i - (len(cols) - 1) / 2) * width
                ax.bar(
                    pos,
                    v.mean(),
                    width * 0.9,
                    color=stage_color(sid),
                    alpha=0.6,
                    label=None if sid in seen else stage_label(sid),
                )
                seen.add(sid)
                _dots(ax, pos, v, width * 0.2, stage_color(sid))
    ax.axhline(100, color="k", lw=0.8)
    ax.set_xticks(x, [run.names[g] for g in run.gates])
    ax.set_xlabel("gate")
    ax.set_ylabel("busy share of open server-hours [%]")
    ax.set_ylim(0, 115)
    fig.legend(loc="outside lower center", fontsize=8, ncols=4)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title("Stage utilisation: bar = mean, dots = each replication")
    return Chart(
        "utilisation",
        "Stage utilisation",
        "Busy server-hours over servers × open hours, in the window.",
        render_png(fig),
    )


def _spillback(run: RunData) -> Chart:
    gates, empty = _active(run, ["at_approach"])
    if not gates:
        return _line(
            "spillback_km",
            "Spillback on the approach road",
            "No truck queued on an approach road for a yard slot at any gate in this run (or no yard is modelled).",
        )
    fig, axes = _gate_rows(run, gates, 1.8)
    for ax, gate in zip(axes, gates):
        cfg = run.gate_cfg(gate)
        app = cfg.approach if cfg is not None else Approach()  # the schema's defaults without a scenario
        spacing_m, lanes = app.truck_spacing_m, float(app.lanes)
        s = _over_reps(run.series, gate, "at_approach") * spacing_m / lanes / 1000.0
        ax.set_title(run.names[gate], loc="left", fontsize=10)
        when = s.index + _HOUR  # a gate without a queue on its approach has no panel (_active)
        ax.fill_between(when, s["lo"], s["hi"], alpha=0.3, color="tab:red", lw=0)
        ax.plot(when, s["mean"], color="tab:red", lw=1.4)
        ax.set_ylim(0, max(0.1, float(s["hi"].max()) * 1.1))
        ax.set_ylabel("queue length [km]")
        ax.grid(alpha=0.3)
    return _over_time(
        fig,
        axes,
        run,
        "Spillback: trucks queued on the approach road for a yard slot, in km",
        "spillback_km",
        "Spillback on the approach road",
        "Trucks on the approach × truck spacing / approach lanes; line: mean, band: range over replications."
        + _none_at(run, empty, "No queue on the approach road"),
    )


def run_charts(run: RunData) -> list[Chart]:
    charts = [
        _waiting(run),
        _where(run),
        _wait_distribution(run),
        _flows(run),
        _throughput_capacity(run),
        _utilisation(run),
        _spillback(run),
        revenue_chart(run),
    ]
    cost = cost_chart(run)  # what congestion costs (None for a run without cost columns)
    charts += [cost] if cost is not None else []
    cal = calibration_chart(run)
    return charts + ([cal] if cal is not None else [])

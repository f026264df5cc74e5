"""Money charts of a run: revenue against the 2026 targets, and the calibration against the seed figures."""

from __future__ import annotations

import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from gatesim.report.common import Chart, day_axis, new_figure, render_png
from gatesim.report.rundata import RunData
from gatesim.stats import ci_half_width

__all__ = ["calibration_chart", "revenue_chart"]


def revenue_chart(run: RunData) -> Chart:
    fig = new_figure(11, 4.4)
    ax_day, ax_year = fig.subplots(1, 2, width_ratios=[2.2, 1])
    s = run.series
    bottom = None
    for i, gate in enumerate(run.gates):
        rows = s[s["gate"] == gate]
        daily = (
            rows.groupby([rows["when"].dt.normalize(), "replication"])["revenue_vnd"]
            .sum()
            .groupby(level=0)
            .mean()
            / 1e9
        )
        ax_day.bar(
            daily.index, daily.to_numpy(), width=0.6, bottom=bottom, color=f"C{i}", label=run.names[gate]
        )
        bottom = daily.to_numpy() if bottom is None else bottom + daily.to_numpy()
    day_axis(ax_day, daily.index)
    ax_day.set_ylim(0, ax_day.get_ylim()[1] * 1.15)
    ax_day.set_ylabel("customs tax due [billion VND/day]")
    ax_day.set_title("Daily customs revenue (mean over replications)", fontsize=10)
    ax_day.legend(fontsize=8, ncols=len(run.gates), loc="upper center")
    ax_day.grid(axis="y", alpha=0.3)

    per_rep = run.summary.groupby("replication").agg(rev=("revenue_vnd", "sum"), days=("days", "first"))
    annual = (per_rep["rev"] / per_rep["days"] * 365.0 / 1e9).to_numpy()
    half = ci_half_width(annual) if annual.size > 1 else 0.0
    ax_year.bar([0], [annual.mean()], 0.5, yerr=[np.nan_to_num(half)], capsize=6, color="tab:blue")
    for i, (name, vnd) in enumerate(sorted(run.targets_vnd.items(), key=lambda kv: kv[1])):
        ax_year.axhline(vnd / 1e9, color=f"C{i + 3}", ls="--", lw=1.3)
        # labels right of the bar, clear of its whisker
        ax_year.annotate(
            f"{name}\n{vnd / 1e9:,.0f}",
            (1.15, vnd / 1e9),
            ha="right",
            va="center",
            fontsize=8,
            color=f"C{i + 3}",
            bbox={"fc": "white", "ec": "none", "pad": 1},
        )
    ax_year.set_xlim(-0.4, 1.2)
    ci = "" if np.isnan(half) else f" ± {half:,.0f}"
    ax_year.set_xticks([0], [f"all modelled gates\n{annual.mean():,.0f}{ci}"])
    ax_year.set_ylabel("customs revenue [billion VND/year]")
    ax_year.set_ylim(0, max([annual.max(), *(v / 1e9 for v in run.targets_vnd.values())]) * 1.15)
    ax_year.set_title(
        f"Projected per year ({len(annual)} replications)\nagainst the 2026 targets", fontsize=10
    )
    ax_year.grid(axis="y", alpha=0.3)
    days = float(run.summary["days"].iloc[0])
    fig.suptitle("Customs revenue: per day, and scaled to a year against the three 2026 targets")
    return Chart(
        "revenue",
        "Revenue against the 2026 targets",
        f"Projection: the window's {days:g} days of tax scaled to 365 days (mean, 95% CI over replications); "
        "targets of Customs Region VI for 2026 (assigned, striving, internal). A few January days say little "
        "about a year with Tết and seasons.",
        render_png(fig),
    )


def calibration_chart(run: RunData) -> Chart | None:
    cal = run.calibration
    if cal is None or cal.empty:
        return None
    cal = cal.iloc[::-1].reset_index(drop=True)
    fig = new_figure(10, max(3.0, 1.2 + 0.32 * len(cal)))
    ax = fig.subplots()
    y = np.arange(len(cal))
    tgt = pd.to_numeric(cal["target"], errors="coerce").to_numpy(dtype=float)
    mean = pd.to_numeric(cal["model_mean"], errors="coerce").to_numpy(dtype=float)
    ratio = mean / tgt
    if {"model_ci95_low", "model_ci95_high"} <= set(cal.columns):
        lo = pd.to_numeric(cal["model_ci95_low"], errors="coerce").to_numpy(dtype=float) / tgt
        hi = pd.to_numeric(cal["model_ci95_high"], errors="coerce").to_numpy(dtype=float) / tgt
        err = np.nan_to_num(np.vstack([ratio - lo, hi - ratio]))
    else:
        err = None
    fitted = (
        (cal["fitted"].astype(str) == "yes").to_numpy()
        if "fitted" in cal.columns
        else np.zeros(len(cal), bool)
    )
    for mask, color, label in ((fitted, "tab:blue", "fitted figure"), (~fitted, "0.45", "shown, not fitted")):
        if mask.any():
            ax.errorbar(
                ratio[mask],
                y[mask],
                xerr=None if err is None else err[:, mask],
                fmt="o",
                color=color,
                capsize=3,
                label=label,
            )
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xscale("log")
    what = cal["what"].astype(str) if "what" in cal.columns else pd.Series([""] * len(cal))
    short = [w if len(w) <= 55 else w[:54].rstrip() + "…" for w in what]
    ax.set_yticks(y, [f"{i}  {w}" for i, w in zip(cal["id"], short)], fontsize=8)
    ax.set_ylim(-0.7, len(cal) - 0.3)
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(mticker.NullFormatter())
    ax.set_xlabel("model / published figure (log scale; 1 = agrees)")
    ax.grid(axis="x", alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Calibration: model beside each seed figure (95% CI over replications)")
    return Chart(
        "calibration",
        "Calibration against the seed figures",
        "Each published figure against the model over the same period (see the table below).",
        render_png(fig),
    )

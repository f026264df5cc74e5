"""Shared pieces of the report: figures without pyplot, stage colours, parameter labels.

matplotlib is used through ``matplotlib.figure.Figure`` + the Agg canvas only:
no pyplot, so no global figure registry and no GUI backend, whatever
``MPLBACKEND`` says.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gatesim.projections.key_labels import param_label

__all__ = ["KEY_KPIS", "Chart", "day_axis", "new_figure", "render_png", "stage_color"]

# Labels, units and scales of KPIs, gate and stage names: gatesim/projections/registry.py (one place).
# The KPIs a planner looks at first (sweep charts, multi-scenario overview).
KEY_KPIS = [
    "throughput_per_day",
    "wait_mean_h",
    "wait_p95_h",
    "waiting_at_20h_mean",
    "queue_max_km",
    "revenue_vnd",
]


# One colour and one name per stage in every chart, whatever the gate.
_STAGE_COLORS = {
    "approach": "0.35",
    "declaration": "tab:orange",
    "fees": "tab:green",
    "road": "tab:red",
    "handover": "tab:purple",
    "cn_acceptance": "tab:brown",
    "cn_release": "tab:pink",
    "access_road": "tab:gray",
}
_EXTRA_COLORS = ["tab:olive", "tab:cyan", "tab:blue", "gold", "navy"]


def stage_color(stage: str) -> str:
    if stage in _STAGE_COLORS:
        return _STAGE_COLORS[stage]
    return _EXTRA_COLORS[sum(map(ord, stage)) % len(_EXTRA_COLORS)]  # stable across runs, unlike hash()


# A legend's text is at least this many CSS pixels on the page, the image shown at most
# PAGE_WIDTH_PX wide (the report's column: a wider image is scaled down to it).
MIN_LEGEND_PX = 11.0
PAGE_WIDTH_PX = 1100.0
_DPI = 100


def new_figure(width_in: float = 10.0, height_in: float = 4.0) -> Figure:
    fig = Figure(figsize=(width_in, height_in), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def legend_min_pt(fig: Figure) -> float:
    """The smallest legend font size (points) that stays >= MIN_LEGEND_PX once ``fig`` is on the page."""
    width_px = fig.get_figwidth() * _DPI
    shown = min(1.0, PAGE_WIDTH_PX / width_px) if width_px > 0 else 1.0
    return MIN_LEGEND_PX * 72.0 / _DPI / shown


def _readable_legends(fig: Figure) -> None:
    """Raise every legend's text (and title) to :func:`legend_min_pt`: a chart may ask for small
    legends to fit, but never below what a reader can read."""
    floor = legend_min_pt(fig)
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes)]
    for leg in legends:
        if leg is None:
            continue
        for t in [*leg.get_texts(), leg.get_title()]:
            if t.get_text() and float(t.get_fontsize()) < floor:
                t.set_fontsize(floor)


def render_png(fig: Figure) -> bytes:
    _readable_legends(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI)
    return buf.getvalue()


@dataclass
class Chart:
    """One picture of the report: a file name, a title for the page, a caption, its PNG."""

    name: str
    title: str
    caption: str
    png: bytes


def finite(values: pd.Series | np.ndarray) -> np.ndarray:
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    return v[np.isfinite(v)]


def day_axis(ax, days: pd.Index) -> None:
    """Ticks at dates (at most ~10), the year in the label."""
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, len(days) // 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.set_xlabel(f"date, Hanoi time ({days[0].year})" if len(days) else "date, Hanoi time")


def hours_zone(path: str, resolved: dict | None) -> str | None:
    """``Hanoi time`` or ``China time`` for a stage's ``hours.open_h``/``close_h`` key path, from the
    scenario's ``hours.tz`` (default hanoi, as the schema says); None for any other path."""
    parts = path.split(".")
    if parts[-1] not in ("open_h", "close_h"):
        return None
    node: object = resolved or {}
    for p in parts[:-1]:
        node = node.get(p, {}) if isinstance(node, dict) else {}
    tz = node.get("tz", "hanoi") if isinstance(node, dict) else "hanoi"
    return "China time" if tz == "china" else "Hanoi time"


def param_label_at(path: str, names: dict[str, str] | None, resolved: dict | None) -> str:
    """:func:`param_label` with opening hours in the time zone of the side that runs the stage."""
    text = param_label(path, names)
    zone = hours_zone(path, resolved)
    return text.replace("local time", zone) if zone else text

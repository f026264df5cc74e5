"""The report's headline shows the terminal's rows: the registry's terminal KPIs, then the corridor,
automated-lane and buffer KPIs a run's summary has (one list for both: the registry's HEADLINE_EXTRAS)."""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from gatesim.projections.registry import HEADLINE_EXTRAS, KPIS, by_column
from gatesim.report.headline import headline_table
from gatesim.report.rundata import RunData
from gatesim.textreport import format_run

TERMINAL = [k.column for k in KPIS if "terminal" in k.shown]
SMART = ["agv_containers_per_day", "agv_utilisation", "agv_wait_mean_h"]


def _summary(extra: list[str]) -> pd.DataFrame:
    """Two replications at two gates; only Tân Thanh has an automated lane (its extras NaN elsewhere)."""
    rows = []
    for gate in ("tan_thanh", "huu_nghi"):
        for rep in (0, 1):
            row = {"scenario": "s", "gate": gate, "replication": rep, "days": 2.0, "revenue_vnd": 1e9}
            row |= {c: 1.0 + rep for c in TERMINAL}
            row |= {c: (0.5 + rep if gate == "tan_thanh" else np.nan) for c in extra}
            rows.append(row)
    return pd.DataFrame(rows)


def _run(summary: pd.DataFrame) -> RunData:
    return RunData(
        Path("."), {}, summary, pd.DataFrame(), pd.DataFrame(), None, gates=["tan_thanh", "huu_nghi"]
    )


def test_the_extras_are_the_corridor_and_smart_gate_kpis_of_the_registry():
    assert len(set(HEADLINE_EXTRAS)) == len(HEADLINE_EXTRAS)
    for col in HEADLINE_EXTRAS:
        k = by_column(col)
        assert "terminal" not in k.shown and k.shown & {"corridor", "smart_gate"}, col


def test_headline_and_terminal_show_the_same_kpis():
    summary = _summary(SMART)
    page = headline_table(_run(summary))
    printed = format_run(summary, {"tan_thanh": "Tân Thanh", "huu_nghi": "Hữu Nghị"}, {})
    for col in TERMINAL + SMART:
        k = by_column(col)
        assert escape(k.label) in page, col  # the page says the registry's words
        assert k.header in printed, col
    assert "automated lane: vehicle utilisation" in page
    # a gate without the lane shows a dash, not a zero
    lane_row = page[page.index("automated lane: containers per day") :].split("</tr>")[0]
    assert "–" in lane_row and "0.5" not in lane_row.split("–")[-1]


def test_a_run_without_extras_shows_only_the_terminal_kpis():
    page = headline_table(_run(_summary([])))
    for col in HEADLINE_EXTRAS:
        assert escape(by_column(col).label) not in page, col
    assert page.count("<tr") == len(TERMINAL) + 1  # the header row and one row per terminal KPI

"""``gatesim compare``: per gate and KPI, how OTHER runs differ from a BASE run.

Inputs are run directories (``summary.csv`` + ``manifest.json``), multi-scenario
run directories (each subfolder is one input), sweep directories or
``summary.csv`` / sweep ``results.csv`` files (:mod:`gatesim.compare.read`).
The statistics (paired / Welch t intervals, Benjamini-Hochberg over proposals
x KPIs x gates) are in :mod:`gatesim.compare.statistics`, the text in
:mod:`gatesim.compare.format`, the command in :mod:`gatesim.compare.cli`.
"""

from gatesim.compare.read import RunInput, kpi_columns, read_inputs, select_base
from gatesim.compare.statistics import (
    COMPARISON_COLUMNS,
    DECISION_KPIS,
    bh_adjust,
    compare_inputs,
    compare_tables,
    decision_kpis,
)

__all__ = [
    "COMPARISON_COLUMNS",
    "DECISION_KPIS",
    "RunInput",
    "bh_adjust",
    "compare_inputs",
    "compare_tables",
    "decision_kpis",
    "format_comparison",
    "kpi_columns",
    "read_inputs",
    "select_base",
]


def __getattr__(name: str):
    # the text needs the report's labels (matplotlib): loaded when asked for
    if name == "format_comparison":
        from gatesim.compare.format import format_comparison

        return format_comparison
    raise AttributeError(name)

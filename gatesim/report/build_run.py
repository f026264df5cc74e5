"""Pages for a run and for a multi-scenario run (one section per scenario + an overview)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gatesim.errors import InputError
from gatesim.projections.registry import kpi_label, kpi_scale, kpi_unit
from gatesim.report.common import KEY_KPIS, Chart, finite, new_figure, render_png
from gatesim.report.corridor import corridor_section
from gatesim.report.diagram import gates_html
from gatesim.report.headline import headline_table
from gatesim.report.html import Section, display_path, table_html, write_page
from gatesim.report.map import map_section
from gatesim.report.plots_run import run_charts
from gatesim.report.rundata import RunData, read_run
from gatesim.report.smart_gate import smart_gate_section
from gatesim.rundir import read_manifest
from gatesim.stats import ci_half_width

__all__ = ["multi_page", "run_page"]


def _fmt(mean: float, half: float, scale: float) -> str:
    if np.isnan(mean):
        return "–"
    digits = 2 if abs(mean * scale) < 100 else 0
    text = f"{mean * scale:,.{digits}f}"
    return text if np.isnan(half) else f"{text} ± {half * scale:,.{digits}f}"


def kpi_table(run: RunData) -> str:
    kpis = [c for c in run.summary.columns if c not in ("scenario", "replication", "seed", "gate", "days")]
    rows = []
    for k in kpis:
        row = {"KPI": kpi_label(k), "unit": kpi_unit(k)}
        for g in run.gates:
            v = finite(run.summary.loc[run.summary["gate"] == g, k])
            row[run.names[g]] = _fmt(v.mean() if v.size else np.nan, ci_half_width(v), kpi_scale(k))
        rows.append(row)
    return table_html(pd.DataFrame(rows), left=("KPI", "unit"))


def calibration_table(cal: pd.DataFrame) -> str:
    cols = [
        c
        for c in (
            "id",
            "what",
            "scope",
            "period",
            "unit",
            "target",
            "model_mean",
            "model_ci95_low",
            "model_ci95_high",
            "ratio",
            "fitted",
            "within_tolerance",
            "reason",
            "model_basis",
            "source",
        )
        if c in cal
    ]
    shown = cal[cols].copy()
    for c in ("target", "model_mean", "model_ci95_low", "model_ci95_high"):
        if c in shown:
            shown[c] = pd.to_numeric(shown[c], errors="coerce").map(
                lambda x: "" if pd.isna(x) else f"{x:,.4g}"
            )
    if "ratio" in shown:
        shown["ratio"] = pd.to_numeric(shown["ratio"], errors="coerce").map(
            lambda x: "" if pd.isna(x) else f"{x:.2f}"
        )
    return table_html(
        shown, left=("id", "what", "scope", "period", "unit", "reason", "model_basis", "source")
    )


def overview_table(runs: dict[str, RunData]) -> str:
    """One row per (scenario, gate), a column per key KPI: the figures side by side, at a glance."""
    rows = []
    for sname, r in runs.items():
        for g in r.gates:
            row = {"scenario": sname, "gate": r.names[g]}
            for k in KEY_KPIS:
                v = finite(r.summary.loc[r.summary["gate"] == g, k]) if k in r.summary else np.array([])
                row[f"{kpi_label(k)} [{kpi_unit(k)}]"] = _fmt(
                    v.mean() if v.size else np.nan, ci_half_width(v), kpi_scale(k)
                )
            rows.append(row)
    return table_html(pd.DataFrame(rows), left=("scenario", "gate"))


def _run_section(run: RunData, heading: str, key: str = "", fold: bool = False) -> Section:
    m = run.manifest
    text = (
        f"Scenario {m.get('scenario', '?')}: {m.get('days', '?')} days after warm-up × "
        f"{m.get('replications', '?')} replications, seed {m.get('seed', '?')}."
    )
    tables = [("Key figures per gate (mean ± 95% CI half-width over replications)", kpi_table(run))]
    if run.calibration is not None:
        tables.append(
            ("Calibration table: seed figures beside the model", calibration_table(run.calibration))
        )
    return Section(heading, run_charts(run), tables, text, key, fold=fold)


def headline_section(run: RunData) -> Section:
    """The block at the top of a run's page: the terminal's table, in plain labels and units."""
    n = int(run.summary["replication"].nunique()) if "replication" in run.summary else 0
    return Section(
        "Headline",
        tables=[(f"Key figures per gate (mean ± 95% CI over {n} replications)", headline_table(run))],
    )


def run_page(root: Path, target: Path, calibration: Path | None = None) -> Path:
    run = read_run(root, calibration)
    name = run.manifest.get("scenario", root.name)
    sections = [headline_section(run), _run_section(run, name)]
    corridor = corridor_section(run, f"{name}: corridor")  # only when the run has one
    sections += [corridor] if corridor is not None else []
    smart = smart_gate_section(run, f"{name}: automated lane and buffers")  # only when it has them
    sections += [smart] if smart is not None else []
    sections.append(map_section(root, f"{name}: map replay"))  # map.html beside the page
    if run.scenario is not None:
        sections.append(
            Section("How each gate works", tables=[("Stages in order", gates_html(run.scenario))], fold=True)
        )
    return write_page(target, f"gatesim run: {name}", f"Run directory: {display_path(root)}", sections)


def _overview(runs: dict[str, RunData]) -> Chart:
    """Key KPIs per gate, one bar per scenario (mean, 95% CI)."""
    first = next(iter(runs.values()))
    gates = list(dict.fromkeys(g for r in runs.values() for g in r.gates))
    names = {g: n for r in runs.values() for g, n in r.names.items()}
    fig = new_figure(12, 7.5)
    axes = fig.subplots(2, 3).ravel()
    width = 0.8 / len(runs)
    x = np.arange(len(gates))
    for ax, kpi in zip(axes, KEY_KPIS):
        for i, (sname, r) in enumerate(runs.items()):
            means, halves = [], []
            for g in gates:
                v = (
                    finite(r.summary.loc[r.summary["gate"] == g, kpi]) * kpi_scale(kpi)
                    if kpi in r.summary
                    else np.array([])
                )
                means.append(v.mean() if v.size else np.nan)
                halves.append(ci_half_width(v) if v.size > 1 else 0.0)
            ax.bar(
                x + (i - (len(runs) - 1) / 2) * width,
                means,
                width * 0.9,
                # all these KPIs are >= 0: the whisker below the bar stops at 0
                yerr=np.vstack(
                    [np.minimum(np.nan_to_num(halves), np.nan_to_num(means)), np.nan_to_num(halves)]
                ),
                capsize=2,
                color=f"C{i}",
                label=sname,
            )
        ax.set_xticks(x, [names[g] for g in gates], fontsize=8)
        ax.set_ylabel(f"[{kpi_unit(kpi)}]")
        ax.set_title(kpi_label(kpi), fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.set_ylim(0, ax.get_ylim()[1] if ax.get_ylim()[1] > 0 else 1.0)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="outside lower center", ncols=min(len(runs), 4), fontsize=9, title="scenario"
    )
    fig.suptitle(
        f"Scenarios side by side: key figures per gate (mean, 95% CI; {len(first.summary['replication'].unique())} "
        "replications, same seeds)"
    )
    return Chart(
        "overview",
        "Scenarios side by side",
        "Bars: mean over replications; whiskers: 95% CI.",
        render_png(fig),
    )


def multi_page(root: Path, target: Path, calibration: Path | None = None) -> Path:

    names = read_manifest(root).get("scenarios") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InputError(
            "scenarios must be a list of folder names", file=str(root / "manifest.json"), key="scenarios"
        )
    runs = {n: read_run(root / n, calibration) for n in names}
    sections = [
        Section(
            "Overview",
            [_overview(runs)],
            [("Key figures per scenario and gate (mean ± 95% CI half-width)", overview_table(runs))],
            text=f"{len(runs)} scenarios: {', '.join(runs)}. Each scenario's charts and tables are in its "
            "own section below: click its heading to open it.",
        )
    ]
    for n, r in runs.items():
        sections.append(_run_section(r, n, key=n, fold=True))
        corridor = corridor_section(r, f"{n}: corridor", key=n, fold=True)
        sections += [corridor] if corridor is not None else []
        smart = smart_gate_section(r, f"{n}: automated lane and buffers", key=n, fold=True)
        sections += [smart] if smart is not None else []
        sections.append(map_section(root / n, f"{n}: map replay", key=n, fold=True))
    return write_page(
        target, f"gatesim runs: {', '.join(names)}", f"Directory: {display_path(root)}", sections
    )

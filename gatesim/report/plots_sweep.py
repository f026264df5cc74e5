"""A sweep (``gatesim sweep``'s results.csv): each KPI against each parameter; heatmaps for pairs."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd

from gatesim.errors import InputError
from gatesim.projections.kpis import KPI_COLUMNS, is_stage_kpi
from gatesim.projections.registry import gate_name, kpi_label, kpi_scale, kpi_unit
from gatesim.report.common import KEY_KPIS, Chart, new_figure, param_label_at, render_png
from gatesim.report.html import Section, display_path, table_html, write_page
from gatesim.stats import summary_ci

__all__ = ["sweep_page"]

ID_COLUMNS = {"point", "replication", "seed", "gate", "scenario", "error"}
MAX_LINES = 6  # more combinations of the other parameters than this: plot points, not lines
MAX_PAIRS = 3


class _Names(dict):
    """Gate id -> name, carrying the sweep's base scenario (opening hours are labelled in its zones)."""

    resolved: dict | None = None


def _plabel(path: str, names: dict[str, str] | None = None) -> str:
    return param_label_at(path, names, getattr(names, "resolved", None))


def parameters(results: pd.DataFrame) -> list[str]:
    """Swept parameters: the columns that are neither ids nor KPIs."""
    return [
        c for c in results.columns if c not in ID_COLUMNS and c not in KPI_COLUMNS and not is_stage_kpi(c)
    ]


def _read(root: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str], dict[str, str], dict]:
    from gatesim.rundir import read_csv_checked

    path = root / "results.csv"
    results = read_csv_checked(path)  # whole, with rows: a cut-off file is named, not drawn
    missing = [c for c in ("point", "gate") if c not in results.columns]
    if missing:
        raise InputError(
            "not a sweep results table", file=str(path), given=missing, allowed="point, gate, ..."
        )
    params = parameters(results)
    if not params:
        raise InputError("no swept parameter columns", file=str(path))
    kpis = [k for k in results.columns if k in KPI_COLUMNS or is_stage_kpi(k)]
    for k in kpis:
        results[k] = pd.to_numeric(results[k], errors="coerce")
    ci_path = root / "results_ci.csv"
    ci = (
        read_csv_checked(ci_path)
        if ci_path.exists()
        else summary_ci(results, kpis, by=["point", *params, "gate"])
    )
    spec: dict = {}
    if (root / "sweep.json").exists():
        try:
            spec = json.loads((root / "sweep.json").read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            spec = {}
    spec = spec if isinstance(spec, dict) else {}  # a damaged sweep.json: the charts do without it
    gates_cfg = (spec.get("base_resolved") or {}).get("gates") or {}
    names = _Names(
        {g: gate_name(g, {g: (gates_cfg.get(g) or {}).get("name", "")}) for g in results["gate"].unique()}
    )
    names.resolved = spec.get("base_resolved") or {}
    return results, ci, params, names, spec


def _varying_gates(ci: pd.DataFrame, kpis: list[str]) -> list[str]:
    """Gates where some KPI changes between points (the others are flat lines, shown only if none varies)."""
    gates = list(dict.fromkeys(ci["gate"]))
    out = []
    for g in gates:
        rows = ci[(ci["gate"] == g) & ci["kpi"].isin(kpis)]
        spread = rows.groupby("kpi")["mean"].agg(
            lambda v: np.nanmax(v) - np.nanmin(v) if v.notna().any() else 0.0
        )
        if (spread.abs() > 1e-9).any():
            out.append(g)
    return out or gates


def _panels(kpis: list[str], gates: list[str], w_in: float, h_in: float, sharex: bool):
    """(figure, [(ax, kpi, gate)]): rows of KPIs x columns of gates, or, for one gate, KPIs in rows of 3."""
    if len(gates) == 1:
        ncols = min(3, len(kpis))
        nrows = -(-len(kpis) // ncols)
        cells = [(k, gates[0]) for k in kpis]
    else:
        ncols, nrows = len(gates), len(kpis)
        cells = [(k, g) for k in kpis for g in gates]
    fig = new_figure(max(10.0, w_in * ncols + 1.5), 1.2 + h_in * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=sharex).ravel()
    for ax in axes[len(cells) :]:
        ax.set_visible(False)
    return fig, [(ax, k, g) for ax, (k, g) in zip(axes, cells)]


def adjusted_for_others(rows: pd.DataFrame, param: str, others: list[str]) -> np.ndarray:
    """Each point's mean with the other parameters' linear effect removed (set to their average).

    In a scattered design (Latin hypercube) every parameter changes between points; plotted
    raw against one of them, a KPI mostly shows the parameters not on the axis. A least-squares
    fit ``mean ~ 1 + all parameters`` over the points gives each one's slope; subtracting the
    others' slope x (value - average) leaves what this parameter explains (a first-order,
    linear adjustment: the caption says so).
    """
    y = rows["mean"].to_numpy(dtype=float)
    if not others or len(rows) <= len(others) + 2:
        return y
    x = rows[[param, *others]].to_numpy(dtype=float)
    ok = np.isfinite(y) & np.isfinite(x).all(axis=1)
    if ok.sum() <= x.shape[1] + 1:
        return y
    design = np.column_stack([np.ones(ok.sum()), x[ok]])
    coef, *_ = np.linalg.lstsq(design, y[ok], rcond=None)
    xo = x[:, 1:]
    return y - (xo - np.nanmean(xo[ok], axis=0)) @ coef[2:]


def trend_chart(
    ci: pd.DataFrame, param: str, params: list[str], kpis: list[str], gates: list[str], names: dict[str, str]
) -> Chart:
    """Rows: KPIs; columns: gates; x: the parameter; lines (with 95% CI bands) per value of the others."""
    others = [p for p in params if p != param]
    fig, cells = _panels(kpis, gates, 3.6, 2.3, sharex=True)
    combos = ci[others].drop_duplicates() if others else pd.DataFrame(index=[0])
    lines = len(combos) <= MAX_LINES and ci.groupby(others)[param].nunique().min() > 1 if others else True
    for ax, kpi, gate in cells:
        rows = ci[(ci["gate"] == gate) & (ci["kpi"] == kpi)].sort_values(param)
        s = kpi_scale(kpi)
        if lines:
            groups = rows.groupby(others, sort=True) if others else [((), rows)]
            for c, (key, grp) in enumerate(groups):
                key = key if isinstance(key, tuple) else (key,)
                label = ", ".join(f"{_plabel(o, names).split(' [')[0]} = {v:g}" for o, v in zip(others, key))
                # every KPI here is >= 0, so is its mean: a t-interval below 0 is cut at 0
                low = (grp["ci95_low"] * s).clip(lower=0)
                ax.fill_between(grp[param], low, grp["ci95_high"] * s, color=f"C{c}", alpha=0.12, lw=0)
                ax.plot(grp[param], grp["mean"] * s, "o-", color=f"C{c}", ms=3, lw=1.3, label=label or "mean")
        else:  # scattered design (LHS): each point's mean, the other parameters' effect taken out
            adj = adjusted_for_others(rows, param, others)
            err = np.nan_to_num(
                np.vstack([rows["mean"] - rows["ci95_low"], rows["ci95_high"] - rows["mean"]]) * s
            )
            ax.errorbar(rows[param], adj * s, yerr=np.abs(err), fmt="o", ms=3, capsize=2, color="C0")
            ax.plot(rows[param], rows["mean"] * s, ".", ms=3, color="0.7", zorder=0)  # raw, for reference
        ax.set_title(f"{names.get(gate, gate)}: {kpi_label(kpi)}", fontsize=9)
        ax.set_ylabel(f"[{kpi_unit(kpi)}]", fontsize=8)
        ax.set_xlabel(_plabel(param, names).split(": ")[-1], fontsize=8)  # the title names it in full
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
        ax.xaxis.set_tick_params(labelbottom=True)
        values = np.sort(ci[param].unique())
        if len(values) <= 10:  # ticks at the swept values (no 4.5 lanes)
            ax.set_xticks(values, [f"{v:g}" for v in values])
    if lines and others:
        handles, labels = cells[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=min(3, len(labels)), fontsize=8)
    fig.suptitle(f"Key figures against {_plabel(param, names)}")
    how = (
        "lines: mean over replications for each value of the other parameters; bands: 95% CI"
        if lines and others
        else "line: mean over replications; band: 95% CI"
        if lines
        else "blue dots: each point's mean with its 95% CI, adjusted to the average of the other parameters "
        "(their effect removed by a linear least-squares fit over the points); grey: the raw means"
    )
    return Chart(
        f"trend_{_safe(param)}",
        f"Against {_plabel(param, names)}",
        how.capitalize() + ".",
        render_png(fig),
    )


def color_limits(means: np.ndarray, ci_widths: np.ndarray) -> tuple[float, float]:
    """Colour scale (vmin, vmax) around the means, at least as wide as the typical 95% CI of a point
    (and 2% of the level): differences within the noise then look alike instead of filling the
    whole colour map (a 0.3 trucks/day spread painted from dark to bright)."""
    m = np.asarray(means, dtype=float)
    m = m[np.isfinite(m)]
    if m.size == 0:
        return 0.0, 1.0
    lo, hi = float(m.min()), float(m.max())
    w = np.asarray(ci_widths, dtype=float)
    w = w[np.isfinite(w)]
    noise = float(np.median(w)) if w.size else 0.0
    centre = (lo + hi) / 2
    span = max(hi - lo, noise, 0.02 * abs(centre), 1e-9)
    return centre - span / 2, centre + span / 2


def heatmap_chart(
    ci: pd.DataFrame,
    px: str,
    py: str,
    params: list[str],
    kpis: list[str],
    gates: list[str],
    names: dict[str, str],
) -> Chart:
    """Two parameters: a grid of means (over other parameters, if any) or, for a scattered design, coloured dots."""
    xs, ys = np.sort(ci[px].unique()), np.sort(ci[py].unique())
    grid = all(len(ci[(ci[px] == x) & (ci[py] == y)]) > 0 for x in xs for y in ys)
    if len(gates) == 1:  # one row of KPIs
        fig = new_figure(max(10.0, 4.2 * len(kpis)), 4.4)
        axes = fig.subplots(1, len(kpis), squeeze=False)
        cells = [(axes[0, i], k, gates[0]) for i, k in enumerate(kpis)]
    else:
        fig = new_figure(max(10.0, 4.2 * len(gates)), 1.2 + 3.2 * len(kpis))
        axes = fig.subplots(len(kpis), len(gates), squeeze=False)
        cells = [(axes[i, j], k, g) for i, k in enumerate(kpis) for j, g in enumerate(gates)]
    for ax, kpi, gate in cells:
        rows = ci[(ci["gate"] == gate) & (ci["kpi"] == kpi)]
        s = kpi_scale(kpi)
        if grid:
            table = (
                rows.pivot_table(index=py, columns=px, values="mean", aggfunc="mean").reindex(
                    index=ys, columns=xs
                )
                * s
            )
            lo, hi = color_limits(table.to_numpy(), (rows["ci95_high"] - rows["ci95_low"]).to_numpy() * s)
            im = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis", vmin=lo, vmax=hi)
            ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs])
            ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
            for (yi, xi), v in np.ndenumerate(table.to_numpy()):
                if np.isfinite(v):
                    dark = hi > lo and (v - lo) / (hi - lo) < 0.5
                    ax.text(
                        xi,
                        yi,
                        f"{v:,.3g}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="w" if dark else "k",
                    )
        else:
            pts = rows.groupby([px, py], as_index=False)["mean"].mean()
            lo, hi = color_limits(pts["mean"] * s, (rows["ci95_high"] - rows["ci95_low"]).to_numpy() * s)
            im = ax.scatter(
                pts[px], pts[py], c=pts["mean"] * s, cmap="viridis", s=60, edgecolors="k", linewidths=0.4,
                vmin=lo, vmax=hi,
            )  # fmt: skip
            for axis, values in ((ax.xaxis, xs), (ax.yaxis, ys)):
                if len(values) <= 10:  # ticks at the sampled values (no 4.2 lanes)
                    axis.set_ticks(values, [f"{v:g}" for v in values])
        cbar = fig.colorbar(im, ax=ax, shrink=0.9)
        cbar.set_label(f"[{kpi_unit(kpi)}]", fontsize=8)
        cbar.ax.tick_params(labelsize=8)
        ax.set_title(f"{names.get(gate, gate)}: {kpi_label(kpi)}", fontsize=9)
        ax.set_xlabel(_plabel(px, names), fontsize=8)
        ax.set_ylabel(_plabel(py, names), fontsize=8)
        ax.tick_params(labelsize=8)
    rest = [p for p in params if p not in (px, py)]
    fig.suptitle(f"{_plabel(px, names)} × {_plabel(py, names)}: mean over replications")
    caption = "Each cell: mean over replications" if grid else "Each dot: one point's mean over replications"
    caption += " (the colour scale spans at least a point's typical 95% CI: differences within it look alike)"
    if rest:
        caption += f", averaged over {', '.join(_plabel(p, names) for p in rest)}"
    return Chart(
        f"heatmap_{_safe(px)}__{_safe(py)}",
        f"{_plabel(px, names)} × {_plabel(py, names)}",
        caption + ".",
        render_png(fig),
    )


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text)[-60:]


def _points_table(results: pd.DataFrame, params: list[str], names: dict[str, str]) -> str:
    pts = results.groupby("point", as_index=False)[params].first()
    errs = (
        results.groupby("point")["error"].apply(lambda e: int(e.notna().sum()))
        if "error" in results
        else None
    )
    pts = pts.rename(columns={p: _plabel(p, names) for p in params})
    if errs is not None:
        pts["failed rows"] = pts["point"].map(errs).fillna(0).astype(int)
    return table_html(pts)


def sweep_page(root: Path, target: Path) -> Path:
    results, ci, params, names, spec = _read(root)
    ci = ci[ci["gate"].isin(names)].copy()
    kpis = [k for k in KEY_KPIS if k in set(ci["kpi"])]
    gates = _varying_gates(ci, kpis)
    trends = [trend_chart(ci, p, params, kpis, gates, names) for p in params]
    heat_kpis: list[str] = [k for k in ("wait_mean_h", "throughput_per_day", "revenue_vnd") if k in kpis]
    heats = [
        heatmap_chart(ci, a, b, params, heat_kpis, gates, names)
        for a, b in itertools.islice(itertools.combinations(params, 2), MAX_PAIRS)
    ]
    shown = [names[g] for g in gates]
    text = (
        f"{results['point'].nunique()} points × {results['replication'].nunique()} replications"
        f"{', ' + str(spec['days']) + ' days each' if spec.get('days') else ''}; design: {spec.get('design', '?')}. "
        f"Gates shown: {', '.join(shown)} (gates whose figures do not change between points are left out)."
    )
    sections = [
        Section(
            "Each figure against each parameter",
            trends,
            [("Points", _points_table(results, params, names))],
            text,
        )
    ]
    if heats:
        sections.append(Section("Two parameters at once", heats))
    title = f"gatesim sweep: {Path(spec.get('spec_file', root.name)).stem}"
    return write_page(target, title, f"Sweep directory: {display_path(root)}", sections)

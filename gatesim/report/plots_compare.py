"""A comparison (``gatesim compare``'s comparison.csv): forest plots of each KPI's difference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gatesim.errors import InputError
from gatesim.projections.kpis import KPI_COLUMNS
from gatesim.report.common import Chart, gate_name, kpi_label, kpi_scale, kpi_unit, new_figure, render_png
from gatesim.report.html import Section, table_html, write_page

__all__ = ["REQUIRED", "comparison_page", "forest_chart", "read_comparison"]

REQUIRED = [
    "other",
    "gate",
    "kpi",
    "base_mean",
    "other_mean",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "significant",
]
_SKIP = {"days"}  # the same in both by construction


def _truthy(v: object) -> bool:
    return str(v).strip().lower() in ("true", "1", "yes")


def read_comparison(path: Path) -> pd.DataFrame:
    if Path(path).is_file():
        from gatesim.rundir import check_csv_complete

        check_csv_complete(Path(path))  # a cut-off comparison is named, not drawn
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, FileNotFoundError) as e:
        raise InputError(f"not a readable CSV ({str(e).splitlines()[0]})", file=str(path)) from None
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError("not a comparison table", file=str(path), given=missing, allowed=", ".join(REQUIRED))
    df = df[~df["kpi"].isin(_SKIP)].copy()
    for c in ("base_mean", "other_mean", "diff_mean", "diff_ci_low", "diff_ci_high"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    df["significant"] = df["significant"].map(_truthy)
    return df


def _kpi_order(kpis: list[str]) -> list[str]:
    known = [k for k in KPI_COLUMNS if k in kpis]
    return known + sorted(k for k in kpis if k not in known)


def forest_chart(df: pd.DataFrame, other: str, base: str, names: dict[str, str]) -> Chart:
    """One panel per gate: each KPI's difference (other - base) as % of the base mean, with its 95% CI."""
    rows = df[df["other"].astype(str) == other]
    gates = list(dict.fromkeys(rows["gate"]))
    level = _level(rows)
    kpis = _kpi_order(list(dict.fromkeys(rows["kpi"])))
    fig = new_figure(min(4.2 * len(gates) + 3.0, 16.0), 1.4 + 0.3 * len(kpis))
    axes = fig.subplots(1, len(gates), sharey=True, squeeze=False)[0]
    y = np.arange(len(kpis))[::-1]
    ypos = dict(zip(kpis, y))
    for ax, gate in zip(axes, gates):
        g = rows[rows["gate"] == gate]
        base_abs = g["base_mean"].abs().where(g["base_mean"].abs() > 0)
        pct = 100 * g["diff_mean"] / base_abs
        lo = 100 * g["diff_ci_low"] / base_abs
        hi = 100 * g["diff_ci_high"] / base_abs
        yy = g["kpi"].map(ypos).to_numpy(dtype=float)
        sig = g["significant"].to_numpy(dtype=bool)
        ok = np.isfinite(pct.to_numpy())
        for mask, style in (
            (sig & ok, {"color": "tab:red", "mfc": "tab:red"}),
            (~sig & ok, {"color": "0.45", "mfc": "white"}),
        ):
            if mask.any():
                err = np.vstack([(pct - lo).to_numpy()[mask], (hi - pct).to_numpy()[mask]])
                ax.errorbar(
                    pct.to_numpy()[mask],
                    yy[mask],
                    xerr=np.nan_to_num(np.abs(err)),
                    fmt="o",
                    capsize=3,
                    ms=5,
                    **style,
                )
        for k, b in zip(g.loc[~ok, "kpi"], g.loc[~ok, "base_mean"]):
            # a base of 0 has no percentage; a missing base is a KPI this gate does not have (no such stage)
            text = "base is 0: difference in the table" if b == 0 else "not measured at this gate"
            ax.text(
                0.5,
                ypos[k],
                text,
                fontsize=7,
                color="0.4",
                va="center",
                ha="center",
                transform=ax.get_yaxis_transform(),
            )
        ax.axvline(0, color="k", lw=0.8)
        ax.set_title(gate_name(gate, names), fontsize=10)
        spread = g[["diff_mean", "diff_ci_low", "diff_ci_high"]].abs().to_numpy()
        if np.nanmax(spread, initial=0.0) == 0.0:  # common random numbers: an untouched gate is identical
            ax.set_xlim(-1, 1)
            ax.set_title(f"{gate_name(gate, names)}\n(identical in both runs)", fontsize=10)
        ax.set_xlabel(f"difference [% of the {base} mean]", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, [f"{kpi_label(k)} [{kpi_unit(k)}]" for k in kpis], fontsize=8)
    axes[0].set_ylim(-0.7, len(kpis) - 0.3)
    handles = [
        axes[0].errorbar([], [], xerr=[], fmt="o", color="tab:red", mfc="tab:red", capsize=3),
        axes[0].errorbar([], [], xerr=[], fmt="o", color="0.45", mfc="white", capsize=3),
    ]
    fig.legend(
        handles,
        [f"significant ({level} CI excludes 0)", "not significant"],
        loc="outside lower center",
        ncols=2,
        fontsize=8,
    )
    fig.suptitle(f"{other} against {base}: difference of each KPI per gate, with its {level} CI")
    return Chart(
        f"forest_{_safe(other)}",
        f"{other} against {base}",
        f"Difference of the means as a percentage of the base mean; bars: {level} confidence interval of the "
        "difference (paired over common random numbers where the comparison says so)." + _adjustment(rows),
        render_png(fig),
    )


def _level(rows: pd.DataFrame) -> str:
    """The intervals' level as the table gives it (Bonferroni-adjusted with several OTHERs), else 95%."""
    if "ci_level" in rows.columns:
        lv = pd.to_numeric(rows["ci_level"], errors="coerce").dropna().unique()
        if len(lv) == 1 and 0 < lv[0] < 1:
            return f"{100 * lv[0]:.4g}%"
    return "95%"


def _adjustment(rows: pd.DataFrame) -> str:
    adj = rows["adjustment"].dropna().astype(str).unique() if "adjustment" in rows.columns else []
    return f" Intervals adjusted: {adj[0]}." if len(adj) == 1 and adj[0] not in ("", "none") else ""


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)


def _table(df: pd.DataFrame, names: dict[str, str]) -> str:
    out = []
    for _, r in df.iterrows():
        s = kpi_scale(r["kpi"])

        def f(x: float, s: float = s) -> str:
            return "" if pd.isna(x) else f"{x * s:,.3g}" if abs(x * s) < 100 else f"{x * s:,.0f}"

        pct = 100 * r["diff_mean"] / abs(r["base_mean"]) if r["base_mean"] else np.nan
        out.append(
            {
                "scenario": r["other"],
                "gate": gate_name(r["gate"], names),
                "KPI": kpi_label(r["kpi"]),
                "unit": kpi_unit(r["kpi"]),
                "base": f(r["base_mean"]),
                "other": f(r["other_mean"]),
                "difference": f(r["diff_mean"]),
                "CI": f"{f(r['diff_ci_low'])} to {f(r['diff_ci_high'])}",
                "%": "" if np.isnan(pct) else f"{pct:+.1f}%",
                "significant": "yes" if r["significant"] else "",
            }
        )
    return table_html(pd.DataFrame(out), left=("scenario", "gate", "KPI", "unit"))


def comparison_page(csv: Path, target: Path) -> Path:
    df = read_comparison(csv)
    base = str(df["base"].iloc[0]) if "base" in df.columns and len(df) else "base"
    names: dict[str, str] = {}
    sections = []
    for other in dict.fromkeys(df["other"].astype(str)):
        df_o = df[df["other"].astype(str) == other]
        sections.append(
            Section(
                f"{other} against {base}",
                [forest_chart(df, other, base, names)],
                [("All differences", _table(df_o, names))],
                key=_safe(other),
            )
        )
    if not sections:
        raise InputError("comparison table has no rows", file=str(csv))
    return write_page(
        target,
        f"gatesim comparison: {', '.join(df['other'].astype(str).unique())} against {base}",
        f"Comparison table: {Path(csv).resolve()}",
        sections,
    )

"""A comparison page that decides (``gatesim compare``'s comparison.csv).

Per proposal: a plain-language paragraph made from the numbers, a forest
plot of the decision KPIs (wait, queue km, crossings, delay cost, revenue) at
the gates it touches, on a scale set by the effects (an interval far wider
than every effect is cut at the edge with an arrow and its bound written, so
it cannot squash the real effects to nothing), and the table of those rows.
Untouched gates (identical in every replication) and the other KPIs are a
click away; identical rows are left out unless ``show_all``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gatesim.compare.format import summary_text, untouched_gates
from gatesim.compare.statistics import decision_kpis
from gatesim.errors import InputError
from gatesim.projections.registry import gate_name, kpi_label, kpi_scale, kpi_unit
from gatesim.report.common import Chart, new_figure, render_png
from gatesim.report.html import Section, display_path, table_html, write_page

__all__ = ["comparison_page"]

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
_NOT_SIGNIFICANT = "#5b7aa6"  # a muted blue: visibly "no clear change", distinct from the red of a finding


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
    if "base" not in df.columns:
        df["base"] = "base"
    if "paired" in df.columns:
        df["paired"] = df["paired"].map(_truthy)
    else:
        df["paired"] = False
    if "pct_change" not in df.columns:
        with np.errstate(divide="ignore", invalid="ignore"):
            df["pct_change"] = 100 * df["diff_mean"] / df["base_mean"].abs()
    df["pct_change"] = pd.to_numeric(df["pct_change"], errors="coerce")
    if "identical" in df.columns:  # a comparison of an older gatesim: infer from an exact [0, 0]
        df["identical"] = df["identical"].map(_truthy)
    else:
        df["identical"] = (df["diff_mean"] == 0) & (df["diff_ci_low"] == 0) & (df["diff_ci_high"] == 0)
    if "family" not in df.columns:
        dec = set(decision_kpis(list(dict.fromkeys(df["kpi"]))))
        df["family"] = np.where(df["kpi"].isin(dec), "decision", "detail")
    return df


def readable_limit(pct: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Half-width of the x axis [%]: every interval if they are of the effects' size; else
    three times the largest effect (at least 10%), so one huge interval cannot hide the rest."""
    pct, lo, hi = (np.asarray(a, dtype=float) for a in (pct, lo, hi))
    pts = np.abs(pct[np.isfinite(pct)])
    bounds = np.abs(np.r_[lo, hi])
    bounds = bounds[np.isfinite(bounds)]
    largest = float(pts.max()) if pts.size else 0.0
    widest = float(bounds.max()) if bounds.size else largest
    limit = min(max(widest, largest), max(3.0 * largest, 10.0))
    return max(limit * 1.08, largest * 1.15, 1.0)


def _level(rows: pd.DataFrame) -> str:
    """The intervals' level as the table gives it, else 95%."""
    if "ci_level" in rows.columns:
        lv = pd.to_numeric(rows["ci_level"], errors="coerce").dropna().unique()
        if len(lv) == 1 and 0 < lv[0] < 1:
            return f"{100 * lv[0]:.4g}%"
    return "95%"


def _adjustment(rows: pd.DataFrame) -> str:
    adj = rows["adjustment"].dropna().astype(str).unique() if "adjustment" in rows.columns else []
    return f" Multiplicity: {adj[0]}." if len(adj) == 1 and adj[0] not in ("", "none") else ""


def _short(x: float, kpi: str) -> str:
    v = x * kpi_scale(kpi)
    if not np.isfinite(v):
        return "–"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}" if abs(v) >= 1 or v == 0 else f"{v:.2g}"


def forest_chart(df: pd.DataFrame, other: str, base: str, names: dict[str, str]) -> Chart | None:
    """The decision KPIs at the touched gates: difference as % of the base mean, with its CI.

    None when the proposal touches no gate (nothing to draw: the page says so).
    """
    rows = df[df["other"].astype(str) == other]
    skip = set(untouched_gates(rows))
    rows = rows[(rows["family"] == "decision") & ~rows["gate"].isin(skip)]
    if rows.empty:
        return None
    gates = list(dict.fromkeys(rows["gate"]))
    kpis = decision_kpis(list(dict.fromkeys(rows["kpi"])))
    level = _level(rows)
    base_abs = rows["base_mean"].abs().where(rows["base_mean"].abs() > 0)
    pct_all = 100 * rows["diff_mean"] / base_abs
    lim = readable_limit(pct_all, 100 * rows["diff_ci_low"] / base_abs, 100 * rows["diff_ci_high"] / base_abs)
    fig = new_figure(min(4.6 * len(gates) + 2.6, 16.0), 1.7 + 0.55 * len(kpis))
    axes = fig.subplots(1, len(gates), sharey=True, sharex=True, squeeze=False)[0]
    y = np.arange(len(kpis))[::-1]
    ypos = dict(zip(kpis, y))
    for ax, gate in zip(axes, gates):
        g = rows[rows["gate"] == gate]
        for r in g.itertuples():
            yy = ypos[r.kpi]
            note = f"{_short(r.base_mean, r.kpi)} → {_short(r.other_mean, r.kpi)} {kpi_unit(r.kpi)}"
            b = abs(r.base_mean) if np.isfinite(r.base_mean) and r.base_mean != 0 else np.nan
            if r.identical:
                ax.text(
                    0,
                    yy,
                    f"identical in both runs: {note}",
                    fontsize=7,
                    color="0.3",
                    va="center",
                    ha="center",
                )
                continue
            if not np.isfinite(b):
                ax.text(0, yy, f"base is 0: {note}", fontsize=7, color="0.3", va="center", ha="center")
                continue
            p, lo, hi = (100 * v / b for v in (r.diff_mean, r.diff_ci_low, r.diff_ci_high))
            color = "tab:red" if r.significant else _NOT_SIGNIFICANT
            lo_c, hi_c = (max(lo, -lim), min(hi, lim)) if np.isfinite(lo) else (p, p)
            ax.plot([lo_c, hi_c], [yy, yy], color=color, lw=3, solid_capstyle="butt")
            ax.plot([p], [yy], "o", color=color, mfc=color if r.significant else "white", mew=2, ms=9)
            for bound, edge, marker in ((lo, -lim, "<"), (hi, lim, ">")):
                if np.isfinite(bound) and abs(bound) > lim:  # cut: an arrow at the edge and the true bound
                    ax.plot([edge], [yy], marker, color=color, ms=7)
                    ax.text(edge, yy + 0.22, f"{bound:+,.0f}%", fontsize=7, color=color,
                            ha="right" if edge > 0 else "left")  # fmt: skip
            ax.text(lim * 0.98, yy - 0.3, note, fontsize=7, color="0.25", ha="right", va="center")
        ax.axvline(0, color="k", lw=0.8)
        ax.set_xlim(-lim, lim)
        ax.set_title(gate_name(gate, names), fontsize=11)
        ax.set_xlabel(f"change [% of the {base} mean]", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, [f"{kpi_label(k)}" for k in kpis], fontsize=9)
    axes[0].set_ylim(-0.8, len(kpis) - 0.2)
    fig.suptitle(f"{other} against {base}: the figures a planner weighs ({level} CI)", fontsize=11)
    caption = (
        f"Dot: change of the mean as a % of the base mean; bar: its {level} confidence interval; red: "
        "significant; blue, open: not. Numbers: base → proposal. An interval cut at the edge is marked "
        "with an arrow and its true bound." + _adjustment(rows)
    )
    return Chart(f"forest_{_safe(other)}", f"{other} against {base}", caption, render_png(fig))


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)[:80]


def _table(df: pd.DataFrame, names: dict[str, str]) -> str:
    out = []
    for _, r in df.iterrows():
        s = kpi_scale(r["kpi"])

        def f(x: float, s: float = s) -> str:
            return "" if pd.isna(x) else f"{x * s:,.3g}" if abs(x * s) < 100 else f"{x * s:,.0f}"

        pct = r["pct_change"]
        out.append(
            {
                "gate": gate_name(r["gate"], names),
                "KPI": kpi_label(r["kpi"]),
                "unit": kpi_unit(r["kpi"]),
                "base": f(r["base_mean"]),
                "proposal": f(r["other_mean"]),
                "difference": f(r["diff_mean"]),
                "CI": f"{f(r['diff_ci_low'])} to {f(r['diff_ci_high'])}",
                "%": "" if pd.isna(pct) else f"{pct:+.1f}%",
                "significant": "yes" if r["significant"] else "",
            }
        )
    return table_html(pd.DataFrame(out), left=("gate", "KPI", "unit"))


def _overview(df: pd.DataFrame, names: dict[str, str]) -> str:
    """Proposals in rows; per touched gate and decision KPI, the % change (* significant)."""
    dec = df[(df["family"] == "decision") & ~df["identical"]]
    rows = []
    for other, t in df.groupby("other", sort=False):
        row = {"proposal": other}
        d = dec[dec["other"] == other]
        for r in d.itertuples():
            pct = "" if pd.isna(r.pct_change) else f"{r.pct_change:+.0f}%"
            row[f"{gate_name(r.gate, names)}: {kpi_label(r.kpi)}"] = pct + (" *" if r.significant else "")
        untouched = untouched_gates(t)
        row["untouched gates"] = ", ".join(gate_name(g, names) for g in untouched)
        rows.append(row)
    return table_html(pd.DataFrame(rows).fillna("="), left=("proposal", "untouched gates"))


def comparison_page(csv: Path, target: Path, show_all: bool = False) -> Path:
    df = read_comparison(csv)
    if df.empty:
        raise InputError("comparison table has no rows", file=str(csv))
    base = str(df["base"].iloc[0])
    names: dict[str, str] = {}
    dec = df[df["family"] == "decision"]
    sections = [
        Section(
            "At a glance",
            tables=[("Change of the decision KPIs (* significant; = unchanged)", _overview(df, names))],
            text=(
                f"{df['other'].nunique()} proposals against {base}. "
                + (_adjustment(dec).strip() if len(dec) else "")
            ),
        )
    ]
    for other in dict.fromkeys(df["other"].astype(str)):
        t = df[df["other"].astype(str) == other]
        chart = forest_chart(df, other, base, names)
        untouched = untouched_gates(t)
        main = t[(t["family"] == "decision") & ~t["gate"].isin(untouched)]
        rest = t[(t["family"] != "decision") & ~t["identical"]]
        folded = []
        if untouched:
            folded.append(
                (
                    f"Untouched gates: {', '.join(gate_name(g, names) for g in untouched)} "
                    "(identical in every replication)",
                    _table(t[t["gate"].isin(untouched) & (t["family"] == "decision")], names),
                )
            )
        if len(rest):
            n_sig = int(rest["significant"].sum())
            folded.append(
                (f"Other figures that change ({len(rest)}, {n_sig} significantly)", _table(rest, names))
            )
        n_ident = int(t["identical"].sum())
        if show_all and n_ident:
            folded.append((f"Identical rows ({n_ident})", _table(t[t["identical"]], names)))
        sections.append(
            Section(
                f"{other} against {base}",
                [chart] if chart is not None else [],
                [("The figures a planner weighs", _table(main, names))] if len(main) else [],
                text=""
                if show_all or not n_ident
                else f"{n_ident} identical rows left out (--all shows them).",
                key=_safe(other),
                summary=summary_text(t, names),
                folded_tables=folded,
            )
        )
    return write_page(
        target,
        f"gatesim comparison: {', '.join(df['other'].astype(str).unique())} against {base}",
        f"Comparison table: {display_path(Path(csv))}",
        sections,
    )

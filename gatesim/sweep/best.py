"""The short table a sweep ends with: the best and the worst point on each main KPI.

Per point, each KPI is first combined over the gates (crossings and revenue
summed, the longest queue the largest of the gates', the mean wait weighted by
each gate's crossings), then averaged over the point's replications.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.projections import registry

__all__ = ["best_worst", "format_best_worst"]

# KPI -> (label, unit, scale, True if more is better); combined over the gates (module doc)
MAIN_KPIS = {
    "wait_mean_h": (registry.label("wait_mean_h"), "h", 1.0, False),
    "queue_max_km": ("longest approach queue", "km", 1.0, False),
    "throughput_per_day": ("crossings per day, all gates", "trucks/day", 1.0, True),
    "revenue_vnd": ("customs tax due, all gates", "bn VND", 1e-9, True),
}


def _per_point(results: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    ok = results
    if "error" in ok.columns:
        ok = ok[ok["error"].isna() | (ok["error"].astype(str).str.strip() == "")]
    ok = ok.copy()
    for c in [*MAIN_KPIS, "departures"]:
        if c in ok.columns:
            ok[c] = pd.to_numeric(ok[c], errors="coerce")
    rows = []
    for (point, rep), g in ok.groupby(["point", "replication"], sort=True):
        row: dict = {"point": point, "replication": rep}
        w = g["departures"].to_numpy(float) if "departures" in g else np.ones(len(g))
        for k in MAIN_KPIS:
            if k not in g:
                continue
            v = g[k].to_numpy(float)
            if k == "wait_mean_h":
                m = np.isfinite(v) & np.isfinite(w) & (w > 0)
                row[k] = float(np.average(v[m], weights=w[m])) if m.any() else np.nan
            elif k == "queue_max_km":
                row[k] = float(np.nanmax(v)) if np.isfinite(v).any() else np.nan
            else:
                row[k] = float(np.nansum(v)) if np.isfinite(v).any() else np.nan
        rows.append(row)
    per_rep = pd.DataFrame(rows)
    if per_rep.empty:
        return per_rep
    means = per_rep.groupby("point").mean(numeric_only=True).drop(columns="replication")
    first = ok.groupby("point")[params].first() if params else pd.DataFrame(index=means.index)
    return means.join(first)


def best_worst(results: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    """Rows: main KPIs; columns: best and worst point, their parameter values and means."""
    pts = _per_point(results, params)
    out = []
    for k, (label, unit, scale, more_better) in MAIN_KPIS.items():
        if k not in pts or pts[k].notna().sum() == 0:
            continue
        v = pts[k].dropna()
        if v.nunique() == 1:
            continue  # the same at every point: no best or worst
        best, worst = (v.idxmax(), v.idxmin()) if more_better else (v.idxmin(), v.idxmax())

        def where(p, pts=pts):
            return ", ".join(f"{_short(q)}={pts.loc[p, q]:g}" for q in params) or f"p{p}"

        out.append(
            {
                "kpi": k, "label": label, "unit": unit,
                "best_point": best, "best_params": where(best), "best": v[best] * scale,
                "worst_point": worst, "worst_params": where(worst), "worst": v[worst] * scale,
            }
        )  # fmt: skip
    return pd.DataFrame(out)


def _short(path: str) -> str:
    parts = path.split(".")
    if parts[0] == "gates" and len(parts) > 2:
        parts = parts[1:]
    return ".".join(p for p in parts if p != "stages")


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}"


def format_best_worst(table: pd.DataFrame) -> str:
    """A few lines: per main KPI, the best and the worst point (mean over replications)."""
    if table.empty:
        return "best and worst points: every point gives the same main figures"
    lines = ["best and worst points (mean over replications):"]
    for r in table.itertuples():
        lines.append(
            f"  {r.label} [{r.unit}]: best {_fmt(r.best)} at p{r.best_point} ({r.best_params}); "
            f"worst {_fmt(r.worst)} at p{r.worst_point} ({r.worst_params})"
        )
    return "\n".join(lines)

"""Plain text of a comparison: per proposal, a paragraph that says what changed, then the table.

Shown by default: the decision KPIs at the gates the proposal touches, and any
other KPI whose change is significant; identical rows (the same in every
replication of both runs) and untouched gates are counted, not listed
(``show_all`` lists everything).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.numbers import compact_number
from gatesim.projections.registry import gate_name, kpi_label, kpi_scale, kpi_unit

__all__ = ["format_comparison", "summary_text", "untouched_gates"]


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
            for r in rows]  # fmt: skip


def untouched_gates(t: pd.DataFrame) -> list[str]:
    """Gates where every row of this proposal is identical in both runs."""
    ident = t.groupby("gate", sort=False)["identical"].all()
    return [g for g, same in ident.items() if same]


def shown_rows(t: pd.DataFrame, show_all: bool = False) -> pd.DataFrame:
    """The rows worth reading: decision KPIs at touched gates plus significant others (or all)."""
    if show_all:
        return t
    touched = ~t["gate"].isin(untouched_gates(t))
    keep = (t["family"] == "decision") & touched & ~t["identical"]
    return t[keep | (t["significant"] & ~t["identical"])]


def _value(x: float, kpi: str) -> str:
    v = x * kpi_scale(kpi)
    if not np.isfinite(v):
        return "-"
    text = f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}" if abs(v) >= 1 or v == 0 else f"{v:.3g}"
    return f"{text} {kpi_unit(kpi)}".strip()


def _pct(x: float) -> str:
    return f"{x:+.0f}%" if np.isfinite(x) and abs(x) >= 1 else f"{x:+.1f}%" if np.isfinite(x) else "n/a"


# What a planner reads first at each gate: the waits and the bulletins' "still waiting at 20:00".
LEAD_KPIS = ["wait_mean_h", "wait_p95_h", "waiting_at_20h_mean"]


def _said(r) -> str:
    """A significant change in words: from, to, %, then the change in plain units and its size."""
    from gatesim.compare.plain import signed
    from gatesim.projections import registry

    verb = "rises" if r.diff_mean > 0 else "falls"
    k = registry.find(r.kpi)
    plain = signed(r.diff_mean, k.unit if k is not None else "")
    size = f", {r.size}" if isinstance(getattr(r, "size", None), str) and r.size else ""
    return (
        f"{kpi_label(r.kpi)} {verb} from {_value(r.base_mean, r.kpi)} to {_value(r.other_mean, r.kpi)}"
        f" ({_pct(r.pct_change)}), {plain}{size}"
    )


def _gate_rows(t: pd.DataFrame, untouched: list[str]) -> pd.DataFrame:
    """At touched gates: the leading KPIs (whatever their family) first, then the other decision KPIs."""
    # the delay cost's parts stay in the table: the paragraph says their total
    part = t["kpi"].str.startswith("delay_cost_") & (t["kpi"] != "delay_cost_vnd")
    keep = (
        ~t["gate"].isin(untouched)
        & ~t["identical"]
        & ~part
        & (t["kpi"].isin(LEAD_KPIS) | (t["family"] == "decision"))
    )
    rows = t[keep]
    order = {k: i for i, k in enumerate(LEAD_KPIS)}
    return rows.assign(_lead=rows["kpi"].map(order).fillna(len(order))).sort_values("_lead", kind="stable")


def summary_text(t: pd.DataFrame, names: dict[str, str] | None = None) -> str:
    """One paragraph, from the numbers: per touched gate the mean wait, p95 wait and trucks still
    waiting at 20:00 first, in plain units with their size class, then the other decision KPIs."""
    first = t.iloc[0]
    how = "paired over the same seeds" if t["paired"].all() else "unpaired (different seeds)"
    parts = [f"{first['other']} against {first['base']} ({how}):"]
    untouched = untouched_gates(t)
    rows = _gate_rows(t, untouched)
    for gate in dict.fromkeys(t["gate"]):
        g = rows[rows["gate"] == gate]
        if g.empty:
            continue
        said = [_said(r) for r in g[g["significant"]].itertuples()]
        flat = g[~g["significant"]]
        if len(flat):
            said.append(
                f"no detectable change in {', '.join(kpi_label(k) for k in flat['kpi'])} (within the noise)"
            )
        parts.append(f"at {gate_name(gate, names)}, " + "; ".join(said) + ".")
    if untouched:
        who = ", ".join(gate_name(g, names) for g in untouched)
        parts.append(
            f"{who} {'is' if len(untouched) == 1 else 'are'} untouched (identical in every replication)."
        )
    other = t[(t["family"] != "decision") & t["significant"] & ~t["kpi"].isin(LEAD_KPIS)]
    if len(other):
        parts.append(f"{len(other)} other figures change significantly (see the table).")
    if not rows["significant"].any():
        parts.append(
            "On the figures a planner weighs, this proposal makes no detectable difference at these replications."
        )
    return " ".join(parts)


def format_comparison(table: pd.DataFrame, significant_only: bool = False, show_all: bool = False) -> str:
    """Plain text: the method once, then per OTHER its paragraph and the rows worth reading."""
    if table.empty:
        return "no KPI to compare"
    first = table.iloc[0]
    adj = table.loc[table["family"] == "decision", "adjustment"]
    method = adj.iloc[0] if len(adj) else first["adjustment"]
    lines = [f"BASE {first['base']}; difference = OTHER - BASE."]
    if method and method != "none":
        lines.append(f"Multiplicity (decision KPIs): {method}.")
    level = table.loc[table["family"] == "decision", "ci_level"]
    if len(level):
        lines.append(f"Intervals of the decision KPIs: {100 * level.iloc[0]:.4g}% CI; * = significant.")
    head = ["gate", "KPI", "base", "other", "diff", "CI low", "CI high", "%", ""]
    for other, t in table.groupby("other", sort=False):
        lead = t["kpi"].map({k: i for i, k in enumerate(LEAD_KPIS)}).fillna(len(LEAD_KPIS))
        t = t.assign(_abs=t["pct_change"].abs().fillna(np.inf), _dec=t["family"] == "decision", _lead=lead)
        t = t.sort_values(
            ["_lead", "_dec", "significant", "_abs"], ascending=[True, False, False, False], kind="stable"
        )
        n_sig = int(t["significant"].sum())
        lines += [
            "",
            f"{other} vs {first['base']}: "
            + ("paired (same seeds and replications)" if t["paired"].all() else "Welch (unpaired)")
            + f"; {n_sig} of {int((~t['identical']).sum())} changes significant",
        ]
        lines.append(summary_text(t))
        shown = shown_rows(t, show_all)
        if significant_only:
            shown = shown[shown["significant"]]
        hidden = len(t) - len(shown)
        if not shown.empty:
            body = [
                [r.gate, r.kpi, compact_number(r.base_mean), compact_number(r.other_mean), compact_number(r.diff_mean), compact_number(r.diff_ci_low),
                 compact_number(r.diff_ci_high), "-" if not np.isfinite(r.pct_change) else f"{r.pct_change:+.1f}",
                 "*" if r.significant else ""]
                for r in shown.itertuples()
            ]  # fmt: skip
            lines += ["  " + s for s in _table([head, *body])]
        if hidden:
            n_ident = int(t["identical"].sum())
            lines.append(
                f"  ({hidden} rows not shown: {n_ident} identical in both runs, the rest detail KPIs "
                "without a significant change; --all shows them, the CSV has every row)"
            )
    return "\n".join(lines)

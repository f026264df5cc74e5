"""From the sweep's results to answers: per proposal and gate, the verdict rows in both scopes, the split,
the unknowns ranked.

Scopes: ``baseline`` is the calibrated baseline as shipped (one world),
``worlds`` the plausible worlds of the ensemble. Both scopes' rows form one
Benjamini-Hochberg family (:func:`gatesim.compare.verdict.verdict_rows`).
The KPIs answered are :data:`ANSWER_KPIS`; the gates answered are those the
proposal touches (any figure not identical to its base's in the calibrated
baseline).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gatesim.answer.unknowns import Split, find_split, variance_shares
from gatesim.compare.verdict import BACKLOG_KPI, SATURATED, Thresholds, verdict_rows
from gatesim.trust.assess import BASELINE_WORLD, paired_per_world

__all__ = ["ANSWER_KPIS", "GateAnswer", "ProposalAnswer", "analyse"]

ANSWER_KPIS = [
    "wait_mean_h",
    "wait_p95_h",
    "waiting_at_20h_mean",
    "throughput_per_day",
    "revenue_vnd",
    BACKLOG_KPI,
]
DELAY_PARTS = [
    "delay_cost_vnd",
    "delay_cost_operating_vnd",
    "delay_cost_driver_vnd",
    "delay_cost_parking_vnd",
    "delay_cost_reefer_vnd",
    "delay_cost_inventory_vnd",
]


@dataclass
class GateAnswer:
    gate: str
    rows: pd.DataFrame  # verdict rows of ANSWER_KPIS, both scopes
    delay: pd.DataFrame  # calibrated baseline: delay cost parts, base level and effect
    lead_kpi: str  # the figure the split and ranking are about (the mean wait, or the queue's growth)
    split: Split | None
    shares: pd.DataFrame  # unknown, share: largest first
    worlds_left_out: int
    saturated_base: bool  # the base's queue grows all along in the calibrated baseline
    tails: list[dict] = field(default_factory=list)  # figures large in a minority of worlds


def _tails(per: pd.DataFrame, kpis: list[str], out: set[int], th: Thresholds) -> list[dict]:
    """Per KPI, the worlds where the effect is large though the median's is not (a median hides them)."""
    from gatesim.answer.words import kpi_unit
    from gatesim.compare.verdict import size_class

    found = []
    for kpi in kpis:
        g = per[(per["kpi"] == kpi) & (per["world"] != BASELINE_WORLD) & per["effect"].notna()]
        if kpi != BACKLOG_KPI:
            g = g[~g["world"].isin(out)]
        if g.empty:
            continue
        unit = kpi_unit(kpi)
        sizes = [size_class(e, b, unit, th) for e, b in zip(g["effect"], g["base_mean"], strict=True)]
        large = g[[z == "large" for z in sizes]]
        median_size = size_class(float(g["effect"].median()), float(g["base_mean"].median()), unit, th)
        if 0 < len(large) <= len(g) / 2 and median_size != "large":
            found.append({"kpi": kpi, "k": len(large), "n": len(g), "low": float(large["effect"].min()),
                          "high": float(large["effect"].max()), "worlds": [int(w) for w in large["world"]]})  # fmt: skip
    return found


@dataclass
class ProposalAnswer:
    name: str
    base: str
    context: tuple[str, ...]
    gates: list[GateAnswer] = field(default_factory=list)
    untouched: list[str] = field(default_factory=list)


def _touched(pw: pd.DataFrame) -> list[str]:
    one = pw[pw["world"] == BASELINE_WORLD]
    moved = one.groupby("gate", sort=False).apply(
        lambda g: bool(((g["effect"].fillna(0) != 0) | (g["ss"].fillna(0) != 0)).any()), include_groups=False
    )
    return [str(g) for g, m in moved.items() if m]


def _delay(pw: pd.DataFrame, prop: str, gate: str) -> pd.DataFrame:
    one = pw[(pw["world"] == BASELINE_WORLD) & (pw["proposal"] == prop) & (pw["gate"] == gate)]
    return one[one["kpi"].isin(DELAY_PARTS)][["kpi", "base_mean", "effect"]].reset_index(drop=True)


def analyse(
    results: pd.DataFrame,
    proposals: list[str],
    pairs: dict[str, str],
    base_names: dict[str, str],
    context: dict[str, tuple[str, ...]],
    worlds: pd.DataFrame,
    unknowns: list[str],
    level: float = 0.95,
    th: Thresholds | None = None,
    gate_order: list[str] | None = None,
    unknown_gates: dict[str, frozenset[str]] | None = None,
) -> tuple[list[ProposalAnswer], pd.DataFrame, pd.DataFrame]:
    """(answers, verdict rows, per-world effects) from the sweep's ``results``.

    ``worlds`` holds the plausible worlds' unknowns, indexed by world id;
    ``base_names`` names each paired base variant for the page; ``unknown_gates`` (unknown ->
    the gates it can move) keeps an unknown of one gate out of another gate's shares and splits.
    """
    reach = unknown_gates or {}
    th = th or Thresholds()
    pw, left_out = paired_per_world(results, proposals, pairs, th)
    pw["scope"] = np.where(pw["world"] == BASELINE_WORLD, "baseline", "worlds")
    all_gates = list(dict.fromkeys([*(gate_order or []), *pw["gate"]]))
    touched = {p: sorted(_touched(pw[pw["proposal"] == p]), key=all_gates.index) for p in proposals}
    keep = pw["kpi"].isin(ANSWER_KPIS) & pd.Series(
        [g in touched[p] for p, g in zip(pw["proposal"], pw["gate"], strict=True)], index=pw.index
    )
    rows = verdict_rows(pw[keep], level, th, left_out=left_out)
    answers = []
    for p in proposals:
        ans = ProposalAnswer(p, base_names.get(pairs.get(p, ""), pairs.get(p, "")), context.get(p, ()))
        ans.untouched = [g for g in all_gates if g not in touched[p]]
        for gate in touched[p]:
            mine = rows[(rows["proposal"] == p) & (rows["gate"] == gate)].reset_index(drop=True)
            one = mine[(mine["scope"] == "baseline") & (mine["kpi"] == "wait_mean_h")]
            saturated = bool(len(one) and one["verdict"].iloc[0] == SATURATED)
            out = set(left_out.get((p, gate), [])) - {BASELINE_WORLD}
            # where a third of the worlds or more are saturated, what the effect depends on is asked of the
            # queue's growth in every world (a wait over the others would hide where the gate is overrun)
            lead = BACKLOG_KPI if saturated or 3 * len(out) >= len(worlds) else "wait_mean_h"
            per = pw[(pw["proposal"] == p) & (pw["gate"] == gate) & (pw["kpi"] == lead)]
            per = per[(per["world"] != BASELINE_WORLD) & (lead == BACKLOG_KPI or ~per["world"].isin(out))]
            effect = per.set_index("world")["effect"]
            floor = th.negligible_abs.get("trucks/day" if lead == BACKLOG_KPI else "h", 0.0)
            names = [n for n in unknowns if n in worlds.columns and gate in reach.get(n, {gate})]
            shares = variance_shares(effect, worlds, names) if effect.notna().sum() >= 4 else pd.DataFrame()
            split = find_split(effect, worlds, names, floor)
            mine_pw = pw[(pw["proposal"] == p) & (pw["gate"] == gate)]
            tails = _tails(mine_pw, list(dict.fromkeys([lead, BACKLOG_KPI])), out, th)
            ans.gates.append(
                GateAnswer(gate, mine, _delay(pw, p, gate), lead, split, shares, len(out), saturated, tails)
            )
        answers.append(ans)
    return answers, rows, pw

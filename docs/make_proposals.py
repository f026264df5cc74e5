"""Regenerate the table of docs/proposals.md: run every proposal beside the baseline, compare.

    python docs/make_proposals.py                 # run (~3 min on one core), compare, rewrite the tables
    python docs/make_proposals.py --skip-run      # reuse runs/proposals, compare, rewrite the tables

The gatesim commands it runs are printed, and written into the document.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from gatesim.projections.kpis import kpi_stage, util_column, wait_at_column
from gatesim.projections.registry import KPIS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "proposals.md"
START, END = "<!-- table:start -->", "<!-- table:end -->"
START2, END2 = "<!-- growth:start -->", "<!-- growth:end -->"
START3, END3 = "<!-- stages:start -->", "<!-- stages:end -->"
PROPOSALS = [
    "tan_thanh_8_lanes",
    "coc_nam_longer_hours",
    "automated_fee_payment",
    "tan_thanh_yards_coordinated",
    "smart_gate_package",
    "huu_nghi_car_imports",
    "traffic_growth_2026",
    "fruit_season_peak",
]
GROWTH = "traffic_growth_2026"  # the base of the second comparison
UNDER_GROWTH = "smart_gate_package_growth"
GATES = {"tan_thanh": "Tân Thanh", "huu_nghi": "Hữu Nghị", "coc_nam": "Cốc Nam", "chi_ma": "Chi Ma"}
# (KPI, column header, scale, decimals): the registry's proposal KPIs, in its words
COLUMNS = [(k.column, k.header, k.scale, k.digits) for k in KPIS if "proposals" in k.shown]


def _commands(runs: Path) -> list[list[str]]:
    files = [f"scenarios/{n}.yaml" for n in ["baseline_2026", *PROPOSALS, UNDER_GROWTH]]
    run = ["gatesim", "run", *files, "--out", str(runs), "--force", "--no-events", "-q"]
    # every proposal against the baseline (the what-if under growth is left out of this family)
    others = [str(runs / n) for n in PROPOSALS]
    # --force: the comparisons are this script's own outputs, replaced on every run
    cmp = [
        "gatesim",
        "compare",
        str(runs / "baseline_2026"),
        *others,
        "--out",
        str(runs / "comparison.csv"),
        "--force",
    ]
    grow = [
        "gatesim",
        "compare",
        str(runs / GROWTH),
        str(runs / UNDER_GROWTH),
        "--out",
        str(runs / "comparison_growth.csv"),
        "--force",
    ]
    return [run, cmp, grow]


def _sh(cmd: list[str]) -> None:
    print("$", " ".join(cmd), flush=True)
    # `python -m gatesim.cli` is the `gatesim` command of this interpreter's install
    subprocess.run(
        [sys.executable, "-m", "gatesim.cli", *cmd[1:]], cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )


def _f(x: float, digits: int) -> str:
    text = f"{x:,.{digits}f}"
    return text.lstrip("-") if text.strip("-0.,") == "" else text  # no "-0.00"


def _cell(r: pd.Series, scale: float, digits: int) -> str:
    d, lo, hi = r["diff_mean"] * scale, r["diff_ci_low"] * scale, r["diff_ci_high"] * scale
    if d == 0 and lo == 0 and hi == 0:
        return "0"
    sign = "+" if d > 0 and _f(d, digits) != _f(0.0, digits) else ""
    text = f"{sign}{_f(d, digits)} [{_f(lo, digits)}, {_f(hi, digits)}]"
    return f"**{text}**" if r["significant"] else text


def render(table: pd.DataFrame, proposals: list[str] = PROPOSALS, base_label: str = "baseline") -> str:
    idx = table.set_index(["other", "gate", "kpi"])
    head = ["proposal", "gate", *(h for _, h, _, _ in COLUMNS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    first = proposals[0]
    for gid, gname in GATES.items():
        cells = []
        for kpi, _, scale, digits in COLUMNS:
            v = idx.loc[(first, gid, kpi), "base_mean"] * scale
            cells.append(_f(v, digits) if np.isfinite(v) else "-")
        lines.append(f"| *{base_label} (level)* | {gname} | " + " | ".join(f"*{c}*" for c in cells) + " |")
    for name in proposals:
        for gid, gname in GATES.items():
            cells = [_cell(idx.loc[(name, gid, kpi)], scale, digits) for kpi, _, scale, digits in COLUMNS]
            lines.append(f"| `{name}` | {gname} | " + " | ".join(cells) + " |")
    # the decision KPIs' family gives the level (each family has its own; see gatesim.compare.statistics)
    r = table[table["family"] == "decision"].iloc[0] if "family" in table else table.iloc[0]
    note = (
        f"\nDifference proposal − {base_label}, mean of {int(r['n_base'])} paired replications "
        f"[{100 * r['ci_level']:.4g}% CI"
        + ("" if r["adjustment"] == "none" else f": {r['adjustment']}")
        + "]; "
        "**bold** = significant (the interval excludes 0); 0 = identical in every replication "
        "(the proposal does not touch that gate, which sees the same trucks). Totals (tax, fees, "
        "left in system, delay cost, spoilage, CO2) are over the 12 simulated days."
    )
    return "\n".join(lines) + "\n" + note


def render_stages(base: pd.DataFrame, lanes: pd.DataFrame) -> str:
    """Where the time goes: each stage's mean wait and utilisation per gate in the
    baseline (mean over replications), and Tân Thanh's waits with 8 lanes."""
    stages = [kpi_stage(c) for c in base.columns if c.startswith("wait_at_")]
    mean_b = base.groupby("gate", sort=False).mean(numeric_only=True)
    mean_l = lanes.groupby("gate", sort=False).mean(numeric_only=True)
    head = (
        "| stage | "
        + " | ".join(f"{GATES[g]}: wait h (util)" for g in GATES)
        + " | Tân Thanh, 8 lanes: wait h |"
    )
    lines = [head, "|---" * (len(GATES) + 2) + "|"]
    for st in ["approach", *stages]:
        cells = []
        for g in GATES:
            w = mean_b.loc[g, "wait_approach_h" if st == "approach" else wait_at_column(st)]
            u = np.nan if st == "approach" else mean_b.loc[g, util_column(st)]
            cells.append("-" if np.isnan(w) else f"{w:.2f}" + ("" if np.isnan(u) else f" ({u:.2f})"))
        w8 = mean_l.loc["tan_thanh", "wait_approach_h" if st == "approach" else wait_at_column(st)]
        lines.append(f"| {st.replace('_', ' ')} | " + " | ".join(cells) + f" | {_f(w8, 2)} |")
    lines.append(
        "| **all (mean per truck)** | "
        + " | ".join(f"**{mean_b.loc[g, 'wait_mean_h']:.2f}**" for g in GATES)
        + f" | **{mean_l.loc['tan_thanh', 'wait_mean_h']:.2f}** |"
    )
    note = (
        "\nWait at a stage: mean hours in its queue over the trucks that passed it (a stage on one "
        "direction's route counts that direction's trucks: Chinese acceptance the exports, Chinese "
        "release the imports); approach: hours on the road approach while the yard is full, over all "
        "trucks. `wait_at_<stage>_h`, `wait_approach_h` and `util_<stage>` of `summary.csv`, "
        "baseline_2026 and tan_thanh_8_lanes, 12 days x 5 replications."
    )
    return "\n".join(lines) + "\n" + note


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", default="runs/proposals", help="directory for the runs (relative to the repo)")
    ap.add_argument("--skip-run", action="store_true", help="reuse the runs already in --runs")
    args = ap.parse_args()
    runs = Path(args.runs)
    commands = _commands(runs)
    for cmd in commands[int(args.skip_run) :]:
        _sh(cmd)
    table = pd.read_csv(ROOT / runs / "comparison.csv")
    growth = pd.read_csv(ROOT / runs / "comparison_growth.csv")
    text = DOC.read_text(encoding="utf-8")
    block = "\n".join(["", "```bash", *(" ".join(c) for c in commands), "```", "", render(table), ""])
    text = _replace(text, START, END, block)
    block = "\n".join(["", render(growth, [UNDER_GROWTH], GROWTH), ""])
    text = _replace(text, START2, END2, block)
    base = pd.read_csv(ROOT / runs / "baseline_2026" / "summary.csv")
    lanes = pd.read_csv(ROOT / runs / "tan_thanh_8_lanes" / "summary.csv")
    text = _replace(text, START3, END3, "\n".join(["", render_stages(base, lanes), ""]))
    DOC.write_text(text, encoding="utf-8")
    print(f"written: {DOC}")


def _replace(text: str, start: str, end: str, block: str) -> str:
    if start not in text or end not in text:
        raise SystemExit(f"{DOC}: markers {start} / {end} not found")
    before, rest = text.split(start, 1)
    return before + start + block + end + rest.split(end, 1)[1]


if __name__ == "__main__":
    main()

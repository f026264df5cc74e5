"""Fill docs/calibration.md's results, docs/validation.md's out-of-sample table and docs/proposals.md's
table across plausible worlds from output directories.

    python docs/make_calibration.py --fit runs/fit [--assess runs/assess] [--revenue runs/revenue] [--note TEXT]

Reads what `gatesim calibrate --fit`, `gatesim assess` and
`gatesim revenue` wrote; runs nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from gatesim.trust.assess_cli import effects_markdown
from gatesim.trust.page import fmt_number as _fmt

ROOT = Path(__file__).resolve().parents[1]
CAL, VAL = ROOT / "docs" / "calibration.md", ROOT / "docs" / "validation.md"
PROP = ROOT / "docs" / "proposals.md"
HEAD = ["wait_mean_h", "queue_max_km", "waiting_at_20h_mean", "throughput_per_day"]
# docs/proposals.md: the headline KPIs of its own table, across plausible worlds
PROP_HEAD = [
    "wait_mean_h",
    "wait_p95_h",
    "waiting_at_20h_mean",
    "queue_max_km",
    "throughput_per_day",
    "revenue_vnd",
]
GATES = {"tan_thanh": "Tân Thanh", "huu_nghi": "Hữu Nghị", "coc_nam": "Cốc Nam", "chi_ma": "Chi Ma"}


def _replace(path: Path, start: str, end: str, body: str) -> None:
    text = path.read_text(encoding="utf-8")
    a, b = text.index(start) + len(start), text.index(end)
    path.write_text(text[:a] + "\n" + body.rstrip() + "\n" + text[b:], encoding="utf-8")


def oos_table(fit: Path) -> str:
    t = pd.read_csv(fit / "targets.csv")
    lines = [
        "| id | role | figure | published | ensemble 5% / median / 95% | median ÷ published | members within 3 sd | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, r in t[t["role"] != "fit"].iterrows():
        lines.append(
            f"| {r['id']} | {r['role']} | {r['what']} ({r['unit']}) | {_fmt(r['observed'])} | "
            f"{_fmt(r['ensemble_p05'])} / {_fmt(r['ensemble_median'])} / {_fmt(r['ensemble_p95'])} | "
            f"{r['ratio_median']:.2f} | {r['share_within_3']:.0%} of {int(r['n'])} | {r['verdict']} |"
        )
    return "\n".join(lines)


def assess_table(assess: Path, kpis: list[str] = HEAD) -> str:
    return effects_markdown(pd.read_csv(assess / "effects.csv"), kpis, GATES)


def revenue_table(rev: Path) -> str:
    s = pd.read_csv(rev / "revenue_2026.csv")
    lines = [
        "| gate | worlds | 2026 customs tax, bn VND: median [5%, 95%] |",
        "|---|---|---|",
    ]
    for _, r in s.iterrows():
        lines.append(
            f"| {r['gate']} | {int(r['worlds'])} | {r['annual_tax_median_vnd'] / 1e9:,.0f} "
            f"[{r['annual_tax_p05_vnd'] / 1e9:,.0f}, {r['annual_tax_p95_vnd'] / 1e9:,.0f}] |"
        )
    from gatesim.trust.revenue_basis import load_revenue_basis

    basis = load_revenue_basis()
    col = "+".join(basis.gates)
    if col not in set(s["gate"]):
        return "\n".join(lines)
    row = s[s["gate"] == col].iloc[0]
    vs = [c[3:-7] for c in s.columns if c.startswith("vs_") and c.endswith("_median")]
    lines += [
        "",
        f"{' + '.join(basis.gates)} against their part ({basis.share:.3f} ± {basis.share_sd}, their 2025 share) "
        "of the region's 2026 targets; " + basis.disagreement() + ":",
        "",
    ]
    lines += [
        f"- {name}: {row[f'vs_{name}_median']:.2f} [{row[f'vs_{name}_p05']:.2f}, {row[f'vs_{name}_p95']:.2f}] of it"
        for name in vs
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fit", type=Path, required=True)
    ap.add_argument("--assess", type=Path)
    ap.add_argument("--revenue", type=Path)
    ap.add_argument("--note", default="")
    ap.add_argument("--assess-command", default="", help="the gatesim assess command, quoted in proposals.md")
    a = ap.parse_args()
    page = (a.fit / "calibration.md").read_text(encoding="utf-8")
    page = page.replace("# Calibration of", "### The fit of").replace("\n## ", "\n#### ")
    body = [a.note, "", page]
    if a.assess:
        body += ["### Proposals across plausible worlds", "", assess_table(a.assess), ""]
        cmd = f"Generated from `{a.assess_command}`.\n\n" if a.assess_command else ""
        _replace(
            PROP, "<!-- robust:start -->", "<!-- robust:end -->", cmd + assess_table(a.assess, PROP_HEAD)
        )
    if a.revenue:
        body += ["### Revenue, 2026, over plausible worlds and growth", "", revenue_table(a.revenue), ""]
    _replace(CAL, "<!-- results:start -->", "<!-- results:end -->", "\n".join(body))
    _replace(VAL, "<!-- oos:start -->", "<!-- oos:end -->", oos_table(a.fit))
    print(f"written: {CAL}, {VAL}" + (f", {PROP}" if a.assess else ""))


if __name__ == "__main__":
    main()

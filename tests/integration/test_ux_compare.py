"""`gatesim compare` that decides: multiplicity over proposals x KPIs x gates, identical rows
hidden (--all shows them), a paragraph per proposal from the numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from gatesim.cli import main
from gatesim.compare import bh_adjust, compare_tables, decision_kpis
from gatesim.compare.format import format_comparison, shown_rows, summary_text, untouched_gates
from gatesim.projections.kpis import KPI_COLUMNS

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration

GATES = ["tan_thanh", "huu_nghi", "coc_nam"]


def _summary(rng: np.random.Generator, name: str, reps: int = 5, shift: dict | None = None) -> pd.DataFrame:
    """A synthetic summary.csv: every KPI ~ N(100, 10) per (replication, gate)."""
    rows = []
    for r in range(reps):
        for g in GATES:
            row = {"scenario": name, "replication": r, "seed": 1, "gate": g, "days": 3}
            for k in KPI_COLUMNS:
                if k != "days":
                    row[k] = 100.0 + 10.0 * rng.standard_normal()
            rows.append(row)
    df = pd.DataFrame(rows)
    for (gate, kpi), delta in (shift or {}).items():
        df.loc[df["gate"] == gate, kpi] += delta
    return df


def test_bh_adjust_matches_scipy():
    p = np.array([0.01, 0.04, 0.03, 0.2, np.nan, 0.5])
    q = bh_adjust(p)
    ok = np.isfinite(p)
    assert np.isnan(q[~ok]).all()
    assert q[ok] == pytest.approx(stats.false_discovery_control(p[ok], method="bh"))


@pytest.mark.slow  # several seconds: the slow tier, so the default tier stays under 10 min
def test_noise_is_not_significant_once_kpis_are_counted():
    """Pure noise over ~20 KPIs x 3 gates: some raw p < 0.05 (a per-proposal correction calls
    them significant), none survives the correction over proposals x KPIs x gates."""
    # Under pure noise BH keeps the chance of any false finding at about 1 - level (5%), so
    # over 20 noise draws at most 3 may show one (binomial(20, 0.05): P(>= 4) = 1.6%), while
    # the raw p-values (the old per-proposal correction) show "findings" in most draws.
    raw_findings = any_significant = 0
    for s in range(20):
        rng = np.random.default_rng(100 + s)
        base = _summary(rng, "base")
        other = _summary(rng, "noise")  # same (seed, replication) keys: paired, pure noise
        t = compare_tables(base, [other])
        raw_findings += bool((t["p_value"] < 0.05).any())
        any_significant += bool(t["significant"].any())
    assert raw_findings >= 15
    assert any_significant <= 3
    assert t["adjustment"].str.contains("Benjamini-Hochberg over").all()
    dec = t[t["family"] == "decision"]
    assert set(dec["kpi"]) == set(decision_kpis(KPI_COLUMNS))
    assert f"over {len(dec)} tests" in dec["adjustment"].iloc[0]  # proposals x KPIs x gates


def test_a_real_effect_is_found_and_described():
    rng = np.random.default_rng(3)
    base = _summary(rng, "base")
    other = base.assign(scenario="eight_lanes")
    tt = other["gate"] == "tan_thanh"
    other.loc[tt, "wait_mean_h"] = other.loc[tt, "wait_mean_h"] * 0.5 + rng.normal(0, 0.5, tt.sum())
    t = compare_tables(base, [other])
    r = t[(t["gate"] == "tan_thanh") & (t["kpi"] == "wait_mean_h")].iloc[0]
    assert r["significant"] and r["diff_ci_high"] < 0
    assert untouched_gates(t) == ["huu_nghi", "coc_nam"]  # identical in every replication
    text = summary_text(t)
    assert "at Tân Thanh, mean wait per truck falls from" in text
    assert f"({r['pct_change']:+.0f}%)" in text
    assert "Hữu Nghị, Cốc Nam are untouched" in text


def test_identical_rows_hidden_by_default_all_shows_them(tmp_path):
    rng = np.random.default_rng(5)
    base = _summary(rng, "base")
    other = base.assign(scenario="fees")
    other.loc[other["gate"] == "coc_nam", "fees_vnd"] += rng.normal(50, 1, 5)
    base.to_csv(tmp_path / "base.csv", index=False)
    other.to_csv(tmp_path / "other.csv", index=False)
    t = compare_tables(base, [other])
    assert t["identical"].sum() == len(t) - 1
    assert len(shown_rows(t)) == 1 and len(shown_rows(t, show_all=True)) == len(t)
    res = CliRunner().invoke(
        main,
        [
            "compare",
            str(tmp_path / "base.csv"),
            str(tmp_path / "other.csv"),
            "--out",
            str(tmp_path / "c.csv"),
        ],
    )
    assert res.exit_code == 0, res.output
    table_lines = [ln for ln in res.output.splitlines() if ln.startswith("  ") and ln.split()[0] in GATES]
    assert len(table_lines) == 1 and "fees_vnd" in table_lines[0]
    assert f"{len(t) - 1} rows not shown" in res.output
    res = CliRunner().invoke(
        main,
        ["compare", str(tmp_path / "base.csv"), str(tmp_path / "other.csv"), "--out", str(tmp_path / "c.csv"),
         "--all", "--force"],  # c.csv exists: replacing it takes --force
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    table_lines = [ln for ln in res.output.splitlines() if ln.startswith("  ") and ln.split()[0] in GATES]
    assert len(table_lines) == len(t)
    assert len(pd.read_csv(tmp_path / "c.csv")) == len(t)  # the CSV always has every row


def test_format_names_the_method():
    rng = np.random.default_rng(7)
    base = _summary(rng, "base")
    a = base.assign(scenario="a", wait_mean_h=base["wait_mean_h"] + 5)
    b = base.assign(scenario="b")
    text = format_comparison(compare_tables(base, [a, b]))
    assert "Multiplicity (decision KPIs): Benjamini-Hochberg over" in text
    assert "2 proposals" in text and "false discovery rate 5%" in text

"""`gatesim compare`: paired / Welch CIs, Bonferroni, inputs, refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.compare import COMPARISON_COLUMNS, compare_tables, format_comparison, read_inputs
from gatesim.errors import InputError
from gatesim.run import OUTPUT_SCHEMA_VERSION

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"
LANES = ROOT / "scenarios" / "tan_thanh_8_lanes.yaml"


def _cli(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def multi(tmp_path_factory) -> Path:
    """`gatesim run baseline 8-lanes --out DIR`: two scenarios, same seeds (3 days x 3 replications)."""
    out = tmp_path_factory.mktemp("cmp") / "multi"
    res = _cli(
        "run", str(BASELINE), str(LANES), "--days", "3", "-r", "3", "--out", str(out), "--no-events", "-q"
    )
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def base_df(multi) -> pd.DataFrame:
    return pd.read_csv(multi / "baseline_2026" / "summary.csv")


@pytest.fixture(scope="module")
def lanes_df(multi) -> pd.DataFrame:
    return pd.read_csv(multi / "tan_thanh_8_lanes" / "summary.csv")


def _row(table: pd.DataFrame, gate: str, kpi: str, other: str | None = None) -> pd.Series:
    m = (table["gate"] == gate) & (table["kpi"] == kpi)
    if other is not None:
        m &= table["other"] == other
    assert m.sum() == 1
    return table[m].iloc[0]


# ---------------------------------------------------------------- statistics


def test_self_comparison_is_zero(base_df):
    t = compare_tables(base_df, [base_df])
    assert list(t.columns) == COMPARISON_COLUMNS
    assert (t["diff_mean"] == 0).all() and (t["diff_ci_low"] == 0).all() and (t["diff_ci_high"] == 0).all()
    assert (t["pct_change"] == 0).all() and not t["significant"].any() and t["paired"].all()
    assert t[["base_mean", "other_mean", "p_value_adj"]].notna().all().all()  # sd = 0 is no NaN
    # util_road is not measurable at Cốc Nam (no road stage): no row, not a NaN row
    assert ((t["gate"] == "coc_nam") & (t["kpi"] == "util_road")).sum() == 0
    assert {"wait_mean_h", "queue_max_km", "revenue_vnd", "fees_vnd", "util_cn_acceptance"} <= set(t["kpi"])


def test_paired_ci_narrower_than_welch(base_df, lanes_df):
    paired = compare_tables(base_df, [lanes_df])
    unpaired_df = lanes_df.assign(replication=lanes_df["replication"] + 100)  # breaks the pairing
    welch = compare_tables(base_df, [unpaired_df])
    assert paired["paired"].all() and (paired["method"] == "paired t").all()
    assert not welch["paired"].any() and (welch["method"] == "Welch t").all()
    for kpi in ("wait_mean_h", "truck_hours_delay", "throughput_per_day", "queue_mean"):
        p, w = _row(paired, "tan_thanh", kpi), _row(welch, "tan_thanh", kpi)
        assert p["diff_mean"] == pytest.approx(w["diff_mean"])  # same point estimate
        assert p["diff_ci_high"] - p["diff_ci_low"] < 0.5 * (w["diff_ci_high"] - w["diff_ci_low"]), kpi


def test_intervals_match_scipy(base_df, lanes_df):
    from scipy import stats

    t = compare_tables(base_df, [lanes_df])
    b = base_df[base_df["gate"] == "tan_thanh"].sort_values("replication")["wait_mean_h"].to_numpy()
    o = lanes_df[lanes_df["gate"] == "tan_thanh"].sort_values("replication")["wait_mean_h"].to_numpy()
    d = o - b
    r = _row(t, "tan_thanh", "wait_mean_h")
    # the interval is a paired t interval at the row's (false-coverage adjusted) level
    half = stats.t.ppf(0.5 + r["ci_level"] / 2, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
    assert r["diff_ci_low"] == pytest.approx(d.mean() - half) and r["diff_ci_high"] == pytest.approx(
        d.mean() + half
    )
    assert r["p_value"] == pytest.approx(stats.ttest_rel(o, b).pvalue)
    w = compare_tables(base_df, [lanes_df.assign(replication=lanes_df["replication"] + 100)])
    assert _row(w, "tan_thanh", "wait_mean_h")["p_value"] == pytest.approx(
        stats.ttest_ind(o, b, equal_var=False).pvalue
    )


def test_multiplicity_over_proposals_and_kpis(base_df, lanes_df):
    """Benjamini-Hochberg over every (proposal, KPI, gate) of a family; intervals at the matching level."""
    from gatesim.compare import bh_adjust

    t = compare_tables(base_df, [lanes_df, base_df], labels=["lanes", "same"])
    for _, fam in t.groupby("family"):
        tested = fam[~fam["identical"] & fam["p_value"].notna()]
        assert fam["adjustment"].iloc[0].startswith(f"Benjamini-Hochberg over {len(tested)} tests")
        q = bh_adjust(tested["p_value"].to_numpy())
        assert tested["p_value_adj"].to_numpy() == pytest.approx(q)
        sig = tested["significant"].to_numpy()
        excl = ((tested["diff_ci_low"] > 0) | (tested["diff_ci_high"] < 0)).to_numpy()
        assert (sig == excl).all()  # significant exactly when the interval excludes 0
        r = max(int(sig.sum()), 1)
        assert fam["ci_level"].to_numpy() == pytest.approx(1 - r * 0.05 / len(tested))
    assert not t.loc[t["other"] == "same", "significant"].any()
    text = format_comparison(t)
    assert "Benjamini-Hochberg" in text


def test_constant_nonzero_difference_is_exact(base_df):
    shifted = base_df.assign(fees_vnd=base_df["fees_vnd"] + 1e6)
    r = _row(compare_tables(base_df, [shifted]), "huu_nghi", "fees_vnd")
    assert r["diff_ci_low"] == r["diff_ci_high"] == pytest.approx(1e6) and r["significant"]


# ---------------------------------------------------------------- the command


def test_cli_multi_run_dir(multi, tmp_path):
    out = tmp_path / "c.csv"
    res = _cli("compare", str(multi / "baseline_2026"), str(multi), "--out", str(out))
    assert res.exit_code == 0, res.output
    t = pd.read_csv(out)
    assert set(t["other"]) == {"tan_thanh_8_lanes"}  # the base itself, found in the multi-run, is skipped
    assert "tan_thanh_8_lanes vs baseline_2026: paired" in res.output
    # the decision KPIs first, significant ones first; a significant detail KPI is shown too:
    # the road's utilisation halves
    lines = res.output.splitlines()
    body = [ln for ln in lines if ln.startswith("  tan_thanh")]
    assert body[0].rstrip().endswith("*") and "wait_mean_h" in body[0]
    assert any("util_road" in ln and ln.rstrip().endswith("*") for ln in body)
    assert _row(t, "tan_thanh", "util_road")["pct_change"] == pytest.approx(-50, abs=1)


def test_cli_self_and_default_out(multi, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = str(multi / "baseline_2026")
    res = _cli("compare", run, run)
    assert res.exit_code == 0, res.output
    t = pd.read_csv(tmp_path / "comparison.csv")  # default: the current directory
    assert (t["diff_mean"] == 0).all() and "0 of" in res.output


def test_sweep_results_csv(base_df, lanes_df, tmp_path):
    rows = []
    for point, df in enumerate([base_df, lanes_df]):
        rows.append(
            df.assign(
                point=point,
                **{"gates.tan_thanh.stages.road.lanes": 4 + 4 * point},
                scenario=f"sw.p{point}",
                error="",
            )
        )
    results = pd.concat(rows)
    results.to_csv(tmp_path / "results.csv", index=False)
    # a sweep point is labelled with its parameter values, not only its number
    labels = ["sw.p0 (tan_thanh.road.lanes=4)", "sw.p1 (tan_thanh.road.lanes=8)"]
    assert [i.label for i in read_inputs(tmp_path / "results.csv")] == labels
    res = _cli("compare", str(tmp_path / "results.csv"), str(tmp_path), "--out", str(tmp_path / "c.csv"))
    assert res.exit_code == 2 and "--base-scenario" in res.output
    res = _cli(
        "compare", str(tmp_path / "results.csv"), str(tmp_path / "results.csv"),
        "--base-scenario", "sw.p0", "--out", str(tmp_path / "c.csv"),
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    t = pd.read_csv(tmp_path / "c.csv")
    assert set(t["other"]) == {labels[1]} and t["paired"].all()


# ---------------------------------------------------------------- refusals


def _copy_run(multi: Path, tmp_path: Path, name: str = "run") -> Path:
    dst = tmp_path / name
    shutil.copytree(multi / "baseline_2026", dst)
    return dst


def _refused(*args: str, fragment: str) -> None:
    res = _cli("compare", *args)
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gatesim: error:"), res.output
    assert fragment in lines[0], lines[0]


def test_refuses_other_schema_version(multi, tmp_path):
    run = _copy_run(multi, tmp_path)
    m = json.loads((run / "manifest.json").read_text())
    m["output_schema_version"] = 99
    (run / "manifest.json").write_text(json.dumps(m))
    base = str(multi / "baseline_2026")
    _refused(base, str(run), "--out", str(tmp_path / "c.csv"), fragment="output schema version")
    # the same summary.csv given as a file is checked against the manifest beside it
    _refused(base, str(run / "summary.csv"), "--out", str(tmp_path / "c.csv"), fragment="given 99")
    # a CSV alone: its columns are the schema (an unknown column is another version)
    alone = tmp_path / "alone.csv"
    pd.read_csv(run / "summary.csv").assign(queue_p99=1.0).to_csv(alone, index=False)
    _refused(
        base,
        str(alone),
        "--out",
        str(tmp_path / "c.csv"),
        fragment=f"not output schema version {OUTPUT_SCHEMA_VERSION}",
    )
    pd.read_csv(run / "summary.csv").assign(schema_version=99).to_csv(alone, index=False)
    _refused(base, str(alone), "--out", str(tmp_path / "c.csv"), fragment="given '99'")


@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda df: df[df["gate"] != "coc_nam"], "different gates"),
        (lambda df: df.drop(columns=["wait_p95_h"]), "missing columns wait_p95_h"),
        (lambda df: df.iloc[0:0], "no rows"),
        (
            lambda df: df.assign(wait_mean_h=["x"] + list(df["wait_mean_h"].iloc[1:])),
            "wait_mean_h: not a number",
        ),
        (lambda df: pd.concat([df, df.iloc[:1]]), "appear twice"),
        (lambda df: df.assign(days=df["days"] + 1), "different numbers of days"),
    ],
)
def test_refuses_bad_tables(multi, tmp_path, change, fragment):
    bad = tmp_path / "summary.csv"
    change(pd.read_csv(multi / "baseline_2026" / "summary.csv")).to_csv(bad, index=False)
    _refused(str(multi / "baseline_2026"), str(bad), "--out", str(tmp_path / "c.csv"), fragment=fragment)
    assert not (tmp_path / "c.csv").exists()


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "file is empty"),
        (b"\xff\xfe\x00garbage\x00\n\x01", "not a readable CSV"),
        (b"a,b\n1,2\n", "missing columns"),
    ],
)
def test_refuses_garbled_files(multi, tmp_path, content, fragment):
    bad = tmp_path / "x.csv"
    bad.write_bytes(content)
    _refused(str(multi / "baseline_2026"), str(bad), "--out", str(tmp_path / "c.csv"), fragment=fragment)


def test_refuses_bad_paths(multi, tmp_path):
    base = str(multi / "baseline_2026")
    _refused(base, str(tmp_path / "nope"), fragment="not found")
    _refused(base, str(tmp_path), fragment="holds no manifest.json")
    run = _copy_run(multi, tmp_path)
    _refused(base, str(run), "--out", str(run / "summary.csv"), fragment="would overwrite an input")
    (run / "manifest.json").write_text("{not json")
    _refused(base, str(run), "--out", str(tmp_path / "c.csv"), fragment="not readable JSON")
    with pytest.raises(InputError, match="nothing to compare"):
        compare_tables(pd.read_csv(multi / "baseline_2026" / "summary.csv"), [])

"""`gatesim report`: a page per run, multi-scenario run, comparison and sweep; every chart present and a PNG."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from gatesim.cli import main
from gatesim.projections.key_labels import param_label
from gatesim.report.plots_sweep import parameters
from gatesim.report.rundata import nominal_capacity
from gatesim.scenario.load import load_scenario
from gatesim.scenario.schema import Gate

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"
RUN_CHARTS = [
    "waiting_over_time",
    "where_trucks_are",
    "wait_distribution",
    "arrivals_departures",
    "throughput_capacity",
    "utilisation",
    "spillback_km",
    "revenue",
    "costs",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _cli(*args: str):
    res = CliRunner().invoke(main, list(args))
    return res


def _figures(html_path: Path) -> dict[str, Image.Image]:
    """Figure id -> decoded image, for every <figure> of the page; checks each is a real PNG."""
    text = html_path.read_text(encoding="utf-8")
    assert "<script" not in text and 'src="http' not in text  # self-contained
    found = {}
    for fid, data in re.findall(r'<figure id="([^"]+)">.*?src="data:image/png;base64,([^"]+)"', text, re.S):
        raw = base64.b64decode(data, validate=True)
        assert raw.startswith(PNG_SIGNATURE), fid
        img = Image.open(io.BytesIO(raw))
        img.load()
        assert img.format == "PNG" and img.width >= 600 and img.height >= 250, (fid, img.size)
        found[fid] = img
    return found


def _empty_lines(text: str) -> list[str]:
    """Ids of the charts a page says in one line (nothing to draw at any gate)."""
    return re.findall(r'<p class="empty" id="([^"]+)">', text)


def _synthetic_calibration(path: Path) -> None:
    pd.DataFrame(
        {
            "id": ["F1", "F2", "F3"],
            "what": ["vehicles per day at Tân Thanh", "value through Tân Thanh", "tax at Tân Thanh"],
            "unit": ["vehicles/day", "USD", "VND"],
            "target": [670.0, 63e6, 187e9],
            "model_mean": [650.0, 60e6, 200e9],
            "model_ci95_low": [600.0, 50e6, 180e9],
            "model_ci95_high": [700.0, 70e6, 220e9],
            "ratio": [650 / 670, 60 / 63, 200 / 187],
            "fitted": ["yes", "yes", "no"],
        }
    ).to_csv(path, index=False)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "run"
    res = _cli("run", str(BASELINE), "--days", "2", "-r", "2", "--out", str(out), "-q", "--no-events")
    assert res.exit_code == 0, res.output
    return out


def test_run_report(run_dir):
    _synthetic_calibration(run_dir / "calibration.csv")
    res = _cli("report", str(run_dir))
    assert res.exit_code == 0, res.output
    figs = _figures(run_dir / "report.html")
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    lines = _empty_lines(text)  # a chart with nothing to draw at any gate is one line
    assert sorted([*figs, *lines]) == sorted([*RUN_CHARTS, "calibration"])
    for name in figs:  # the PNGs beside the page are the same pictures
        assert (run_dir / "report_png" / f"{name}.png").read_bytes().startswith(PNG_SIGNATURE)
    for gate in ("Tân Thanh", "Hữu Nghị", "Cốc Nam"):
        assert gate in text  # in the key-figure table, as the seeds write them
    assert "Calibration table" in text and "vehicles per day at Tân Thanh" in text


def test_run_report_without_calibration_and_option(run_dir, tmp_path):
    plain = tmp_path / "plain"
    shutil.copytree(run_dir, plain, ignore=shutil.ignore_patterns("calibration.csv", "report*"))
    # only the summary of one gate: a smaller page, and the one-gate layout
    for name in ("summary.csv", "timeseries.csv"):
        df = pd.read_csv(plain / name)
        df[df["gate"] == "tan_thanh"].to_csv(plain / name, index=False)
    res = _cli("report", str(plain))
    assert res.exit_code == 0, res.output
    page = plain / "report.html"
    assert sorted([*_figures(page), *_empty_lines(page.read_text(encoding="utf-8"))]) == sorted(RUN_CHARTS)
    missing = _cli("report", str(plain), "--calibration", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2 and "calibration" in missing.output


def test_run_flag_calls_build_report(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("gatesim.report.cli.build_report", lambda d: calls.append(Path(d)))
    out = tmp_path / "r"
    res = _cli(
        "run", str(BASELINE), "--days", "1", "-r", "1", "--out", str(out), "-q", "--no-events", "--report"
    )
    assert res.exit_code == 0, res.output
    assert calls == [out]


@pytest.mark.slow  # several seconds: the slow tier, so the default tier stays under 10 min
def test_multi_scenario_report(run_dir, tmp_path):
    multi = tmp_path / "multi"
    for name in ("base", "other"):
        shutil.copytree(run_dir, multi / name, ignore=shutil.ignore_patterns("calibration.csv", "report*"))
        for f in ("summary.csv", "timeseries.csv"):  # one gate keeps the test short
            df = pd.read_csv(multi / name / f)
            df[df["gate"] == "coc_nam"].to_csv(multi / name / f, index=False)
    (multi / "manifest.json").write_text(json.dumps({"complete": True, "scenarios": ["base", "other"]}))
    res = _cli("report", str(multi))
    assert res.exit_code == 0, res.output
    figs = _figures(multi / "report.html")
    lines = _empty_lines((multi / "report.html").read_text(encoding="utf-8"))  # nothing to draw: one line
    expected = ["overview"] + [f"{s}-{c}" for s in ("base", "other") for c in RUN_CHARTS]
    assert sorted([*figs, *lines]) == sorted(expected)
    assert (multi / "report_png" / "other" / "revenue.png").exists()


def _synthetic_comparison(path: Path, base_ci: pd.DataFrame) -> None:
    rng = np.random.default_rng(5)
    rows = []
    for _, r in base_ci.iterrows():
        d = float(r["mean"]) * rng.normal(0, 0.1)
        h = abs(float(r["mean"])) * 0.05
        rows.append(
            {
                "base": "baseline_2026",
                "other": "eight_lanes",
                "gate": r["gate"],
                "kpi": r["kpi"],
                "base_mean": r["mean"],
                "other_mean": r["mean"] + d,
                "diff_mean": d,
                "diff_ci_low": d - h,
                "diff_ci_high": d + h,
                "pct_change": np.nan,
                "paired": True,
                "significant": abs(d) > h,
            }
        )
    pd.DataFrame(rows).to_csv(path, index=False)


def test_comparison_report_dir_and_csv(run_dir, tmp_path):
    cmp_dir = tmp_path / "cmp"
    cmp_dir.mkdir()
    _synthetic_comparison(cmp_dir / "comparison.csv", pd.read_csv(run_dir / "summary_ci.csv"))
    for arg in (cmp_dir, cmp_dir / "comparison.csv"):
        (cmp_dir / "report.html").unlink(missing_ok=True)
        res = _cli("report", str(arg))
        assert res.exit_code == 0, res.output
        assert sorted(_figures(cmp_dir / "report.html")) == ["eight_lanes-forest_eight_lanes"]
    text = (cmp_dir / "report.html").read_text(encoding="utf-8")
    assert "Hữu Nghị" in text and "significant" in text
    bad = tmp_path / "bad.csv"
    bad.write_text("other,gate\nx,tan_thanh\n")
    res = _cli("report", str(bad))
    assert res.exit_code == 2 and "not a comparison table" in res.output


def test_comparison_report_real(run_dir, tmp_path):
    """gatesim compare's own output: one forest plot per OTHER, its (Bonferroni) level in the title."""
    other = tmp_path / "eight"
    scenario = ROOT / "scenarios" / "tan_thanh_8_lanes.yaml"
    res = _cli("run", str(scenario), "--days", "2", "-r", "2", "--out", str(other), "-q", "--no-events")
    assert res.exit_code == 0, res.output
    cmp_dir = tmp_path / "cmp"
    cmp_dir.mkdir()
    res = _cli("compare", str(run_dir), str(other), "--out", str(cmp_dir / "comparison.csv"))
    assert res.exit_code == 0, res.output
    res = _cli("report", str(cmp_dir))
    assert res.exit_code == 0, res.output
    assert sorted(_figures(cmp_dir / "report.html")) == ["tan_thanh_8_lanes-forest_tan_thanh_8_lanes"]


def test_sweep_report_real_grid(tmp_path):
    spec = tmp_path / "grid.yaml"
    spec.write_text(
        f"base: {BASELINE}\ndesign: grid\nparameters:\n"
        "  gates.tan_thanh.stages.road.lanes: [4, 8]\n"
        "  gates.tan_thanh.stages.cn_acceptance.hours.close_h: [20, 22]\n"
        "replications: 2\ndays: 1\nset: [calendar.warmup_days=1]\n",
        encoding="utf-8",
    )
    out = tmp_path / "sweep"
    res = _cli("sweep", str(spec), "--out", str(out), "-j", "1", "-q")
    assert res.exit_code == 0, res.output
    res = _cli("report", str(out))
    assert res.exit_code == 0, res.output
    figs = _figures(out / "report.html")
    p1, p2 = "gates_tan_thanh_stages_cn_acceptance_hours_close_h", "gates_tan_thanh_stages_road_lanes"
    assert sorted(figs) == sorted([f"trend_{p1}", f"trend_{p2}", f"heatmap_{p1}__{p2}"])


@pytest.mark.slow  # several seconds: the slow tier, so the default tier stays under 10 min
def test_sweep_report_synthetic_lhs(tmp_path):
    """A scattered design with three parameters: points with CIs, and coloured-dot maps for pairs."""
    rng = np.random.default_rng(3)
    rows = []
    params = [
        "growth.volume_multiplier",
        "gates.tan_thanh.stages.fees.service.steps_min.sequential_confirmations",
        "gates.tan_thanh.stages.road.lanes",
    ]
    for point in range(6):
        values = {
            params[0]: 1 + 0.1 * point,
            params[1]: rng.uniform(0, 6),
            params[2]: int(rng.integers(4, 9)),
        }
        for rep in range(2):
            for gate in ("tan_thanh", "huu_nghi"):
                k = point if gate == "tan_thanh" else 0  # Hữu Nghị does not change: left out of the charts
                kpis = {
                    "days": 1.0,
                    "throughput_per_day": 600 + 10 * k + rep,
                    "wait_mean_h": 2 + k * 0.1 + rep,
                    "wait_p95_h": 8.0 + rep,
                    "waiting_at_20h_mean": 50.0 + k,
                    "queue_max_km": 0.0,
                    "revenue_vnd": 1.5e10 + 1e8 * k,
                    "util_fees": 0.8,
                }
                rows.append(
                    {
                        "point": point,
                        **values,
                        "replication": rep,
                        "seed": 1,
                        "gate": gate,
                        "scenario": f"b.p{point}",
                        **kpis,
                        "error": np.nan,
                    }
                )
    out = tmp_path / "lhs"
    out.mkdir()
    pd.DataFrame(rows).to_csv(out / "results.csv", index=False)  # no results_ci.csv: the report computes it
    res = _cli("report", str(out))
    assert res.exit_code == 0, res.output
    figs = _figures(out / "report.html")
    assert sum(f.startswith("trend_") for f in figs) == 3
    assert sum(f.startswith("heatmap_") for f in figs) == 3
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "Gates shown: Tân Thanh (" in text


def test_nothing_to_report(tmp_path):
    res = _cli("report", str(tmp_path))
    assert res.exit_code == 2 and "nothing to report on" in res.output
    res = _cli("report", str(tmp_path / "missing"))
    assert res.exit_code == 2 and "no such directory" in res.output


def test_nominal_capacity_and_labels():
    _, data = load_scenario(BASELINE)
    cfg = data["gates"]["tan_thanh"]
    shares = {"transshipment_share": 0.5, "channel_shares": {"green": 0.5, "yellow": 0.5, "red": 0.0}}
    spec = {
        "arrivals": {**cfg["arrivals"], **shares},
        "yard": None,
        "routes": {"export": {"stages": ["decl", "road", "acc"]}, "import": {"stages": ["road", "decl"]}},
        "stages": {
            # 2 servers x 12 h x 60 / (4 + 0.5 x 4 + 0.5 x 5 + 0.5 x 7) = 1440 / 12 = 120 trucks/day
            "decl": {
                "role": "declaration",
                "servers": 2,
                "hours": {"open_h": 8, "close_h": 20},
                "service": {
                    "steps_min": {"a": 4},
                    "transshipment_steps_min": {"t": 4},
                    "by_channel_min": {"green": 5, "yellow": 7, "red": 90},
                },
            },
            "road": {
                "kind": "road",
                "lanes": 4,
                "per_lane_vehicles_per_h": 20,
                "hours": {"open_h": 7, "close_h": 19},
            },
            "acc": {
                "role": "acceptance",
                "servers": 1,
                "daily_capacity": 50,
                "service": {"steps_min": {"a": 1}},
            },
            "free": {"role": "other", "servers": None, "service": {"steps_min": {"a": 1}}},
        },
    }
    gate = Gate.model_validate({**cfg, **spec})  # the typed gate the report reads from a run
    caps = nominal_capacity(gate)
    assert caps["decl"] == pytest.approx((120.0, "both directions"))
    assert caps["road"] == (960.0, "both directions")
    assert caps["acc"] == (50.0, "export only")  # quota below 1 x 24 h x 60 / 1 min
    assert "free" not in caps
    assert param_label("gates.tan_thanh.stages.road.lanes") == "Tân Thanh, dedicated road: lanes [lanes]"
    assert param_label("gates.coc_nam.stages.cn_acceptance.hours.close_h").endswith(
        "closing hour [h, local time]"
    )
    cols = pd.DataFrame(
        columns=["point", "a.b", "replication", "seed", "gate", "scenario", "wait_mean_h", "util_x", "error"]
    )
    assert parameters(cols) == ["a.b"]


@pytest.mark.slow  # several seconds: the slow tier, so the default tier stays under 10 min
def test_a_comparison_kept_in_a_run_folder_never_replaces_the_run_page(run_dir, tmp_path):
    """The docs' recipe keeps comparison.csv in the runs' folder: `report DIR` is then the run's
    page, `report DIR/comparison.csv` writes comparison.html (and comparison_png/) beside it."""
    _cli("report", str(run_dir))
    run_page = (run_dir / "report.html").read_text(encoding="utf-8")
    _synthetic_comparison(run_dir / "comparison.csv", pd.read_csv(run_dir / "summary_ci.csv"))
    try:
        res = _cli("report", str(run_dir / "comparison.csv"))
        assert res.exit_code == 0, res.output
        assert sorted(_figures(run_dir / "comparison.html")) == ["eight_lanes-forest_eight_lanes"]
        assert (run_dir / "comparison_png").is_dir()
        assert (run_dir / "report.html").read_text(encoding="utf-8") == run_page
        res = _cli("report", str(run_dir))
        assert res.exit_code == 0, res.output
        assert "How each gate works" in (run_dir / "report.html").read_text(
            encoding="utf-8"
        )  # the run's page
    finally:
        (run_dir / "comparison.csv").unlink()


def test_no_page_names_a_folder_of_the_machine(run_dir, tmp_path):
    res = _cli("report", str(run_dir))
    assert res.exit_code == 0, res.output
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    assert str(tmp_path.parent) not in text and str(run_dir.parent) not in text
    assert "Run directory: run" in text

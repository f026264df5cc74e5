"""A planner's day: runs named after what --set changed (or --name), a scenario copied out of
scenarios/, calibrate from any directory, a run piped into `head`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.naming import set_name

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"
SET = "gates.tan_thanh.stages.road.lanes=8"


def _cli(*args: str):
    return CliRunner().invoke(main, list(args))


def test_set_name_says_what_was_set():
    assert set_name("baseline_2026", (SET,)) == "baseline_2026__tan_thanh.road.lanes_8"
    assert set_name("baseline_2026", ("run.days=30",)) == "baseline_2026"  # a run setting, not a scenario
    assert set_name("b", ("name=mine", SET)) == "mine"
    long = tuple(f"gates.tan_thanh.stages.road.per_lane_vehicles_per_h={i}" for i in range(5))
    name = set_name("baseline_2026", long)
    assert len(name) <= 80 and name.startswith("baseline_2026__5_changes_")
    assert name == set_name("baseline_2026", long)  # stable


@pytest.fixture(scope="module")
def named_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("named")
    base, eight = root / "base", root / "eight"
    common = ("--days", "1", "-r", "2", "--no-events", "-q")
    r1 = _cli("run", str(BASELINE), "--out", str(base), *common)
    r2 = _cli("run", str(BASELINE), "--set", SET, "--out", str(eight), *common)
    assert r1.exit_code == 0 and r2.exit_code == 0, r1.output + r2.output
    return root, base, eight, r2.output


def test_set_run_is_named_everywhere(named_runs):
    root, base, eight, output = named_runs
    name = "baseline_2026__tan_thanh.road.lanes_8"
    assert f"{name}: 1 days" in output  # the terminal
    assert set(pd.read_csv(eight / "summary.csv")["scenario"]) == {name}  # the CSV
    assert json.loads((eight / "manifest.json").read_text())["scenario"] == name
    res = _cli("compare", str(base), str(eight), "--out", str(root / "cmp.csv"))
    assert res.exit_code == 0, res.output
    assert f"{name} vs baseline_2026" in res.output and "baseline_2026 vs baseline_2026" not in res.output
    assert set(pd.read_csv(root / "cmp.csv")["other"]) == {name}
    res = _cli("report", str(root / "cmp.csv"))
    assert res.exit_code == 0, res.output
    assert f"{name} against baseline_2026" in (root / "report.html").read_text(encoding="utf-8")


def test_name_option(tmp_path):
    res = _cli("run", str(BASELINE), "--set", SET, "--name", "eight_lanes", "--days", "1", "-r", "1",
               "--no-events", "-q", "--out", str(tmp_path / "o"))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert set(pd.read_csv(tmp_path / "o" / "summary.csv")["scenario"]) == {"eight_lanes"}
    bad = _cli("run", str(BASELINE), "--name", "two words", "--out", str(tmp_path / "x"))
    assert bad.exit_code == 2 and "--name" in bad.output and not (tmp_path / "x").exists()


def test_extends_not_found_says_which_path(tmp_path):
    copy = tmp_path / "mine.yaml"
    copy.write_text("extends: baseline_2026.yaml\nname: mine\n", encoding="utf-8")
    res = _cli("run", str(copy), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2
    line = res.output.strip()
    assert "extended file not found" in line and str(tmp_path / "baseline_2026.yaml") in line
    assert len(line.splitlines()) == 1


def test_calibrate_default_scenario_from_another_directory(tmp_path, monkeypatch):
    """Without a SCENARIO, calibrate finds the shipped baseline from any directory."""
    import gatesim.calibrate as cal

    seen = {}

    def fake_table(sc, figures, replications, seed, quiet=False):
        seen["name"] = sc.name
        return pd.DataFrame({"id": ["F1"]})

    monkeypatch.setattr(cal, "calibration_table", fake_table)
    monkeypatch.setattr(cal, "format_calibration", lambda t: "table")
    monkeypatch.chdir(tmp_path)
    res = _cli("calibrate", "-r", "1", "--out", "c.csv")
    assert res.exit_code == 0, res.output
    assert seen["name"] == "baseline_2026" and (tmp_path / "c.csv").is_file()


def test_closed_stdout_does_not_kill_the_run(tmp_path):
    """`gatesim run ... | head -1`: the reader has gone; the run still completes and writes."""
    out = tmp_path / "piped"
    cmd = [sys.executable, "-m", "gatesim.cli", "run", str(BASELINE), "--days", "1", "-r", "1",
           "--no-events", "-q", "--out", str(out)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    proc.stdout.close()  # as `head` does once it has its line: every later write hits a closed pipe
    _, err = proc.communicate(timeout=300)
    err = err.decode()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "standard output was closed" in err
    assert (out / "summary.csv").is_file() and json.loads((out / "manifest.json").read_text())["complete"]

"""The replacement rule for the newer commands: calibrate, calibrate --fit, assess, revenue, optimise.

An existing file is refused without --force; --force replaces only a file of the
command's kind; no output over, inside or around an input. Every refusal comes
before any simulation, so these cases are fast.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from faultkit import BASELINE, cli, one_line, snapshot

from gatesim.errors import InputError
from tests.helpers.trust_cases import write_centre_ensemble


def test_calibrate_refuses_an_existing_file_without_force(tmp_path):
    out = tmp_path / "calibration.csv"
    out.write_text("id,what,scope,period,unit,target,model_mean\nF1,x,all,p,u,1,1\n")
    before = snapshot(out)
    result, lines = cli("calibrate", "-r", "1", "-q", "--out", out)
    one_line(result, lines, 2, "--out", "file exists", "--force")
    assert snapshot(out) == before


def test_calibrate_force_refuses_a_file_it_did_not_write(tmp_path):
    out = tmp_path / "notes.csv"
    out.write_text("my,own,table\n1,2,3\n")
    before = snapshot(out)
    result, lines = cli("calibrate", "-r", "1", "-q", "--out", out, "--force")
    one_line(result, lines, 2, "--force replaces only a calibration CSV gatesim wrote")
    assert snapshot(out) == before


def test_calibrate_never_writes_over_its_scenario(tmp_path):
    scenario = tmp_path / "s.yaml"
    shutil.copy(BASELINE, scenario)
    before = snapshot(scenario)
    result, lines = cli("calibrate", scenario, "-r", "1", "-q", "--out", scenario, "--force")
    one_line(result, lines, 2, "is an input of this command")
    assert snapshot(scenario) == before


@pytest.mark.parametrize("kind", ["directory", "under_a_file"])
def test_calibrate_out_that_cannot_be_a_file(tmp_path, kind):
    if kind == "directory":
        out = tmp_path / "d"
        out.mkdir()
        fragment = "is a directory"
    else:
        (tmp_path / "f").write_text("x")
        out = tmp_path / "f" / "calibration.csv"
        fragment = "a part of its path is a file"
    result, lines = cli("calibrate", "-r", "1", "-q", "--out", out)
    one_line(result, lines, 2, fragment)


@pytest.mark.slow
def test_calibrate_force_replaces_its_own_table(tmp_path):
    out = tmp_path / "calibration.csv"
    result, _ = cli("calibrate", "-r", "1", "-q", "--out", out)
    assert result.exit_code == 0, result.output
    first = out.read_bytes()
    result, _ = cli("calibrate", "-r", "1", "-q", "--seed", "99", "--out", out, "--force")
    assert result.exit_code == 0, result.output
    assert out.read_bytes() != first  # another seed: replaced, and whole
    assert out.read_text().endswith("\n")


@pytest.mark.parametrize("content", ["", "{cut", "[1, 2]", "null"])
def test_fit_directory_with_a_damaged_fit_json(tmp_path, content):
    from gatesim.trust.fit import prepare_fit_dir

    d = tmp_path / "fit"
    d.mkdir()
    (d / "fit.json").write_text(content)
    before = snapshot(d)
    with pytest.raises(InputError, match="fit.json is damaged"):
        prepare_fit_dir(d, {"x": 1}, force=True)
    assert snapshot(d) == before


def test_fit_force_never_clears_a_directory_holding_its_scenario(tmp_path):
    d = tmp_path / "work"
    d.mkdir()
    scenario = d / "baseline_2026.yaml"
    shutil.copy(BASELINE, scenario)
    shutil.copy(BASELINE.with_name("baseline_2026.priors.yaml"), d / "baseline_2026.priors.yaml")
    (d / "fit.json").write_text(json.dumps({"identity": {"other": 1}}))
    before = snapshot(d)
    result, lines = cli("calibrate", scenario, "--fit", d, "--force", "-q")
    one_line(result, lines, 2, "--fit", "contains an input of this command")
    assert snapshot(d) == before


def test_assess_force_never_clears_a_directory_holding_its_inputs(tmp_path):
    d = tmp_path / "work"
    (d / "runs").mkdir(parents=True)
    (d / "runs" / "sweep.json").write_text('{"hash": "x"}')
    ensemble = d / "ensemble.csv"
    ensemble.write_text("set_id\n1\n")
    before = snapshot(d)
    result, lines = cli("assess", ensemble, BASELINE, BASELINE, "--out", d, "--force", "-q")
    one_line(result, lines, 2, "contains an input of this command")
    assert snapshot(d) == before


def _study(tmp: Path, command: str = "optimise") -> Path:
    from tests.helpers.decide_cases import mmc_scenario, write_yaml

    write_yaml(tmp / "mmc.yaml", mmc_scenario(3, 1.8))
    body = (
        "decisions:\n  gates.g.stages.s.servers: {low: 3, high: 4, cost_per_unit: 1}\n"
        "constraints:\n  - {kpi: wait_mean_h, max: 0.01, gates: all, confidence: 0.95}\n"
        "search: {method: grid, replications: 2}\nselect: {top: 1, replications: 2}\n"
        if command == "optimise"
        else "parameters:\n  gates.g.stages.s.servers: {low: 3, high: 4}\n"
        "  gates.g.arrivals.per_day: {low: 2000.0, high: 2400.0}\n"
        "kpis: [wait_mean_h]\nmorris: {trajectories: 2, levels: 4}\nsobol: {n: 8, bootstrap: 10}\n"
    )
    (tmp / "study.yaml").write_text("base: mmc.yaml\nseed: 11\ndays: 1\n" + body, encoding="utf-8")
    return tmp / "study.yaml"


@pytest.mark.parametrize("command", ["optimise", "sensitivity"])
def test_decide_refuses_a_folder_of_the_users(tmp_path, command):
    spec = _study(tmp_path, command)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "report.html").write_text("my report")
    (mine / "best.yaml").write_text("mine: 1\n")
    before = snapshot(mine)
    result, lines = cli(command, spec, "--out", mine, "-j", "1", "-q")
    one_line(result, lines, 2, "is not a study directory")
    assert snapshot(mine) == before


def test_decide_never_writes_into_the_folder_of_its_spec(tmp_path):
    spec = _study(tmp_path)
    before = snapshot(tmp_path)
    result, lines = cli("optimise", spec, "--out", tmp_path, "-j", "1", "-q")
    one_line(result, lines, 2, "contains an input of this command")
    assert snapshot(tmp_path) == before


def test_revenue_refuses_a_folder_of_the_users(tmp_path):
    from click.testing import CliRunner

    from gatesim.trust.revenue import command

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "revenue_2026.csv").write_text("mine\n")
    ensemble = tmp_path / "ensemble.csv"  # the folder is refused before the ensemble is read
    ensemble.write_text("set_id\n1\n")
    before = snapshot(mine)
    result = CliRunner().invoke(command, [str(ensemble), str(BASELINE), "--out", str(mine)])
    assert isinstance(result.exception, InputError), repr(result.exception)
    assert "is not a revenue directory" in str(result.exception)
    assert snapshot(mine) == before


def test_assess_out_under_a_file_is_bad_input(tmp_path):
    scenarios = Path(BASELINE).parent
    blocker = tmp_path / "o"
    blocker.write_text("a user's file\n")
    before = snapshot(blocker)
    result, lines = cli(
        "assess",
        write_centre_ensemble(tmp_path / "ens" / "ensemble.csv", BASELINE),
        BASELINE,
        scenarios / "tan_thanh_8_lanes.yaml",
        "--out",
        blocker / "x",
        "--worlds",
        "1",
    )
    one_line(result, lines, 2, "--out", "is a file, not a directory")
    assert snapshot(blocker) == before


def test_revenue_ends_in_one_line_on_a_failure_of_the_environment(tmp_path, monkeypatch, capsys):
    import gatesim.trust.revenue as revenue

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(revenue, "run_sweep", disk_full, raising=False)
    monkeypatch.setattr("gatesim.sweep.runner.run_sweep", disk_full)
    from gatesim.cli import main

    args = [
        "revenue",
        str(write_centre_ensemble(tmp_path / "ens" / "ensemble.csv", BASELINE)),
        str(BASELINE),
        "--out",
        str(tmp_path / "r"),
        "--worlds",
        "1",
    ]
    with pytest.raises(SystemExit) as e:
        main(args, standalone_mode=True)
    assert e.value.code == 1
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("gatesim: error:")]
    assert len(err) == 1 and "no space left on device" in err[0].lower(), err


def test_a_fifo_as_study_file_is_named_without_blocking(tmp_path):
    import os

    fifo = tmp_path / "study.yaml"
    os.mkfifo(fifo)
    result, lines = cli("optimise", fifo, "--out", tmp_path / "o")
    one_line(result, lines, 2, "FIFO")
    assert not (tmp_path / "o").exists()

"""The small things every command does alike: seeds, options that need another, caps said,
a user's files never deleted, a killed --force's scratch, numpy's warnings, huge numbers,
true/false for numbers; and the ensemble's rows and the priors' ranges checked before any work."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from faultkit import BASELINE, ROOT, cli, one_line, snapshot
from pydantic import ValidationError

from gatesim.errors import InputError
from gatesim.outputs import clear_scratch, foreign_files
from gatesim.scenario.load import load_scenario
from gatesim.trust.checks import check_ensemble, check_fit_inputs, check_worlds
from gatesim.trust.ensemble import load_ensemble
from gatesim.trust.priors import Prior, default_priors_path, load_priors

ENSEMBLE = ROOT / "scenarios" / "baseline_2026.ensemble.csv"
PROPOSAL = ROOT / "scenarios" / "tan_thanh_8_lanes.yaml"
PRIORS = default_priors_path(BASELINE)


# --- seeds, options, caps --------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["calibrate", "--seed", "-5", "--out", "{tmp}/c.csv"],
        ["calibrate", "--fit", "{tmp}/fit", "--seed", "-1"],
        ["assess", ENSEMBLE, BASELINE, PROPOSAL, "--out", "{tmp}/a", "--seed", "-1"],
        ["run", BASELINE, "--seed", "-1", "--out", "{tmp}/r"],
    ],
)
def test_a_negative_seed_is_refused_by_every_command(tmp_path, args):
    result, lines = cli(*[str(a).replace("{tmp}", str(tmp_path)) for a in args])
    one_line(result, lines, 2, "--seed", "0 to")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("option", [["--sets", "5"], ["--waves", "2"], ["-j", "2"]])
def test_fit_options_without_fit_are_refused(tmp_path, option):
    result, lines = cli("calibrate", *option, "--out", tmp_path / "c.csv")
    one_line(result, lines, 2, "works only with --fit")
    assert list(tmp_path.iterdir()) == []


def test_worlds_above_the_ensemble_size_are_said():
    ens = load_ensemble(ENSEMBLE)
    said: list[str] = []
    check_worlds(ens, len(ens.sets) + 100, said.append)
    assert said and f"has {len(ens.sets)} parameter sets" in said[0]
    said.clear()
    check_worlds(ens, 5, said.append)
    assert not said


# --- a user's files in a run directory; a killed --force's scratch ------------------------------


def test_run_force_refuses_to_delete_a_users_file_inside_a_run(run_copy, tmp_path):
    (run_copy / "my_notes.txt").write_text("mine")
    (run_copy / "events" / "keep.csv").write_text("mine too")
    before = snapshot(run_copy)
    result, lines = cli("run", BASELINE, "--days", "1", "-r", "1", "-q", "--out", run_copy, "--force")
    one_line(result, lines, 2, "my_notes.txt", "events/keep.csv", "did not write")
    assert snapshot(run_copy) == before


def test_a_run_directory_gatesim_wrote_has_no_foreign_files(small_run):
    assert foreign_files(small_run) == []


def test_a_killed_force_s_scratch_is_said_and_cleared(tmp_path):
    target = tmp_path / "fit"
    target.mkdir()
    scratch = tmp_path / ".fit.fit-new"
    (scratch / "wave1").mkdir(parents=True)
    said: list[str] = []
    clear_scratch(target, "fit-new", said.append)
    assert not scratch.exists() and target.exists()
    assert said and ".fit.fit-new" in said[0]
    said.clear()
    clear_scratch(target, "fit-new", said.append)  # nothing left: nothing said
    assert not said


# --- numbers --------------------------------------------------------------------------------


def test_numpy_warnings_never_reach_the_user(monkeypatch, tmp_path):
    import numpy as np

    import gatesim.scenario.load as load

    def noisy(*a, **k):
        np.mean(np.array([]))  # RuntimeWarning: Mean of empty slice
        raise InputError("refused after a numpy warning")

    monkeypatch.setattr(load, "load_scenario", noisy)
    result, lines = cli("run", BASELINE, "-q", "--out", tmp_path / "o")
    one_line(result, lines, 2, "refused after a numpy warning")
    assert "RuntimeWarning" not in result.output


def test_a_401_digit_integer_is_one_line(tmp_path):
    big = "9" * 401
    result, lines = cli(
        "run", BASELINE, "--set", f"gates.tan_thanh.arrivals.per_day={big}", "-q", "--out", tmp_path / "o"
    )
    one_line(result, lines, 2, "per_day", "401 digits")
    f = tmp_path / "s.yaml"
    f.write_text(f"extends: {BASELINE}\nrun:\n  seed: {big}\n")
    result, lines = cli("run", f, "-q", "--out", tmp_path / "o")
    one_line(result, lines, 2, "s.yaml:3:", "run.seed", "401 digits")
    assert not (tmp_path / "o").exists()


def test_hourly_weights_of_1e308_are_refused(tmp_path):
    weights = "[" + ", ".join(["1e308"] * 24) + "]"
    result, lines = cli(
        "run",
        BASELINE,
        "--set",
        f"gates.tan_thanh.arrivals.hourly_profile={weights}",
        "-q",
        "--out",
        tmp_path / "o",
    )
    one_line(result, lines, 2, "hourly_profile", "allowed: 0 to")


@pytest.mark.parametrize("field", ["low", "high"])
def test_true_false_is_not_a_number_in_priors(field):
    entry = {"paths": ["a.b"], "low": 1, "high": 2, "reason": "r", field: True}
    with pytest.raises(ValidationError, match="not true/false"):
        Prior.model_validate(entry)


def test_true_false_is_not_a_number_in_an_optimise_file(tmp_path):
    spec = tmp_path / "o.yaml"
    spec.write_text(
        f"base: {BASELINE}\ndecisions:\n  gates.tan_thanh.stages.road.lanes: {{low: true, high: 8}}\n"
        "constraints: [{kpi: wait_mean_h, max: 5, share: 0.9}]\n"
    )
    result, lines = cli("optimise", spec, "--out", tmp_path / "out")
    one_line(result, lines, 2, "o.yaml:3:", "low", "not true/false")
    assert not (tmp_path / "out").exists()


def test_an_integer_prior_needs_an_integer_inside_its_range():
    with pytest.raises(ValidationError, match="no integer lies between"):
        Prior(paths=["a"], low=1.2, high=1.8, integer=True, reason="r")
    p = Prior(paths=["a"], low=1.5, high=4.5, integer=True, reason="r")
    assert {p.value(u / 100) for u in range(100)} == {2, 3, 4}


def test_a_yaml_alias_list_is_not_a_description(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(f"extends: {BASELINE}\nx_list: &a [1, 2]\ndescription: *a\n")
    result, lines = cli("run", f, "-q", "--out", tmp_path / "o")
    one_line(result, lines, 2, "description", "must be text")
    with pytest.raises(ValidationError):
        Prior.model_validate({"paths": ["a"], "low": 1, "high": 2, "reason": [1, 2]})


# --- the ensemble's rows, before assess or revenue runs anything ----------------------------


@pytest.fixture(scope="module")
def baseline():
    scenario, resolved = load_scenario(BASELINE)
    return resolved, load_priors(PRIORS, scenario, resolved)


def _damaged(tmp_path: Path, change) -> Path:
    df = pd.read_csv(ENSEMBLE)
    change(df)
    out = tmp_path / "ensemble.csv"
    df.to_csv(out, index=False)
    return out


@pytest.mark.parametrize(
    "change, fragments",
    [
        (
            lambda df: df.__setitem__(
                "tt_acceptance_min", df["tt_acceptance_min"].where(df.index != 3, 400.0)
            ),
            ["row 4", "tt_acceptance_min", "outside its prior", ":5:"],
        ),
        (
            lambda df: df.__setitem__("road_lane_use", df["road_lane_use"].where(df.index != 0, "sideways")),
            ["row 1", "road_lane_use", "choices", "sideways"],
        ),
        (lambda df: df.__setitem__("plausible", False), ["row 1", "not plausible"]),
        (
            lambda df: df.__setitem__("I_max", df["I_max"].where(df.index != 2, float("nan"))),
            ["row 3", "I_max"],
        ),
        (lambda df: df.__setitem__("set_id", df["set_id"].where(df.index != 1, -4)), ["row 2", "set_id"]),
        (
            lambda df: df.__setitem__("tt_fee_counters", df["tt_fee_counters"].where(df.index != 5, 17.5)),
            ["row 6", "an integer"],
        ),
    ],
)
def test_every_ensemble_row_is_checked(tmp_path, baseline, change, fragments):
    resolved, priors = baseline
    ens = load_ensemble(_damaged(tmp_path, change))
    with pytest.raises(InputError) as e:
        check_ensemble(ens, priors, resolved)
    text = str(e.value)
    for f in fragments:
        assert f in text, (f, text)
    assert "set_id" in text


def test_a_row_cut_mid_line_is_named(tmp_path, baseline):
    resolved, priors = baseline
    text = ENSEMBLE.read_text(encoding="utf-8").splitlines()
    cut = tmp_path / "ensemble.csv"
    cut.write_text("\n".join([*text[:5], text[5][: len(text[5]) // 3]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 5 \(set_id \d+\)"):
        check_ensemble(load_ensemble(cut), priors, resolved)


def test_the_shipped_ensemble_passes(baseline):
    resolved, priors = baseline
    ens = load_ensemble(ENSEMBLE)
    check_ensemble(ens, priors, resolved, ens.worlds(priors, 5))


def test_assess_refuses_a_bad_row_before_writing_anything(tmp_path, baseline):
    bad = _damaged(tmp_path, lambda df: df.__setitem__("road_lane_use", "sideways"))
    result, lines = cli("assess", bad, BASELINE, PROPOSAL, "--out", tmp_path / "a", "--days", "1", "-r", "1")
    one_line(result, lines, 2, "ensemble.csv:2:", "set_id", "road_lane_use")
    assert not (tmp_path / "a").exists()


# --- calibrate --fit: every prior at both ends, before anything is written -----------------


def _scenario_with_priors(tmp_path: Path, edit) -> Path:
    """A copy of the baseline (same name) beside an edited copy of its priors file."""
    scenario = tmp_path / "baseline_2026.yaml"
    shutil.copy(BASELINE, scenario)
    priors = tmp_path / "baseline_2026.priors.yaml"
    priors.write_text(edit(PRIORS.read_text(encoding="utf-8")), encoding="utf-8")
    return scenario


@pytest.mark.parametrize(
    "edit, fragments",
    [
        (
            lambda t: t.replace("    low: 1.5\n    high: 5.0\n", "    low: -62\n    high: 5.0\n", 1),
            ["tt_acceptance_min", "the scenario is invalid", "baseline_2026.priors.yaml:"],
        ),
        (
            lambda t: t.replace(
                "[gates.tan_thanh.stages.cn_acceptance.service.steps_min.acceptance]", "[run.days]", 1
            ),
            ["tt_acceptance_min", "run.days", "baseline_2026.priors.yaml:"],
        ),
        (
            lambda t: t.replace(
                "[gates.tan_thanh.stages.cn_acceptance.service.steps_min.acceptance]",
                "[gates.tan_thanh.stages]",
                1,
            ),
            ["tt_acceptance_min", "gates.tan_thanh.stages", "baseline_2026.priors.yaml:"],
        ),
    ],
)
def test_fit_checks_every_prior_before_writing(tmp_path, edit, fragments):
    scenario = _scenario_with_priors(tmp_path, edit)
    result, lines = cli(
        "calibrate", scenario, "--fit", tmp_path / "fit", "--sets", "2", "--waves", "1", "-r", "3"
    )
    line = one_line(result, lines, 2, *fragments)
    assert "<parameter set>" not in line
    assert not (tmp_path / "fit").exists()


def test_the_shipped_priors_pass_at_both_ends(baseline):
    resolved, priors = baseline
    check_fit_inputs(priors, resolved)


def test_a_sweep_that_lost_its_sweep_json_names_what_to_remove(tmp_path):
    """A fit's wave is such a sweep: the message names the folder to remove, not --force
    (which would discard the whole fit)."""
    spec = tmp_path / "s.yaml"
    spec.write_text(
        f"base: {BASELINE}\ndays: 1\nreplications: 1\nset: [calendar.warmup_days=0, calendar.drain_days=0]\n"
        "parameters:\n  gates.tan_thanh.stages.road.lanes: [4]\n"
    )
    out = tmp_path / "wave1"
    result, _ = cli("sweep", spec, "--out", out, "-q", "-j", "1")
    assert result.exit_code == 0, result.output
    (out / "sweep.json").unlink()
    before = snapshot(out)
    result, lines = cli("sweep", spec, "--out", out, "-q", "-j", "1")
    line = one_line(result, lines, 2, "no sweep.json", f"remove {out}")
    assert "--force" not in line
    assert snapshot(out) == before


def test_a_killed_force_sweeps_scratch_is_said_and_cleared_by_the_next_plain_sweep(tmp_path, capsys):
    spec = tmp_path / "s.yaml"
    spec.write_text(
        f"base: {BASELINE}\ndays: 1\nreplications: 1\nset: [calendar.warmup_days=0, calendar.drain_days=0]\n"
        "parameters:\n  gates.tan_thanh.stages.road.lanes: [4]\n"
    )
    out = tmp_path / "s"
    scratch = tmp_path / ".s.sweep-new"  # what a --force killed before its swap leaves
    (scratch / "tasks").mkdir(parents=True)
    (scratch / "tasks" / "t0.json").write_text("{}")
    result, _ = cli("sweep", spec, "--out", out, "-q", "-j", "1")
    assert result.exit_code == 0, result.output
    assert not scratch.exists()
    said = capsys.readouterr().err + result.output
    assert ".s.sweep-new" in said and "cut short" in said
    assert (out / "results.csv").is_file()

"""History matching on a synthetic case, and the fit's bad-input refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.errors import InputError
from gatesim.run import run_replication
from gatesim.scenario.load import load_scenario
from gatesim.trust.evaluate import Runner
from gatesim.trust.fit import FitConfig, implausibility, run_fit
from gatesim.trust.measure import measure
from gatesim.trust.priors import load_priors
from gatesim.trust.targets import load_targets
from tests.helpers.trust_cases import TRUE_ACCEPT_MIN, write_case

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration


def _observe(paths) -> tuple[float, float]:
    """The 'published' figures: the tiny gate at the true parameter, replication 99 (not used by the fit)."""
    sc, _ = load_scenario(paths["scenario"])
    log = run_replication(sc, 2, 99, 12345)
    acc = measure(
        log, "stage_ended_per_day", {"start": "2026-03-02", "end": "2026-03-03", "stage": "cn_acceptance"}
    )
    wait = measure(log, "in_system_at", {"date": "2026-03-03", "hour": 20})
    return acc, wait


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    acc, wait = _observe(write_case(root / "truth"))
    paths = write_case(
        root / "fit", accept=5.0, accepted=acc, waiting=wait
    )  # the scenario's own value is wrong
    sc, res = load_scenario(paths["scenario"])
    priors = load_priors(paths["priors"], sc, res)
    targets = load_targets(paths["targets"], gates=list(sc.gates))
    cfg = FitConfig(sets_per_wave=24, waves=2, replications=3, predict_members=10, seed=3)
    result = run_fit(
        targets, priors, res, root / "out", cfg, Runner(workers=1, quiet=True), on_note=lambda m: None
    )
    return result, root / "out", acc


def test_ensemble_contains_the_truth_and_excludes_far_values(synthetic):
    result, _, acc = synthetic
    theta = result.ensemble["accept_min"].to_numpy(float)
    assert theta.size >= 5
    assert theta.min() <= TRUE_ACCEPT_MIN <= theta.max()
    assert np.all(np.abs(theta - TRUE_ACCEPT_MIN) < 1.0)  # prior is 1-8 min: 1.0 off is far
    ruled_out = result.design.loc[~result.design["plausible"], "accept_min"].to_numpy(float)
    assert np.any(ruled_out > 5.0) and np.any(ruled_out < 2.0)  # the fit saw far values and refused them
    assert np.all(result.ensemble["I_max"] <= 3.0)
    assert 200 < acc < 280  # 720 / 3 min a day: the case identifies the parameter


def test_fit_outputs_and_holdout_prediction(synthetic):
    result, out, _ = synthetic
    for name in (
        "ensemble.csv",
        "design.csv",
        "predictions.csv",
        "targets.csv",
        "calibration.md",
        "fit.json",
    ):
        assert (out / name).is_file(), name
    page = (out / "calibration.md").read_text(encoding="utf-8")
    assert "| A | fit |" in page and "| H | holdout |" in page
    assert set(result.predictions["target"]) == {"H"}  # held out: predicted, not fitted
    assert "accept_min" in page and "pinned" in page


def test_fit_resumes_without_rerunning(synthetic, monkeypatch):
    import gatesim.trust.evaluate as ev

    result, out, _ = synthetic

    def boom(*a, **k):  # every task is already done: none may run again
        raise AssertionError("task re-run on resume")

    monkeypatch.setattr(ev, "measure_task", boom)
    root = out.parent / "fit"
    sc, res = load_scenario(root / "tiny.yaml")
    priors = load_priors(root / "tiny.priors.yaml", sc, res)
    targets = load_targets(root / "targets.yaml", gates=list(sc.gates))
    cfg = FitConfig(sets_per_wave=24, waves=2, replications=3, predict_members=10, seed=3)
    again = run_fit(targets, priors, res, out, cfg, Runner(workers=1, quiet=True), on_note=lambda m: None)
    assert again.ensemble.index.tolist() == result.ensemble.index.tolist()


def test_implausibility_formula():
    i = implausibility(100.0, np.array([100.0, 110.0, np.nan]), 3.0, 4.0, 0.0)
    assert i[0] == 0.0 and i[1] == pytest.approx(2.0) and np.isnan(i[2])


def _fit_cli(tmp_path, paths, monkeypatch):
    import gatesim.trust.targets as tg

    monkeypatch.setattr(tg, "TARGETS_PATH", paths["targets"])
    out = tmp_path / "fitdir"
    res = CliRunner().invoke(
        main, ["calibrate", str(paths["scenario"]), "--fit", str(out), "--sets", "2", "-q"]
    )
    return res, out


def test_prior_low_above_high_is_refused(tmp_path, monkeypatch):
    paths = write_case(tmp_path / "c", low=9.0, high=2.0)
    res, out = _fit_cli(tmp_path, paths, monkeypatch)
    assert res.exit_code == 2
    assert "low (9) is above high (2)" in res.output and len(res.output.strip().splitlines()) == 1
    assert not out.exists()


def test_target_without_measurement_rule_is_refused(tmp_path, monkeypatch):
    paths = write_case(tmp_path / "c", measure_line="")
    res, out = _fit_cli(tmp_path, paths, monkeypatch)
    assert res.exit_code == 2
    assert "target A has no measurement rule" in res.output and len(res.output.strip().splitlines()) == 1
    assert not out.exists()


def test_unknown_rule_and_unknown_key_path_are_refused(tmp_path):
    paths = write_case(
        tmp_path / "c", measure_line="    measure: {rule: acepted_per_day, start: 2026-03-02}\n"
    )
    with pytest.raises(InputError, match="unknown measurement rule"):
        load_targets(paths["targets"])
    sc, res = load_scenario(paths["scenario"])
    text = paths["priors"].read_text().replace("steps_min.acceptance", "steps_min.acceptnce")
    paths["priors"].write_text(text)
    with pytest.raises(InputError, match="no such key path"):
        load_priors(paths["priors"], sc, res)


def test_baseline_priors_cover_every_assumption_and_targets_load():
    sc, res = load_scenario("scenarios/baseline_2026.yaml")
    priors = load_priors("scenarios/baseline_2026.priors.yaml", sc, res)  # raises if one is missing
    covered = (
        {k for p in priors.varied.values() for k in p.covers}
        | set(priors.ranges)
        | set(priors.not_parameters)
    )
    assert {k for k, s in sc.sources.items() if s.basis == "assumption"} <= covered
    targets = load_targets(gates=list(sc.gates))
    roles = {t.role for t in targets.targets}
    assert roles == {"fit", "holdout", "check"}
    ids = {t.id for t in targets.with_role("holdout")}
    assert {"C5", "C7", "C8"} <= ids  # the Feb 2022 episode and a bulletin are held out


def test_missing_assumption_range_is_refused(tmp_path):
    paths = write_case(tmp_path / "c")
    lines = paths["priors"].read_text().splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith("  gates.g.stages.fees:")]
    paths["priors"].write_text("".join(kept).replace("ranges:\n", "ranges: {}\n"))
    sc, res = load_scenario(paths["scenario"])
    with pytest.raises(InputError, match="have no range"):
        load_priors(paths["priors"], sc, res)


def test_force_builds_the_new_fit_beside_the_old_one_and_swaps_it_in(synthetic, tmp_path, monkeypatch):
    """--force over another fit deletes nothing up front: killed mid-way, the old fit is whole."""
    import shutil

    import gatesim.trust.evaluate as ev

    _, out, _ = synthetic
    old = tmp_path / "fitdir"
    shutil.copytree(out, old)
    old_json = (old / "fit.json").read_bytes()
    root = out.parent / "fit"
    sc, res = load_scenario(root / "tiny.yaml")
    priors = load_priors(root / "tiny.priors.yaml", sc, res)
    targets = load_targets(root / "targets.yaml", gates=list(sc.gates))
    other = FitConfig(sets_per_wave=4, waves=1, replications=2, predict_members=2, seed=4)
    real, calls = ev.measure_task, []

    def killed_after_two(*a, **k):  # the replacement dies mid-way
        calls.append(1)
        if len(calls) > 2:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(ev, "measure_task", killed_after_two)
    from gatesim.sweep.runner import SweepInterrupted

    with pytest.raises(SweepInterrupted):
        run_fit(
            targets,
            priors,
            res,
            old,
            other,
            Runner(workers=1, quiet=True),
            force=True,
            on_note=lambda m: None,
        )
    assert (old / "fit.json").read_bytes() == old_json and (old / "ensemble.csv").is_file()  # untouched
    monkeypatch.setattr(ev, "measure_task", real)
    run_fit(
        targets, priors, res, old, other, Runner(workers=1, quiet=True), force=True, on_note=lambda m: None
    )
    assert (old / "fit.json").read_bytes() != old_json  # the new fit, swapped in whole
    assert not (tmp_path / ".fitdir.fit-new").exists()
    assert (old / "design.csv").read_text(encoding="utf-8").count("\n") == 1 + 4  # header + 4 sets


def test_force_clears_its_own_damaged_scratch(synthetic, tmp_path):
    """A damaged fit.json in --force's own hidden scratch is not the user's: it is started over."""
    import shutil

    _, out, _ = synthetic
    old = tmp_path / "fitdir"
    shutil.copytree(out, old)
    scratch = tmp_path / ".fitdir.fit-new"
    scratch.mkdir()
    (scratch / "fit.json").write_text("{not json", encoding="utf-8")
    root = out.parent / "fit"
    sc, res = load_scenario(root / "tiny.yaml")
    priors = load_priors(root / "tiny.priors.yaml", sc, res)
    targets = load_targets(root / "targets.yaml", gates=list(sc.gates))
    other = FitConfig(sets_per_wave=4, waves=1, replications=2, predict_members=2, seed=4)
    run_fit(
        targets, priors, res, old, other, Runner(workers=1, quiet=True), force=True, on_note=lambda m: None
    )
    assert json.loads((old / "fit.json").read_text(encoding="utf-8"))  # the new fit, whole
    assert not scratch.exists()

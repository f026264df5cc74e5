"""``gatesim assess``: a no-op proposal has effect 0 in every world, a known-sign one keeps its sign."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.scenario.load import load_scenario
from gatesim.trust.evaluate import Runner
from gatesim.trust.fit import FitConfig, run_fit
from gatesim.trust.priors import load_priors
from gatesim.trust.targets import load_targets
from tests.helpers.trust_cases import write_case

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    root = tmp_path_factory.mktemp("assess")
    # a loose target: most of the prior is plausible, so the worlds differ
    paths = write_case(root / "fit", accepted=250.0, waiting=300.0)
    text = paths["targets"].read_text().replace("sd: 7.5", "sd: 60")
    paths["targets"].write_text(text)
    sc, res = load_scenario(paths["scenario"])
    priors = load_priors(paths["priors"], sc, res)
    targets = load_targets(paths["targets"], gates=list(sc.gates))
    cfg = FitConfig(sets_per_wave=10, waves=1, replications=2, predict_members=2, seed=5)
    result = run_fit(
        targets, priors, res, root / "out", cfg, Runner(workers=1, quiet=True), on_note=lambda m: None
    )
    assert len(result.ensemble) >= 4
    base = paths["scenario"]
    noop = root / "fit" / "noop.yaml"
    noop.write_text("extends: tiny.yaml\nname: noop\n", encoding="utf-8")
    faster = root / "fit" / "two_lanes.yaml"
    faster.write_text(
        "extends: tiny.yaml\nname: two_lanes\ngates:\n  g:\n    stages:\n      cn_acceptance:\n        servers: 2\n",
        encoding="utf-8",
    )
    out = root / "assessed"
    res = CliRunner().invoke(
        main,
        [
            "assess",
            str(root / "out" / "ensemble.csv"),
            str(base),
            str(noop),
            str(faster),
            "--out",
            str(out),
            "--worlds",
            "4",
            "-r",
            "2",
            "-j",
            "1",
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    return root, out


def test_noop_proposal_has_zero_effect_in_every_world(case):
    _, out = case
    pw = pd.read_csv(out / "effects_by_world.csv")
    noop = pw[pw["proposal"] == "noop"]
    assert noop["world"].nunique() == 4
    assert (noop["effect"].fillna(0.0) == 0.0).all()
    eff = pd.read_csv(out / "effects.csv")
    assert set(eff.loc[eff["proposal"] == "noop", "verdict"]) == {"no effect"}


def test_known_sign_proposal_keeps_its_sign(case):
    _, out = case
    pw = pd.read_csv(out / "effects_by_world.csv")
    two = pw[pw["proposal"] == "two_lanes"].set_index("kpi")
    assert (two.loc["throughput_per_day", "effect"] > 0).all()  # a second lane accepts more every day
    assert (two.loc["waiting_at_20h_mean", "effect"] < 0).all()
    eff = pd.read_csv(out / "effects.csv").set_index(["proposal", "kpi"])
    row = eff.loc[("two_lanes", "throughput_per_day")]
    assert row["same_sign_share"] == 1.0 and row["effect_p05"] > 0 and row["verdict"] == "robust"


def test_ensemble_from_another_scenario_is_refused(case, tmp_path):
    root, _ = case
    other = write_case(tmp_path / "other", accept=4.0)  # same name, another value: another scenario
    out = tmp_path / "never"
    res = CliRunner().invoke(
        main,
        [
            "assess",
            str(root / "out" / "ensemble.csv"),
            str(other["scenario"]),
            str(other["scenario"]),
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 2
    assert "fitted on another scenario" in res.output and len(res.output.strip().splitlines()) == 1
    assert not out.exists()


def test_not_an_ensemble_file_is_refused(case, tmp_path):
    root, _ = case
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    res = CliRunner().invoke(
        main,
        [
            "assess",
            str(bad),
            str(root / "fit" / "tiny.yaml"),
            str(root / "fit" / "noop.yaml"),
            "--out",
            str(tmp_path / "x"),
        ],
    )
    assert res.exit_code == 2 and "not an ensemble file" in res.output
    assert not (tmp_path / "x").exists()


def test_force_keeps_the_old_assessment_whole_until_the_new_one_is_complete(case, tmp_path, monkeypatch):
    """--force over another assessment: nothing is deleted up front; the old runs stay until the swap."""
    import shutil

    from gatesim.sweep import runner

    root, out = case
    copy = tmp_path / "assessed"
    shutil.copytree(out, copy)
    old_spec = (copy / "runs" / "sweep.json").read_bytes()
    seen = []
    real = runner._run_locked

    def spy(sweep, where, *args, **kwargs):
        seen.append(((copy / "runs" / "sweep.json").read_bytes() == old_spec, where != copy / "runs"))
        return real(sweep, where, *args, **kwargs)

    monkeypatch.setattr(runner, "_run_locked", spy)
    argv = ["assess", str(root / "out" / "ensemble.csv"), str(root / "fit" / "tiny.yaml")]
    argv += [str(root / "fit" / "noop.yaml"), "--out", str(copy), "--worlds", "2", "-r", "1", "-j", "1", "-q"]
    res = CliRunner().invoke(main, [*argv, "--force"])
    assert res.exit_code == 0, res.output
    assert seen == [(True, True)]  # built beside the old runs, which were whole meanwhile
    assert (copy / "runs" / "sweep.json").read_bytes() != old_spec  # then swapped in
    assert set(pd.read_csv(copy / "effects.csv")["proposal"]) == {"noop"}

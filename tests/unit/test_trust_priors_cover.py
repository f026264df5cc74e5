"""Priors: a prior covers only what it varies; every prior's ends make a valid scenario; the
assumptions that decide headlines are varied."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from gatesim.errors import InputError
from gatesim.scenario.load import load_scenario
from gatesim.trust.priors import load_priors
from gatesim.trust.stability import stage_capacity_per_day
from tests.helpers.trust_cases import write_case


def test_a_prior_cannot_cover_another_parameters_assumption(tmp_path):
    paths = write_case(tmp_path / "c")
    text = (
        paths["priors"]
        .read_text(encoding="utf-8")
        .replace(
            "covers: [gates.g.stages.cn_acceptance]",
            "covers: [gates.g.stages.cn_acceptance, gates.g.stages.fees]",
        )
    )
    paths["priors"].write_text(text, encoding="utf-8")
    sc, res = load_scenario(paths["scenario"])
    with pytest.raises(InputError) as e:
        load_priors(paths["priors"], sc, res)
    assert "covers an assumption it does not vary" in str(e.value)
    assert "varied.accept_min.covers" in str(e.value) and "'gates.g.stages.fees'" in str(e.value)


def test_a_prior_whose_end_makes_an_invalid_scenario_is_refused_with_its_name(tmp_path):
    paths = write_case(tmp_path / "c")
    text = (
        paths["priors"]
        .read_text(encoding="utf-8")
        .replace(
            "paths: [gates.g.stages.cn_acceptance.service.steps_min.acceptance]",
            "paths: [gates.g.stages.cn_acceptance.servers]",
        )
    )
    paths["priors"].write_text(text.replace("low: 1.0", "low: 0.0"), encoding="utf-8")
    sc, res = load_scenario(paths["scenario"])
    with pytest.raises(InputError) as e:
        load_priors(paths["priors"], sc, res)
    msg = str(e.value)
    assert "tiny.priors.yaml:" in msg and "varied.accept_min" in msg and "the scenario is invalid" in msg


def test_the_headline_assumptions_are_varied_and_the_season_lane_works():
    sc, res = load_scenario("scenarios/baseline_2026.yaml")
    priors = load_priors("scenarios/baseline_2026.priors.yaml", sc, res)
    for name in ("cn_china_close_h", "cm_acceptance_min", "cm_release_min", "tt_fruit_season_acceptance"):
        assert name in priors.varied, name
    assert "acceptance_by_season" not in priors.pending
    u = np.full(len(priors.names), 0.5)
    point = priors.point(u)
    point["tt_fruit_season_acceptance"] = "extra_lane_in_season"
    point["cn_china_close_h"] = 19.0
    world = priors.apply(res, point)
    tt = world.gates["tan_thanh"]
    june, january = [dt.date(2026, 6, 20)], [dt.date(2026, 1, 10)]
    assert stage_capacity_per_day(tt, "cn_acceptance", june) == pytest.approx(
        2 * stage_capacity_per_day(tt, "cn_acceptance", january)
    )
    assert world.gates["coc_nam"].stages["cn_acceptance"].hours.close_h == 19.0

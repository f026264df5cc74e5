"""Worlds on a historical period: the period's own settings win, a failed world is a row, and the
scores are drawn from the worlds that ran."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from gatesim.evidence.bulletins import load_bulletins
from gatesim.evidence.history import historical_scenario
from gatesim.evidence.regimes import BASELINE_PATH, load_regimes
from gatesim.scenario.load import load_scenario
from gatesim.trust.ensemble import load_ensemble
from gatesim.trust.holdout import HELD_OUT, published_points, scores
from gatesim.trust.holdout import period_worlds as worlds_on
from gatesim.trust.priors import default_priors_path, load_priors


@pytest.fixture(scope="module")
def feb():
    reg = load_regimes()
    sc, res = load_scenario(BASELINE_PATH)
    priors = load_priors(default_priors_path(BASELINE_PATH), sc, res)
    ens = load_ensemble("scenarios/baseline_2026.ensemble.csv")
    _, data = historical_scenario("feb_2022", reg)
    points = published_points("feb_2022", reg.periods["feb_2022"], load_bulletins(), reg.file)
    return data, res, priors, ens.worlds(priors, 2), points


@pytest.mark.integration
def test_the_period_keeps_its_settings_and_an_invalid_world_is_a_row(feb):
    data, res, priors, worlds, _ = feb
    bad = {**worlds[1], "tt_acceptance_min": -1.0}
    points, failed = worlds_on(data, res, priors, [worlds[0], bad])
    assert len(points) == 1 and points[0].params == {"set_id": worlds[0]["set_id"]}
    sc = points[0].scenario
    assert sc.gates["tan_thanh"].yard.capacity_trucks == 2500  # the period's published yard, not the world's
    assert worlds[0]["tt_yard_trucks"] != 2500
    steps = sc.gates["tan_thanh"].stages["cn_acceptance"].service.steps_min
    assert steps["acceptance"] == pytest.approx(worlds[0]["tt_acceptance_min"])  # the world's own value
    assert failed == [{"set_id": bad["set_id"], "error": failed[0]["error"]}]
    assert "invalid scenario" in failed[0]["error"] and "steps_min.acceptance" in failed[0]["error"]


@pytest.mark.integration
def test_scores_leave_out_a_failed_world_and_count_it(feb):
    *_, points = feb
    rows = []
    for sid, level in ((1, 100.0), (2, 200.0), (3, 5000.0)):
        for rep in (0, 1):
            error = "boom" if sid == 3 and rep == 1 else ""
            rows += [
                {"set_id": sid, "replication": rep, "point": p.id, "value": level, "error": error}
                for p in points
            ]
    table, changes, summary = scores("feb_2022", points, pd.DataFrame(rows), 2)
    assert summary["worlds_ok"] == 2 and summary["worlds_failed"] == 1
    assert table["median"].eq(150.0).all()  # worlds 1 and 2 only: world 3's 5,000 is left out
    held = table[table["role"] == HELD_OUT]
    assert summary["points_held_out"] == len(held) == 7
    assert summary["coverage_90"] == pytest.approx(held["inside"].mean())
    # every world flat: the median never changes, so the error is the published changes' own size
    assert summary["change_mae"] == pytest.approx(summary["published_change_mean_abs"])
    assert len(changes) == summary["changes"] == 5 and not math.isnan(summary["change_mae"])

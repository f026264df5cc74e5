"""The shared verdict statistics on synthetic data: noise first, exact zeros, sizes, saturation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.compare.verdict import (
    BACKLOG_KPI,
    EXACT_ZERO,
    NO_DETECTABLE,
    ROBUST,
    SPLIT_SIGN,
    Thresholds,
    bh_adjust,
    size_class,
    unstable_worlds,
    verdict_rows,
)

KPIS = ["wait_mean_h", "wait_p95_h", "waiting_at_20h_mean", "throughput_per_day"]
GATES = ["tan_thanh", "huu_nghi", "coc_nam"]


def per_world(rng, effect_of_world, worlds=12, reps=3, sd=0.3, kpis=KPIS, gates=GATES, base=4.0):
    """Rows of effects_by_world.csv from synthetic paired differences (world noise sd differs by world)."""
    rows = []
    for g in gates:
        for k in kpis:
            for w in range(worlds):
                d = effect_of_world(w) + rng.normal(0.0, sd * (0.5 + w / worlds), reps)
                rows.append(
                    {"proposal": "p", "gate": g, "kpi": k, "world": w, "n": reps, "base_mean": base,
                     "effect": d.mean(), "ss": ((d - d.mean()) ** 2).sum()}
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_null_proposal_is_no_detectable_effect_in_at_least_95_percent_of_40_noise_draws():
    rng = np.random.default_rng(20260101)
    clean = 0
    for _ in range(40):
        v = verdict_rows(per_world(rng, lambda w: 0.0))
        clean += int((v["verdict"] == NO_DETECTABLE).all())
    assert clean >= 38, clean


def test_old_rule_would_have_called_the_same_null_a_sign_by_world():
    """The guard of the test above: a sign-first rule calls most of these null rows something."""
    rng = np.random.default_rng(3)
    pw = per_world(rng, lambda w: 0.0)
    shares = pw.groupby(["gate", "kpi"])["effect"].apply(lambda e: np.mean(np.sign(e) == np.sign(e.median())))
    assert (shares < 0.9).mean() > 0.5


def test_exact_zeros_are_their_own_class_and_not_tested():
    pw = per_world(np.random.default_rng(1), lambda w: 0.0, sd=0.0)
    v = verdict_rows(pw)
    assert set(v["verdict"]) == {EXACT_ZERO}
    assert v["p_value"].isna().all() and (v["size"] == "negligible").all()


def test_a_real_effect_is_robust_with_its_size():
    rng = np.random.default_rng(2)
    v = verdict_rows(per_world(rng, lambda w: -1.0, kpis=["wait_mean_h"], gates=["g"]))
    row = v.iloc[0]
    assert row["verdict"] == ROBUST and row["size"] == "large"  # -1 h on 4 h: 25%


def test_an_effect_that_changes_sign_between_worlds_is_detected_as_such():
    rng = np.random.default_rng(4)
    v = verdict_rows(per_world(rng, lambda w: 2.0 if w % 2 else -2.0, kpis=["wait_mean_h"], gates=["g"]))
    assert v.iloc[0]["verdict"] == SPLIT_SIGN


def test_size_classes_in_plain_units():
    th = Thresholds()
    assert size_class(-0.012, 3.96, "h", th) == "negligible"  # 42 s
    assert size_class(-0.10, 3.96, "h", th) == "modest"  # 6 min on 3 h 58 min: 2.5%
    assert size_class(-0.10, 3.96, "h", Thresholds(negligible_pct=3.0)) == "negligible"
    assert size_class(-0.30, 3.96, "h", th) == "modest"
    assert size_class(-1.0, 3.96, "h", th) == "large"
    assert size_class(3.0, 0.0, "trucks", th) == "negligible"
    assert size_class(30.0, 0.0, "trucks", th) == "modest"


def test_bh_adjust_matches_the_definition():
    q = bh_adjust(np.array([0.01, 0.04, 0.03, np.nan, 0.5]))
    assert np.isnan(q[3])
    np.testing.assert_allclose(
        q[[0, 2, 1, 4]], [0.04, 0.04 * 4 / 3 * 3 / 3, 0.04 * 4 / 3 * 3 / 3, 0.5], rtol=1e-9
    )


def test_saturated_worlds_are_left_out_and_counted():
    res = []
    for w in range(6):
        crossings = 80.0 if w < 2 else 100.0  # worlds 0 and 1: 100 arrive a day, 80 cross
        for r in range(2):
            for variant in ("base", "p"):
                res.append({"variant": variant, "world": w, "replication": r, "gate": "g", "arrivals": 300,
                            "days": 3, "throughput_per_day": crossings})  # fmt: skip
    bad = unstable_worlds(pd.DataFrame(res), "base")
    assert bad == {"g": [0, 1]}
    rng = np.random.default_rng(5)
    pw = pd.concat(
        [
            per_world(rng, lambda w: 9.0 if w < 2 else 0.0, worlds=6, kpis=["wait_mean_h"], gates=["g"]),
            per_world(rng, lambda w: 0.0, worlds=6, kpis=[BACKLOG_KPI], gates=["g"]),
        ]
    )
    v = verdict_rows(pw, left_out={("p", "g"): bad["g"]}).set_index("kpi")
    assert v.loc["wait_mean_h", "worlds"] == 4 and v.loc["wait_mean_h", "worlds_left_out"] == 2
    assert v.loc["wait_mean_h", "verdict"] == NO_DETECTABLE  # the saturated worlds' +9 h is not counted
    assert v.loc[BACKLOG_KPI, "worlds"] == 6

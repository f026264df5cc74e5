"""Splits and the settling-measurement ranking on constructed worlds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.answer.unknowns import find_split, variance_shares


def worlds(n=40, seed=11):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "road_lane_use": rng.choice(["shared", "by_direction"], n),
            "road_per_lane_h": rng.uniform(10, 40, n),
            "transshipment_min": rng.uniform(25, 90, n),
            "arrival_profile": rng.choice(["round_the_clock", "opening_hours"], n),
        },
        index=pd.Index(range(100, 100 + n), name="world"),
    )


NAMES = ["road_lane_use", "road_per_lane_h", "transshipment_min", "arrival_profile"]


def test_two_regime_effect_is_reported_as_a_split_naming_the_unknown():
    w = worlds()
    rng = np.random.default_rng(1)
    big = w["road_lane_use"] == "by_direction"
    effect = pd.Series(np.where(big, -3.7, 0.0) + rng.normal(0, 0.05, len(w)), index=w.index)
    split = find_split(effect, w, NAMES, negligible=5 / 60)
    assert split is not None
    assert split.cuts[0].unknown == "road_lane_use" and split.cuts[0].value == "by_direction"
    assert split.inside_mean < -3.5 and abs(split.outside_mean) < 5 / 60
    assert "split by direction" in split.cuts[0].words()


def test_two_unknown_regime_names_both():
    w = worlds(n=60)
    rng = np.random.default_rng(2)
    big = (w["road_lane_use"] == "by_direction") & (w["road_per_lane_h"] <= 22)
    effect = pd.Series(np.where(big, -3.7, 0.0) + rng.normal(0, 0.03, len(w)), index=w.index)
    split = find_split(effect, w, NAMES, negligible=5 / 60)
    assert split is not None
    assert {c.unknown for c in split.cuts} == {"road_lane_use", "road_per_lane_h"}
    assert split.inside_mean < -3.0


def test_no_split_where_the_effect_does_not_depend_on_an_unknown():
    w = worlds()
    effect = pd.Series(np.random.default_rng(3).normal(-1.0, 0.05, len(w)), index=w.index)
    assert find_split(effect, w, NAMES, negligible=5 / 60) is None


def test_ranking_puts_the_driving_unknown_first():
    w = worlds()
    rng = np.random.default_rng(4)
    effect = pd.Series(-0.1 * w["transshipment_min"] + rng.normal(0, 0.5, len(w)), index=w.index)
    ranked = variance_shares(effect, w, NAMES)
    assert ranked.iloc[0]["unknown"] == "transshipment_min"
    assert ranked.iloc[0]["share"] > 0.5 > ranked.iloc[1]["share"]


def test_ranking_beats_chance_only_where_an_unknown_drives_the_effect():
    w = worlds(n=30)
    rng = np.random.default_rng(5)
    driven = pd.Series(-0.1 * w["transshipment_min"] + rng.normal(0, 0.5, len(w)), index=w.index)
    noise = pd.Series(rng.normal(0, 1.0, len(w)), index=w.index)
    assert variance_shares(driven, w, NAMES).iloc[0]["chance_p"] < 0.05
    assert variance_shares(noise, w, NAMES).iloc[0]["chance_p"] > 0.05


def test_the_split_is_said_in_words_with_the_measurement_that_settles_it():
    from gatesim.answer.analyse import GateAnswer
    from gatesim.answer.text import sentences

    w = worlds(n=40)
    rng = np.random.default_rng(6)
    big = w["road_lane_use"] == "by_direction"
    effect = pd.Series(np.where(big, -3.7, 0.0) + rng.normal(0, 0.05, len(w)), index=w.index)
    rows = pd.DataFrame([{"scope": "worlds", "kpi": "wait_mean_h", "worlds": 40, "worlds_left_out": 0}])
    g = GateAnswer("tan_thanh", rows, pd.DataFrame(), "wait_mean_h", find_split(effect, w, NAMES, 5 / 60),
                   variance_shares(effect, w, NAMES), 0, False)  # fmt: skip
    en = " ".join(sentences(g, "en"))
    assert (
        "The effect on mean wait per truck splits: \u22123 h 42 min where how the dedicated roads' lanes"
        in en
    )
    assert "split by direction; \u2248 0 otherwise" in en
    assert "What would settle it: lane use and per-lane throughput on road 1088/2-1089" in en
    vi = " ".join(sentences(g, "vi"))
    assert "chia theo chiều" in vi and "Phép đo giúp kết luận" in vi


TWENTY = [*NAMES, "cn_china_close_h", "tt_acceptance_min", "tt_yard_trucks", "tt_fee_counters",
          "cm_yard_trucks", "yard_users"]  # fmt: skip


def twenty_worlds(seed):
    """20 worlds and ten unknowns, as an answer over 20 worlds sees them (Cốc Nam's hours among them)."""
    rng = np.random.default_rng(seed)
    n = 20
    return pd.DataFrame(
        {
            "road_lane_use": rng.choice(["shared", "by_direction"], n),
            "road_per_lane_h": rng.uniform(10, 40, n),
            "transshipment_min": rng.uniform(25, 90, n),
            "arrival_profile": rng.choice(["round_the_clock", "opening_hours"], n),
            "cn_china_close_h": rng.choice([18.0, 19.0, 20.0, 21.0, 22.0, 23.0], n),
            "tt_acceptance_min": rng.uniform(2.5, 4.5, n),
            "tt_yard_trucks": rng.uniform(250, 450, n),
            "tt_fee_counters": rng.integers(8, 14, n).astype(float),
            "cm_yard_trucks": rng.uniform(100, 300, n),
            "yard_users": rng.choice(["exports_only", "with_imports"], n),
        },
        index=pd.Index(range(200, 200 + n), name="world"),
    )


def few_large_by_chance(seed):
    """Four worlds drawn at random with a large effect, whatever their unknowns: a split only by chance."""
    w = twenty_worlds(seed)
    rng = np.random.default_rng(100 + seed)
    e = rng.normal(0, 0.02, len(w))
    e[rng.choice(len(w), 4, replace=False)] = -2.0 + rng.normal(0, 0.2, 4)
    return w, pd.Series(e, index=w.index)


def test_a_chance_split_over_20_worlds_is_not_reported():
    # seed 12: Cốc Nam's closing hour and the road's per-lane rate happen to hold the four large effects
    w, effect = few_large_by_chance(12)
    unshuffled = find_split(effect, w, TWENTY, 5 / 60, permutations=0)
    assert unshuffled is not None and "cn_china_close_h" in {c.unknown for c in unshuffled.cuts}
    assert find_split(effect, w, TWENTY, 5 / 60) is None


def chance_split(seed, **kw):
    w, effect = few_large_by_chance(seed)
    return find_split(effect, w, TWENTY, 5 / 60, **kw)


def test_chance_splits_are_rarely_reported():
    reported = sum(chance_split(s) is not None for s in range(40))
    found_unshuffled = sum(chance_split(s, permutations=0) is not None for s in range(40))
    assert found_unshuffled >= 8  # without the shuffle test, chance splits are common
    assert reported <= 4  # with it, about the test's 5%


def test_a_real_split_over_20_worlds_is_found_and_beats_chance():
    for seed in range(5):
        w = twenty_worlds(seed)
        rng = np.random.default_rng(seed)
        big = w["road_lane_use"] == "by_direction"
        effect = pd.Series(np.where(big, -3.7, 0.0) + rng.normal(0, 0.05, len(w)), index=w.index)
        split = find_split(effect, w, TWENTY, 5 / 60)
        assert split is not None, seed
        assert split.cuts[0].unknown == "road_lane_use" and split.chance_p < 0.05

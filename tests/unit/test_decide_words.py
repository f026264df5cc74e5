"""Sensitivity ends in a sentence with plain labels; optimise's labels are the same words."""

from __future__ import annotations

import pandas as pd

from gatesim.decide.labels import factor_label, kpi_at_gate
from gatesim.decide.sensitivity import leading

SHARE = "gates.tan_thanh.arrivals.transshipment_share"
YARD = "gates.tan_thanh.yard.capacity_trucks"
FX = "economy.vnd_per_usd"


def test_key_paths_read_as_plain_labels():
    assert factor_label(SHARE) == "transshipment share at Tân Thanh"
    assert factor_label(SHARE, gate=False) == "transshipment share"
    assert factor_label("gates.tan_thanh.stages.road.per_lane_vehicles_per_h") == (
        "dedicated road: vehicles per lane per hour at Tân Thanh"
    )
    assert factor_label("gates.tan_thanh.stages.declaration.service.by_channel_min.yellow").endswith(
        "yellow channel (min) at Tân Thanh"
    )
    assert factor_label(FX) == "VND per USD"
    assert kpi_at_gate("wait_mean_h@tan_thanh") == "mean wait per truck at Tân Thanh"


def _indices(rows):
    return pd.DataFrame(rows, columns=["parameter", "kpi", "method", "index", "ci_low", "ci_high"])


def test_the_leading_factor_is_said_with_its_share_of_the_variance():
    k = "wait_mean_h@tan_thanh"
    df = _indices(
        [
            (SHARE, k, "sobol_first", 0.78, 0.7, 0.86),
            (SHARE, k, "sobol_total", 0.82, 0.75, 0.89),
            (YARD, k, "sobol_first", 0.09, 0.03, 0.15),
            (YARD, k, "sobol_total", 0.12, 0.06, 0.18),
            (FX, k, "sobol_first", 0.0, -0.01, 0.01),
            (FX, k, "sobol_total", 0.0, 0.0, 0.0),
        ]
    )
    text = leading(k, df, lambda p: factor_label(p, gate=False))
    assert text == (
        "Transshipment share explains ~78% of the variance of mean wait per truck at Tân Thanh; "
        "then yard capacity (trucks) ~9%."
    )
    assert "VND per USD" not in text  # its index is 0: not a leading factor


def test_nothing_clear_and_morris_only_are_said_too():
    k = "wait_mean_h@tan_thanh"
    flat = _indices(
        [(SHARE, k, "sobol_first", 0.01, -0.2, 0.22), (SHARE, k, "sobol_total", 0.02, -0.1, 0.14)]
    )
    assert leading(k, flat, factor_label).startswith(
        "No factor clearly moves mean wait per truck at Tân Thanh"
    )
    mm = _indices([(SHARE, k, "morris_mu_star", 1.2, 0.8, 1.6), (YARD, k, "morris_mu_star", 0.3, 0.1, 0.5)])
    text = leading(k, mm, factor_label)
    assert text.startswith(
        "Mean wait per truck at Tân Thanh moves most with transshipment share at Tân Thanh (1.2 h)"
    )
    assert "then yard capacity (trucks) at Tân Thanh (0.3 h)" in text


def _cand(index, violation, cost, noise=0.0, value=float("nan")):
    from gatesim.decide.optimise import Candidate

    c = Candidate(index, {"gates.tan_thanh.stages.road.lanes": index}, cost)
    c.violation, c.noise = violation, noise
    c.miss = ("wait_p95_h", value if value == value else 2.0 * (1 + violation), 2.0, "tan_thanh")
    return c


def _opt(cands):
    from gatesim.decide.optimise import Optimisation

    return Optimisation(None, cands, pd.DataFrame(), None, [], "grid", 0)  # type: ignore[arg-type]


def test_closest_ranks_by_violation_then_cost_not_by_noise():
    from gatesim.decide.optimise_out import closest

    # p95 waits 45.22 / 45.24 / 45.25 h against a 2 h bound, each +- 0.4 h: one miss, ranked by cost
    noisy = [_cand(1, 21.61, 9, 0.2), _cand(2, 21.62, 7, 0.2), _cand(3, 21.625, 8, 0.2)]
    clear = _cand(4, 10.0, 20, 0.2)  # misses by much less: first whatever its cost
    far = _cand(5, 30.0, 1, 0.2)
    ranked = [c.index for c in closest(_opt([*noisy, far, clear]))]
    assert ranked == [4, 2, 3, 1, 5]
    # without noise (one replication) the violation alone ranks them
    exact = [_cand(1, 21.61, 9), _cand(2, 21.62, 7), _cand(3, 21.625, 8)]
    assert [c.index for c in closest(_opt(exact))] == [1, 2, 3]


def test_the_closest_miss_is_said_as_a_factor_with_the_binding_stage():
    from gatesim.decide.optimise_out import verdict

    c = _cand(6, 21.61, 7, 0.2, value=45.22)
    c.params = {
        "gates.tan_thanh.stages.road.lanes": 6,
        "gates.tan_thanh.stages.cn_acceptance.hours.close_h": 22,
    }
    c.stages = {"fees": (31.5, 0.99), "road": (0.2, 0.4), "declaration": (3.0, 0.8)}
    text = verdict(_opt([c]))
    assert text.startswith(
        "No configuration meets the constraints. The closest, candidate 6 (dedicated road: lanes=6, "
        "acceptance, Chinese side: closing hour=22; cost 7), misses by ×23: 95th percentile of wait at "
        "Tân Thanh 45 h 13 min against a bound of 2 h."
    )
    assert text.endswith(
        "What binds at Tân Thanh: fee payment, the longest queue (31 h 30 min per truck passing it; "
        "busy 99% of its open hours)."
    )

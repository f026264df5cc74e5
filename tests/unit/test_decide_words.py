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
    flat = _indices([(SHARE, k, "sobol_first", 0.01, -0.2, 0.22), (SHARE, k, "sobol_total", 0.02, -0.1, 0.14)])
    assert leading(k, flat, factor_label).startswith("No factor clearly moves mean wait per truck at Tân Thanh")
    mm = _indices([(SHARE, k, "morris_mu_star", 1.2, 0.8, 1.6), (YARD, k, "morris_mu_star", 0.3, 0.1, 0.5)])
    text = leading(k, mm, factor_label)
    assert text.startswith("Mean wait per truck at Tân Thanh moves most with transshipment share at Tân Thanh (1.2 h)")
    assert "then yard capacity (trucks) at Tân Thanh (0.3 h)" in text

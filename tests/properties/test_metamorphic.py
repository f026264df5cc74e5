"""Planner expectations: more capacity never makes things worse (same trucks, CRN)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gatesim.events.kinds import Kind
from gatesim.projections.kpis import summarize
from gatesim.run import run_replication
from gatesim.scenario.load import load_scenario

# Integration (out of the quick tier): simulates the baseline over many days for each pair of scenarios.
# Hypothesis over many scenarios: minutes on 2 cores; in the slow tier (.ci/run runs it after the
# default tests) so that the default run stays under 10 min.
pytestmark = [pytest.mark.integration, pytest.mark.slow]

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline_2026.yaml"


def _summaries(overrides, days=3, reps=2):
    sc, _ = load_scenario(BASELINE, overrides)
    return [summarize(run_replication(sc, days, r, 11)).set_index("gate") for r in range(reps)]


def test_more_lanes_do_not_raise_waits_where_the_road_binds():
    # Make the road the bottleneck at Tân Thanh, then widen it: waits must fall.
    narrow = ["gates.tan_thanh.stages.road.per_lane_vehicles_per_h=12"]
    base = _summaries(narrow)
    wide = _summaries(narrow + ["gates.tan_thanh.stages.road.lanes=8"])
    for b, w in zip(base, wide):
        assert w.loc["tan_thanh", "wait_mean_h"] <= b.loc["tan_thanh", "wait_mean_h"]
    assert np.mean([w.loc["tan_thanh", "wait_mean_h"] for w in wide]) < np.mean(
        [b.loc["tan_thanh", "wait_mean_h"] for b in base]
    )


def test_longer_hours_do_not_lower_throughput():
    base = _summaries([])
    longer = _summaries(
        [
            "gates.coc_nam.stages.cn_acceptance.hours.close_h=20",
            "gates.coc_nam.stages.cn_release.hours.close_h=20",
        ]
    )
    for b, w in zip(base, longer):
        assert w.loc["coc_nam", "departures"] >= b.loc["coc_nam", "departures"]
        assert w.loc["coc_nam", "wait_mean_h"] <= b.loc["coc_nam", "wait_mean_h"]


def test_common_random_numbers_same_trucks_when_only_lanes_change():
    sc_a, _ = load_scenario(BASELINE)
    sc_b, _ = load_scenario(BASELINE, ["gates.tan_thanh.stages.road.lanes=8"])
    a, b = run_replication(sc_a, 2, 0, 5), run_replication(sc_b, 2, 0, 5)
    arr_a, arr_b = a.kind == Kind.ARRIVED, b.kind == Kind.ARRIVED
    assert np.array_equal(np.sort(a.t_h[arr_a]), np.sort(b.t_h[arr_b]))
    for col in ("value_usd", "tax_vnd", "channel", "direction"):
        assert np.array_equal(a.payload[col], b.payload[col])


def test_adding_a_gate_leaves_the_other_gates_trucks_unchanged(tmp_path):
    extra = tmp_path / "with_extra_gate.yaml"
    extra.write_text(
        f"extends: {BASELINE}\n"
        "name: with_extra_gate\n"
        "gates:\n"
        "  extra_gate:\n"
        "    name: An extra gate\n"
        "    arrivals: {per_day: 230, export_share: 0.18, transshipment_share: 0.5,\n"
        "      cargo_mix: {export: {fruit: 0.8, electronics: 0.1, other: 0.1}, import: {fruit: 0.2, electronics: 0.3, other: 0.5}},\n"
        "      channel_shares: {green: 0.6, yellow: 0.35, red: 0.05}}\n"
        "    stages:\n"
        "      declaration: {role: declaration, servers: 4, hours: {open_h: 7, close_h: 20},\n"
        "                    service: {by_channel_min: {green: 5, yellow: 20, red: 90}}}\n"
        "      cn_acceptance: {role: acceptance, servers: 2, hours: {tz: china, open_h: 8, close_h: 20},\n"
        "                      service: {dist: deterministic, steps_min: {accept: 4}}}\n"
        "    routes:\n"
        "      export: {stages: [declaration, cn_acceptance]}\n"
        "      import: {stages: [cn_acceptance, declaration]}\n",
        encoding="utf-8",
    )
    sc_a, _ = load_scenario(BASELINE)
    sc_b, _ = load_scenario(extra)
    sa = summarize(run_replication(sc_a, 2, 0, 3)).set_index("gate")
    sb = summarize(run_replication(sc_b, 2, 0, 3)).set_index("gate")
    assert "extra_gate" in sb.index and sb.loc["extra_gate", "arrivals"] > 0
    cols = ["arrivals", "departures", "wait_mean_h", "revenue_vnd", "value_usd"]
    assert sa.loc[["tan_thanh", "huu_nghi", "coc_nam", "chi_ma"], cols].equals(
        sb.loc[["tan_thanh", "huu_nghi", "coc_nam", "chi_ma"], cols]
    )

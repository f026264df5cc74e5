"""Unit tests of the model's pieces: stage booking, arrivals, streams, variates."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from gatesim.model.arrivals import draw_arrivals, hourly_rates
from gatesim.model.build import gate_arrivals
from gatesim.model.calendar import Clock
from gatesim.model.stage import StageRuntime
from gatesim.model.streams import stream
from gatesim.model.trucks import draw_trucks, unit_variates
from gatesim.scenario.load import load_scenario
from gatesim.scenario.schema import CARGO_CLASSES, CHANNELS, DIRECTIONS

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline_2026.yaml"


def _stage(servers, opens=(0.0,), closes=(1e9,), always=True, cap=None):
    return StageRuntime(2, "s", servers, np.array(opens), np.array(closes), always, cap)


def test_single_server_fifo_recursion():
    st = _stage(1)
    assert st.book(0.0, 2.0) == 0.0
    assert st.book(1.0, 2.0) == 2.0  # waits for the first truck
    assert st.book(10.0, 1.0) == 10.0  # idle server starts at once


def test_multi_server_takes_earliest_free():
    st = _stage(2)
    assert [st.book(0.0, s) for s in (5.0, 1.0, 1.0)] == [0.0, 0.0, 1.0]


def test_unlimited_servers_never_wait():
    st = _stage(None)
    assert all(st.book(1.0, 100.0) == 1.0 for _ in range(50))


def test_closed_stage_starts_at_next_opening():
    st = _stage(1, opens=(7.0, 31.0), closes=(20.0, 44.0), always=False)
    assert st.book(3.0, 1.0) == 7.0
    assert st.book(20.0, 1.0) == 31.0  # closing instant: next day's opening
    assert st.book(50.0, 1.0) == math.inf  # never opens again in the horizon


def test_daily_capacity_moves_the_rest_to_the_next_day():
    st = _stage(None, opens=(7.0, 31.0), closes=(20.0, 44.0), always=False, cap=2)
    starts = [st.book(8.0, 0.1) for _ in range(5)]
    assert starts == [8.0, 8.0, 31.0, 31.0, math.inf]


def test_arrival_counts_follow_the_rates(baseline):
    clock = Clock.of(baseline, 25)  # with warm-up and drain: 29 Dec to 28 Jan, before the Tết rush
    rates = hourly_rates(baseline, "tan_thanh", clock)
    expected = rates.sum()
    counts = [draw_arrivals(rates, stream(1, r, "tan_thanh", "arrivals")).t_h.size for r in range(20)]
    # Poisson: sd = sqrt(mean); the mean of 20 draws is within 4 standard errors.
    assert abs(np.mean(counts) - expected) < 4 * math.sqrt(expected / 20)
    # F1: 670 trucks/day before seasons (January has none).
    assert rates.sum() / clock.n_days == pytest.approx(670, rel=1e-9)


def test_arrivals_sorted_and_within_their_hour(baseline):
    clock = Clock.of(baseline, 3)
    a = draw_arrivals(hourly_rates(baseline, "huu_nghi", clock), stream(2, 0, "huu_nghi", "arrivals"))
    assert np.all(np.diff(a.t_h) >= 0) and a.t_h.min() >= 0 and a.t_h.max() < clock.horizon_h
    assert set(np.unique(a.direction)) <= {0, 1} and set(np.unique(a.cargo)) <= {0, 1, 2}


def test_tet_closure_and_seasons_change_rates(baseline):
    clock = Clock.of(baseline, 70)  # to 11 March 2026
    rates = hourly_rates(baseline, "tan_thanh", clock).sum(axis=1).reshape(-1, 24).sum(axis=1)
    day = {clock.date_of_day(i).isoformat(): r for i, r in enumerate(rates)}
    assert day["2026-02-18"] == pytest.approx(670 * 0.05)  # closed for Tết
    assert day["2026-02-22"] == pytest.approx(670 * 0.4)  # pre-registered goods only
    assert day["2026-02-05"] == pytest.approx(670 * 1.2)  # pre-Tết rush


def test_streams_are_keyed_by_name_not_order():
    a = stream(5, 0, "tan_thanh", "arrivals").random(3)
    b = stream(5, 0, "tan_thanh", "arrivals").random(3)
    c = stream(5, 0, "tan_thanh", "channel").random(3)
    d = stream(5, 1, "tan_thanh", "arrivals").random(3)
    assert np.array_equal(a, b) and not np.array_equal(a, c) and not np.array_equal(a, d)


@pytest.mark.parametrize("dist,cv", [("exponential", 1.0), ("lognormal", 0.5), ("deterministic", 0.0)])
def test_unit_variates_have_mean_one(dist, cv):
    u = stream(1, 0, "x", dist).random(200_000)
    v = unit_variates(dist, cv, u)
    assert v.mean() == pytest.approx(1.0, rel=0.01)
    assert v.std() == pytest.approx(cv, rel=0.03, abs=1e-12)


def _plain_draw(scenario, gate_id, arrivals, seed, replication):
    """A gate's truck draws written plainly (a class at a time, a mean per truck, a binary
    search for the channel): what draw_trucks' vectorised forms must equal bit for bit."""
    gate = scenario.gates[gate_id]
    n = arrivals.t_h.size
    rng = lambda name: stream(seed, replication, gate_id, name)  # noqa: E731
    a = gate.arrivals
    edges = np.cumsum([a.channel_shares[c] for c in CHANNELS])[:-1]
    channel = np.searchsorted(edges, rng("channel").random(n), side="right").astype(np.uint8)
    transshipped = rng("transshipment").random(n) < a.transshipment_share
    cargo, direction = arrivals.cargo, arrivals.direction
    u = rng("value").random(n)
    value = np.empty(n)
    for ci, c in enumerate(CARGO_CLASSES):
        m = cargo == ci
        value[m] = unit_variates("lognormal", scenario.cargo[c].value_cv, u[m])
    value *= (
        np.array([scenario.cargo[c].value_usd_mean for c in CARGO_CLASSES])[cargo] * gate.value_multiplier
    )
    rate = np.array([[scenario.cargo[c].tax_rate[d] for c in CARGO_CLASSES] for d in DIRECTIONS])
    tax = value * scenario.economy.vnd_per_usd * rate[direction, cargo]
    infra = np.array([scenario.fees.infrastructure_vnd_per_trip[d] for d in DIRECTIONS])
    fee = infra[direction] + np.where(transshipped, scenario.fees.transshipment_vnd_per_truck, 0.0)
    service = {}
    for sid, st in gate.stages.items():
        if st.kind == "road":
            service[sid] = np.full(n, 1.0 / st.per_lane_vehicles_per_h)
            continue
        svc = st.service
        x = unit_variates(svc.dist, svc.cv, rng(f"service/{sid}").random(n))
        mean = np.full(n, svc.base_mean_min)
        if svc.transshipment_steps_min:
            mean += np.where(transshipped, svc.transshipment_mean_min, 0.0)
        if svc.by_channel_min is not None:
            mean += np.array([svc.by_channel_min[c] for c in CHANNELS])[channel]
        service[sid] = x * mean / 60.0
    return {
        "channel": channel,
        "transshipped": transshipped,
        "value_usd": value,
        "tax_vnd": tax,
        "fee_vnd": fee,
    }, service


@pytest.mark.parametrize(
    "overrides",
    [
        [],
        [
            "cargo.fruit.value_cv=0",
            "gates.tan_thanh.stages.handover.service.dist=deterministic",
            "gates.tan_thanh.stages.fees.service.dist=exponential",
        ],
    ],
    ids=["baseline", "cv-zero-deterministic-exponential"],
)
def test_truck_draws_equal_the_plain_formulas_bit_for_bit(overrides):
    scenario, _ = load_scenario(BASELINE, overrides)
    clock = Clock.of(scenario, 5)
    for gate_id in scenario.gates:
        arrivals = gate_arrivals(hourly_rates(scenario, gate_id, clock), clock, 3, 1, gate_id)
        trucks = draw_trucks(scenario, gate_id, arrivals, 3, 1)
        columns, service = _plain_draw(scenario, gate_id, arrivals, 3, 1)
        for name, plain in columns.items():
            assert np.array_equal(getattr(trucks, name), plain), (gate_id, name)
        assert list(trucks.service_h) == list(service)
        for sid, plain in service.items():
            assert np.array_equal(trucks.service_h[sid], plain), (gate_id, sid)
        # the kernel runs on the draw's own matrix: its rows are the columns, not copies
        matrix = trucks.service_matrix(list(service))
        assert all(np.shares_memory(matrix[i], trucks.service_h[sid]) for i, sid in enumerate(service))
    if overrides:  # a class with no spread: its values are its mean times the gate's multiplier
        fruit = arrivals.cargo == CARGO_CLASSES.index("fruit")
        assert fruit.any() and np.unique(trucks.value_usd[fruit]).size == 1

"""Folds taken a block of rows at a time (for memory) equal the whole-array folds exactly.

`projections/costs.weighted_area` gathers a row set's times, trucks and
weights a block at a time; carrying the running sum into each block must give
every partial sum bit for bit, whatever the block size. `base.rows_where` and
`GateView.stage_order` find row sets without whole-gate temporaries; they must
equal `np.flatnonzero` and a stable argsort.
"""

from __future__ import annotations

import numpy as np
import pytest

import gatesim.projections.base as base
import gatesim.projections.costs as costs


def _whole(t, truck, rows_sets, edges, weights):
    """The plain fold: one cumulative sum of the whole set per weight."""
    plus, minus = rows_sets
    out = [np.zeros(edges.size) for _ in weights]
    for sets, sign in ((plus, 1.0), (minus, -1.0)):
        for rows in sets:
            tr = t[rows]
            k = np.searchsorted(tr, edges, side="left")
            before = np.maximum(k - 1, 0)
            for acc, weight in zip(out, weights, strict=True):
                w = np.ones(tr.size) if weight is None else weight[truck[rows]]
                cw = np.where(k > 0, np.cumsum(w)[before], 0.0) if weight is not None else k.astype(float)
                cwt = np.where(k > 0, np.cumsum(tr * w)[before], 0.0)
                acc += sign * (edges * cw - cwt)
    return out


@pytest.mark.parametrize("block", [1, 7, 64, 1 << 18])
def test_blocks_give_the_whole_sets_sums_bit_for_bit(monkeypatch, block):
    rng = np.random.default_rng(5)
    n_rows, n_trucks = 3000, 400
    t = np.sort(rng.uniform(0, 200, n_rows))
    truck = rng.integers(0, n_trucks, n_rows).astype(np.int32)
    plus = np.sort(rng.choice(n_rows, 1200, replace=False)).astype(np.int32)
    minus = np.sort(rng.choice(n_rows, 900, replace=False)).astype(np.int32)
    edges = np.arange(0.0, 211.0)  # hours, some before the first row and after the last
    weights = [None, rng.uniform(0, 1, n_trucks), rng.lognormal(3, 1, n_trucks)]
    monkeypatch.setattr(costs, "_AREA_BLOCK", block)
    got = costs.weighted_area(t, truck, ((plus,), (minus,)), edges, weights)
    want = _whole(t, truck, ((plus,), (minus,)), edges, weights)
    for g, w in zip(got, want, strict=True):
        assert np.array_equal(g, w)
    assert got[0][-1] != 0  # not vacuous: the level has an area


def test_a_summary_window_uses_the_same_formula():
    rng = np.random.default_rng(6)
    t = np.sort(rng.uniform(0, 50, 500))
    truck = rng.integers(0, 50, 500).astype(np.int32)
    plus, minus = np.arange(0, 500, 2, dtype=np.int32), np.arange(1, 500, 2, dtype=np.int32)
    weights = [None, rng.uniform(0, 1, 50)]
    edges = np.array([10.0, 40.0])
    got = costs.weighted_area(t, truck, ((plus,), (minus,)), edges, weights)
    want = _whole(t, truck, ((plus,), (minus,)), edges, weights)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12)


@pytest.mark.parametrize("block", [1, 5, 1 << 20])
def test_rows_where_is_flatnonzero_as_int32(monkeypatch, block):
    monkeypatch.setattr(base, "FOLD_BLOCK", block)
    column = np.random.default_rng(7).integers(0, 6, 997).astype(np.uint8)
    for value in range(7):  # 6: a value that never occurs
        got = base.rows_where(column, value)
        assert got.dtype == np.int32
        assert np.array_equal(got, np.flatnonzero(column == value))


def test_stage_order_is_a_stable_argsort_of_the_stages():
    from gatesim.events.kinds import Kind
    from gatesim.events.log import LogData

    rng = np.random.default_rng(8)
    n = 2000
    kind = rng.choice([int(Kind.QUEUED), int(Kind.STARTED)], n).astype(np.uint8)
    stage = rng.integers(0, 9, n).astype(np.uint8)
    log = LogData(
        t_h=np.sort(rng.uniform(0, 10, n)),
        truck=rng.integers(0, 50, n).astype(np.int32),
        gate=np.zeros(n, np.uint8),
        stage=stage,
        kind=kind,
        payload={},
        meta={"gates": [{"id": "g", "stages": []}], "stages": []},
    )
    view = base.GateView(log, 0, log.meta["gates"][0])
    for k in (Kind.QUEUED, Kind.STARTED):
        order, bounds = view.stage_order(k)
        stages = stage[view.rows_of(k)]
        assert order.dtype == np.int32
        assert np.array_equal(order, np.argsort(stages, kind="stable"))
        assert np.array_equal(bounds, np.r_[0, np.cumsum(np.bincount(stages, minlength=256))])

"""The drain: days simulated after the window so that its last trucks finish."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gatesim.events.kinds import Kind
from gatesim.projections.base import gate_views
from gatesim.projections.kpis import summarize
from gatesim.projections.timeseries import timeseries
from gatesim.run import run_replication

# Integration (out of the quick tier): simulates the baseline over many days, with and without the drain.
pytestmark = pytest.mark.integration

WAITS = ["wait_mean_h", "wait_p95_h", "wait_max_h", "wait_left_out", "wait_approach_h"]
# over the same trucks as the waits (the window's arrivals that crossed): the drain counts more of them
WAITS += ["time_in_system_mean_h", "time_in_system_p95_h", "time_in_yard_mean_h"]


@pytest.fixture(scope="module")
def pair(baseline):
    no_drain = baseline.model_copy(
        update={"calendar": baseline.calendar.model_copy(update={"drain_days": 0})}
    )
    with_drain = baseline.model_copy(
        update={"calendar": baseline.calendar.model_copy(update={"drain_days": 3})}
    )
    return run_replication(no_drain, 4, 0, 11), run_replication(with_drain, 4, 0, 11)


def test_the_drain_changes_nothing_in_the_window_but_the_waits(pair):
    a, b = pair
    assert b.meta["horizon_h"] == a.meta["horizon_h"] + 72.0
    assert b.meta["window_end_h"] == a.meta["window_end_h"]
    sa, sb = summarize(a), summarize(b)
    others = [c for c in sa.columns if c not in WAITS and not c.startswith("wait_at_")]
    pd.testing.assert_frame_equal(sa[others], sb[others])
    pd.testing.assert_frame_equal(timeseries(a), timeseries(b))
    # the events up to the window's end are the same events
    w1 = a.meta["window_end_h"]
    for ga, gb in zip(gate_views(a), gate_views(b)):
        ka, kb = ga.t < w1, gb.t < w1
        assert np.array_equal(ga.t[ka], gb.t[kb])
        assert np.array_equal(ga.kind[ka], gb.kind[kb])
        trucks = ga.kind[ka] <= Kind.CROSSED  # not the calendar's rows (truck 0)
        assert np.array_equal(ga.truck[ka][trucks], gb.truck[kb][trucks] - _shift(a, b, ga.code))


def _shift(a, b, code: int) -> int:
    # truck ids are numbered gate after gate: the drain's trucks of earlier gates shift them
    first_a = [int(g.truck[g.kind == Kind.ARRIVED].min()) for g in gate_views(a)]
    first_b = [int(g.truck[g.kind == Kind.ARRIVED].min()) for g in gate_views(b)]
    return first_b[code] - first_a[code]


def test_the_drain_counts_the_window_s_last_trucks(pair):
    a, b = pair
    sa, sb = summarize(a), summarize(b)
    for (_, ra), (_, rb) in zip(sa.iterrows(), sb.iterrows()):
        assert ra["left_in_system"] > 0  # trucks were still inside at the window's end
        # their waits are now counted: the longest waiters, so the figures rise
        assert rb["wait_mean_h"] > ra["wait_mean_h"]
        assert rb["wait_max_h"] >= ra["wait_max_h"]
        # without a drain the trucks left in the system are exactly those left out of the waits
        assert ra["wait_left_out"] == ra["left_in_system"]
        assert rb["wait_left_out"] == 0
    for g in gate_views(b):
        w0, w1 = b.meta["window_start_h"], b.meta["window_end_h"]
        arrived = g.truck[(g.kind == Kind.ARRIVED) & (g.t >= w0) & (g.t < w1)]
        crossed = g.truck[g.kind == Kind.CROSSED]
        left_out = np.setdiff1d(arrived, crossed)
        # what 3 days of drain still leave out of the waits, in the baseline: nothing
        assert left_out.size == 0, (g.meta["id"], left_out.size)

"""Check 6: properties of random valid small scenarios (Hypothesis).

For any scenario the schema accepts (servers, hours in either time zone,
service means and laws, daily quotas, a yard or none, arrivals per day):
- conservation at every instant: arrivals so far = crossings so far +
  trucks in the system (those with an ARRIVED and no CROSSED yet);
- every truck's events are in route order and waits are non-negative;
- utilisation is within [0, 1];
- replay equality: the summary of the log read back from Parquet equals
  the live one.
Examples are few and runs tiny (1-2 days) to keep the default run short;
``derandomize`` makes the examples the same on every run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatesim.events.kinds import Kind
from gatesim.events.store import read_log, write_log
from gatesim.projections.kpis import summarize
from gatesim.run import run_replication
from tests.validation.vv_build import scenario_of, service_stage
from tests.validation.vv_measure import crossing_times

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# simulates the baseline or many random scenarios: integration, out of the quick tier
pytestmark = pytest.mark.integration


@st.composite
def hours(draw):
    open_h = draw(st.integers(0, 23))
    close_h = draw(st.integers(open_h + 1, 24))  # open_h == close_h (never open) is refused by the schema
    return {"tz": draw(st.sampled_from(["hanoi", "china"])), "open_h": open_h, "close_h": close_h}


@st.composite
def stage(draw):
    return service_stage(
        servers=draw(st.one_of(st.none(), st.integers(1, 4))),
        mean_min=draw(st.floats(0.5, 90.0)),
        dist=draw(st.sampled_from(["exponential", "deterministic", "lognormal"])),
        hours=draw(st.one_of(st.just({"tz": "hanoi", "open_h": 0, "close_h": 24}), hours())),
        daily_capacity=draw(st.one_of(st.none(), st.integers(1, 60))),
    )


@st.composite
def small_run(draw):
    n = draw(st.integers(1, 3))
    stages = {f"s{i}": draw(stage()) for i in range(n)}
    yard = draw(st.one_of(st.none(), st.integers(1, 15)))
    span = None
    if yard is not None:
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(i, n - 1))
        span = (f"s{i}", f"s{j}")
    sc = scenario_of(
        stages,
        per_day=draw(st.floats(0.0, 300.0)),
        warmup_days=draw(st.integers(0, 1)),
        yard_trucks=yard,
        yard_span=span,
    )
    return sc, draw(st.integers(1, 2)), draw(st.integers(0, 2**31))


def _check_log(sc, log):
    t, kind = log.t_h, log.kind
    assert np.all(np.diff(t) >= 0)
    # Conservation at every instant (after all events at that instant).
    a, c = crossing_times(log)
    times = np.unique(t)
    arrived_so_far = np.searchsorted(np.sort(t[kind == Kind.ARRIVED]), times, side="right")
    crossed_so_far = np.searchsorted(np.sort(t[kind == Kind.CROSSED]), times, side="right")
    a_sorted, c_sorted = np.sort(a), np.sort(c)
    in_system = np.searchsorted(a_sorted, times, side="right") - np.searchsorted(
        c_sorted, times, side="right"
    )
    np.testing.assert_array_equal(arrived_so_far, crossed_so_far + in_system)
    assert np.all(in_system >= 0)
    # Route order and non-negative waits, per truck.
    route = sc.gates["g"].routes["export"].stages
    codes = [log.meta["stages"].index(s) for s in route]
    trucks = kind != Kind.OPENED
    trucks &= kind != Kind.CLOSED
    df = pd.DataFrame(
        {"t": t[trucks], "truck": log.truck[trucks], "kind": kind[trucks], "stage": log.stage[trucks]}
    )
    for _, ev in df.groupby("truck", sort=False):
        k = ev["kind"].to_numpy()
        assert k[0] == Kind.ARRIVED
        assert np.sum(k == Kind.CROSSED) <= 1 and (k[-1] == Kind.CROSSED or Kind.CROSSED not in k)
        seen = ev[np.isin(k, [Kind.QUEUED, Kind.STARTED, Kind.ENDED])]
        for code in codes:
            s = seen[seen["stage"] == code].set_index("kind")["t"]
            if Kind.STARTED in s.index:
                assert s[Kind.STARTED] >= s[Kind.QUEUED]
            if Kind.ENDED in s.index:
                assert s[Kind.ENDED] >= s[Kind.STARTED]
        order = seen["stage"].to_numpy()
        assert list(dict.fromkeys(order.tolist())) == codes[: len(set(order.tolist()))]
    if np.any(kind == Kind.CROSSED):
        done = np.isfinite(c)
        assert np.all(c[done] >= a[done])


@SETTINGS
@given(small_run())
def test_random_scenarios_keep_the_invariants(run):
    sc, days, seed = run
    log = run_replication(sc, days, 0, seed)
    _check_log(sc, log)
    s = summarize(log)
    row = s.iloc[0]
    assert row["arrivals"] == row["departures"] + row["left_in_system"]
    for col in ("wait_mean_h", "wait_p95_h", "wait_max_h", "queue_mean", "queue_max"):
        assert np.isnan(row[col]) or row[col] >= 0, col
    for col in [c for c in s.columns if c.startswith("util_")]:
        u = row[col]
        assert np.isnan(u) or -1e-12 <= u <= 1 + 1e-9, (col, u)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rep_000.parquet"
        write_log(log, path)
        back = read_log(path)
    pd.testing.assert_frame_equal(summarize(back), s)
    for name in ("t_h", "truck", "gate", "stage", "kind"):
        np.testing.assert_array_equal(getattr(back, name), getattr(log, name))

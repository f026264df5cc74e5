"""The reference twin equals the fast engine on the cases the default tier must always check.

The baseline (today's rules), the Cobham case (an M/M/1 stage serving fruit first) and the
Erlang-A case (an M/M/3 stage whose trucks renege): every truck starts and ends every stage at
the same instant in both engines (to 1e-9 h) and ``summary.csv`` agrees to a relative 1e-9.
The Hypothesis search over random scenarios is in ``test_engine_twin.py`` (slow tier).
"""

from __future__ import annotations

from gatesim.events.kinds import Kind
from gatesim.scenario.load import validate
from tests.helpers.tiny import GATE, one_gate_data, service_stage
from tests.helpers.twin_compare import (
    assert_same,
    both_logs,
    compare_paths,
    per_truck_times,
    run_engine,
    short_data,
)

PER_DAY = 2400.0  # 100 trucks an hour, as the queueing-theory checks
LAM_H = PER_DAY / 24.0


def test_baseline_twin_matches_fast_engine(baseline):
    """The baseline's gates (one-day warm-up and drain, 2 days): today's rules, FIFO booking."""
    fast, twin = both_logs(validate(short_data(baseline)), 2, replication=0, seed=7)
    paths = per_truck_times(fast)
    # not vacuous: thousands of services, and trucks waited for an opening
    assert (paths["kind"] == Kind.STARTED).sum() > 1000
    assert (fast.kind == Kind.OPENED).sum() > 10
    assert_same(fast, twin)


def test_cobham_case_twin_matches_fast_engine():
    """M/M/1 at 80% load, half the trucks fruit served first (non-preemptive priority)."""
    stage = service_stage(1, 0.8 / LAM_H * 60.0)
    stage.update(discipline="priority", priority_by="cargo", priority_order=["fruit", "electronics", "other"])
    data = one_gate_data({"s": stage}, PER_DAY, warmup_days=1)
    data["gates"][GATE]["arrivals"]["cargo_mix"]["export"] = {"fruit": 0.5, "electronics": 0.0, "other": 0.5}
    fast, twin = both_logs(validate(data), 2, seed=21)
    assert (fast.kind == Kind.STARTED).sum() > 3000
    assert_same(fast, twin)


def test_erlang_a_case_twin_matches_fast_engine():
    """M/M/3 at 110% load with exponential patience (mean 0.1 h): trucks renege."""
    stage = service_stage(3, 1.1 * 3 / LAM_H * 60.0)
    stage["patience_h"] = {"dist": "exponential", "mean_h": 0.1}
    fast, twin = both_logs(validate(one_gate_data({"s": stage}, PER_DAY, warmup_days=1)), 2, seed=22)
    assert (fast.kind == Kind.RENEGED).sum() > 100  # the rule is in play
    assert_same(fast, twin)


def test_comparison_can_fail(baseline):
    """A twin with one server fewer somewhere is told apart."""
    data = short_data(baseline)
    fast = run_engine("fast", validate(data), 1, 0, 3)
    gate = next(iter(data["gates"].values()))
    sid = next(s for s, v in gate["stages"].items() if (v.get("servers") or 0) > 1)
    gate["stages"][sid]["servers"] -= 1
    twin = run_engine("reference", validate(data), 1, 0, 3)
    assert compare_paths(fast, twin) is not None

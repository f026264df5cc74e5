"""The compiled FIFO kernel against the SimPy booking engine and the twin.

The kernel must write the SimPy booking engine's event log bit for bit (the same
words and times, in the same order), and so equal the plain-SimPy twin per truck:
on the golden case and on random scenarios that use every FIFO feature (hours in
both time zones, daily quotas, unlimited servers, split road lanes, yards used by
one or both directions, travel, warm-up and drain, one or two gates, routing
rules, server schedules and outages).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatesim.events.kinds import Kind
from gatesim.events.log import EventLog
from gatesim.model.build import StagePath, build_replication
from gatesim.model.engines import engine_refusal, kernel_refusal, resolve_engine, run_engine
from gatesim.model.kernel_sim import GateArrays, simulate_kernel
from gatesim.model.reference import simulate_reference
from gatesim.model.simulate import simulate
from gatesim.model.stage_rows import stage_rows
from gatesim.scenario.load import load_scenario, validate
from tests.helpers.twin_compare import compare_paths, with_green_lane_and_reneging
from tests.properties.test_engine_twin import small_scenarios

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"


def _columns(log: EventLog) -> list[tuple[np.ndarray, np.ndarray]]:
    return [part.columns() for part in log._gates]


def assert_same_log(fast: EventLog, kernel: EventLog) -> None:
    """The same words and times in the same order, gate by gate, and the same payload."""
    a, b = _columns(fast), _columns(kernel)
    assert len(a) == len(b), (len(a), len(b))
    for g, ((ta, wa), (tb, wb)) in enumerate(zip(a, b)):
        assert wa.size == wb.size, f"gate {g}: {wa.size} words (fast) vs {wb.size} (kernel)"
        bad = np.flatnonzero(wa != wb)
        assert not bad.size, f"gate {g}: word {bad[0]} differs: {wa[bad[0]]:#x} vs {wb[bad[0]]:#x}"
        assert ta.size == tb.size, f"gate {g}: {ta.size} times (fast) vs {tb.size} (kernel)"
        # bit for bit: the same doubles, not merely close ones
        bad = np.flatnonzero(ta.view(np.int64) != tb.view(np.int64))
        assert not bad.size, f"gate {g}: time {bad[0]} differs: {ta[bad[0]]!r} vs {tb[bad[0]]!r}"
    for pa, pb in zip(fast._payload, kernel._payload):
        for k in pa:
            assert np.array_equal(pa[k], pb[k]), k


def three_engines(scenario, days: int, seed: int) -> None:
    """kernel = fast (bit for bit) and kernel = twin (per truck, 1e-9 h)."""
    fast, meta_f = simulate(scenario, days, 0, seed)
    kernel, meta_k = simulate_kernel(scenario, days, 0, seed)
    assert meta_f == meta_k
    assert_same_log(fast, kernel)
    twin, meta_t = simulate_reference(scenario, days, 0, seed)
    msg = compare_paths(kernel.decode(dict(meta_k)), twin.decode(dict(meta_t)))
    assert msg is None, msg


def with_fruit_lane(scenario):
    """Tân Thanh's acceptance with a second lane on the run's first days (the fit's fruit-season
    choice, moved to the run's dates), none over lunch, and random outages: a timed stage."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    stage = data["gates"]["tan_thanh"]["stages"]["cn_acceptance"]
    stage["server_schedule"] = [
        {"start": "2025-12-29", "end": "2026-01-01", "servers": 2},
        {"from_h": 12, "to_h": 13, "servers": 0},
    ]
    stage["random_outages"] = {"rate_per_day": 1.0, "duration_h": {"dist": "exponential", "mean_h": 0.5}}
    return validate(data)


@pytest.fixture(scope="module")
def baseline():
    scenario, _ = load_scenario(BASELINE)
    return scenario


def test_golden_case_kernel_log_is_the_fast_engines_bit_for_bit(baseline):
    """The golden run's scenario and seed (3 days after the warm-up, 2 replications)."""
    for r in range(2):
        fast, _ = simulate(baseline, 3, r, 20260101)
        kernel, _ = simulate_kernel(baseline, 3, r, 20260101)
        assert len(kernel) > 100_000  # not vacuous: every gate and stage, yards, both directions
        words = np.concatenate([w for _, w in _columns(kernel)])
        kinds = words & 0x7F
        for kind in (Kind.YARD_IN, Kind.YARD_OUT, Kind.OPENED, Kind.CLOSED):
            assert (kinds == kind).any(), kind.name
        assert_same_log(fast, kernel)


def test_progress_reports_every_day_in_order_and_leaves_the_log_unchanged(baseline):
    days_seen: list[tuple[int, int]] = []
    quiet, _ = simulate_kernel(baseline, 2, 0, 5)
    told, _ = simulate_kernel(baseline, 2, 0, 5, on_day=lambda k, n: days_seen.append((k, n)))
    n = days_seen[-1][1]
    assert n >= 5 and days_seen == [(k, n) for k in range(1, n + 1)]
    assert_same_log(quiet, told)


def test_a_gate_run_in_day_steps_writes_the_same_log(baseline):
    """The kernel stops before ``until`` and goes on from its state: the same log as one run
    (Tân Thanh, with the fruit season's extra acceptance lane: a timed stage)."""
    scenario = with_fruit_lane(baseline)
    plan = build_replication(scenario, 2, 0, 5)
    horizon = plan.clock.horizon_h
    rows = stage_rows(plan)[0]
    gp = plan.gates[0]
    assert any(sp.path == StagePath.TIMED for sp in gp.stages.values())
    whole, stepped = EventLog(), EventLog()
    gate = GateArrays(gp, rows, horizon)
    gate.run(horizon)
    gate.hand_over(whole)
    plan = build_replication(scenario, 2, 0, 5)  # the arrays took the trucks' service columns
    gate = GateArrays(plan.gates[0], rows, horizon)
    for k in range(1, int(horizon // 24) + 1):
        gate.run(24.0 * k)
    gate.run(horizon)
    gate.hand_over(stepped)
    assert len(whole) > 10_000
    assert_same_log(whole, stepped)


def test_comparison_can_fail(baseline):
    """One server fewer at one stage is told apart."""
    data = baseline.model_dump(mode="json", exclude_none=True)
    fast, _ = simulate(baseline, 1, 0, 3)
    gate = data["gates"]["huu_nghi"]
    sid = next(s for s, v in gate["stages"].items() if (v.get("servers") or 0) > 1)
    gate["stages"][sid]["servers"] -= 1
    kernel, _ = simulate_kernel(validate(data), 1, 0, 3)
    with pytest.raises(AssertionError):
        assert_same_log(fast, kernel)


def test_auto_picks_the_kernel_only_where_it_can_run(baseline):
    assert kernel_refusal(baseline) is None
    assert resolve_engine(baseline, "auto") == "kernel"
    ruled = with_green_lane_and_reneging(baseline)
    reason = kernel_refusal(ruled)
    assert reason is not None and "state-dependent rule" in reason
    assert resolve_engine(ruled, "auto") == "fast"
    assert engine_refusal(ruled, "kernel") == reason
    with pytest.raises(ValueError, match="state-dependent"):
        run_engine("kernel", ruled, 1, 0, 1)
    assert engine_refusal(baseline, "warp") is not None


def test_cli_engine_kernel_refuses_a_ruled_scenario_in_one_line(tmp_path):
    from click.testing import CliRunner

    from gatesim.cli import main

    args = ["run", str(BASELINE), "--days", "1", "-r", "1", "-q", "--no-events", "--engine", "kernel"]
    args += ["--set", "gates.tan_thanh.stages.declaration.discipline=priority"]
    args += ["--set", "gates.tan_thanh.stages.declaration.priority_by=cargo"]
    args += ["--set", "gates.tan_thanh.stages.declaration.priority_order=[fruit,electronics,other]"]
    res = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "x")])
    assert res.exit_code == 2, res.output
    assert "state-dependent rule" in res.output and len(res.output.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


@pytest.mark.integration
def test_cli_golden_run_kernel_and_fast_write_the_same_files(tmp_path):
    """The golden command on both engines: summary, CI and hourly tables byte for byte."""
    from click.testing import CliRunner

    from gatesim.cli import main

    common = ["run", str(BASELINE), "--days", "3", "-r", "2", "--seed", "20260101", "--no-events", "-q"]
    for engine in ("fast", "kernel", "auto"):
        res = CliRunner().invoke(main, [*common, "--engine", engine, "--out", str(tmp_path / engine)])
        assert res.exit_code == 0, res.output
    for name in ("summary.csv", "summary_ci.csv", "timeseries.csv"):
        fast = (tmp_path / "fast" / name).read_bytes()
        assert (tmp_path / "kernel" / name).read_bytes() == fast, name
        assert (tmp_path / "auto" / name).read_bytes() == fast, name


def _with_tight_yard_and_quota(data: dict) -> dict:
    """A scenario where the yard fills and daily quotas bind (spillback, quota rollover)."""
    data = copy.deepcopy(data)
    gate = data["gates"]["g"]
    gate["yard"] = {"capacity_trucks": 3, "used_by": ["export", "import"]}
    gate["routes"]["export"].update(yard_from="decl", yard_until="accept")
    gate["routes"]["import"].update(yard_from="release", yard_until="decl")
    gate["stages"]["accept"]["daily_capacity"] = 40
    return data


def test_a_timed_stage_runs_on_the_kernel_bit_for_bit():
    """Server schedule and outages: the kernel runs them (auto picks it) and writes the booking
    engine's log bit for bit, the SERVERS and OUTAGE rows and their counts included."""
    scenario, _ = load_scenario(BASELINE)
    scenario = with_fruit_lane(scenario)
    assert kernel_refusal(scenario) is None and resolve_engine(scenario, "auto") == "kernel"
    fast, meta_f = simulate(scenario, 3, 0, 17)
    kernel, meta_k = simulate_kernel(scenario, 3, 0, 17)
    assert meta_f == meta_k
    assert_same_log(fast, kernel)
    kinds = fast.gate(0).columns()[1] & 0x7F
    assert (kinds == Kind.SERVERS).sum() > 3 and (kinds == Kind.OUTAGE_START).sum() > 0
    assert list(fast.gate(0).servers) == list(kernel.gate(0).servers)


def test_yard_spillback_and_quotas_match():
    """A fixed case where trucks wait on the approach and quotas roll over to the next day."""
    from tests.properties.test_engine_twin import _BASE, START

    data = copy.deepcopy(_BASE)
    data["calendar"] = {"start_date": START, "warmup_days": 1, "drain_days": 1}
    service = {"dist": "exponential", "cv": 1.0, "steps_min": {"s": 20.0}}
    hours = {"tz": "china", "open_h": 8, "close_h": 18}
    data["gates"] = {
        "g": {
            "name": "g",
            "arrivals": {
                "per_day": 150.0,
                "export_share": 0.6,
                "cargo_mix": {
                    "export": {"fruit": 0.5, "electronics": 0.3, "other": 0.2},
                    "import": {"fruit": 0.2, "electronics": 0.4, "other": 0.4},
                },
                "channel_shares": {"green": 0.6, "yellow": 0.3, "red": 0.1},
                "transshipment_share": 0.5,
                "hourly_profile": [1.0] * 24,
                "weekday_profile": [1.0] * 7,
            },
            "stages": {
                "decl": {"role": "declaration", "servers": 2, "service": service, "travel_min": 15.0},
                "road": {
                    "kind": "road",
                    "per_lane_vehicles_per_h": 12.0,
                    "lanes_by_direction": {"export": 1, "import": 2},
                },
                "accept": {"role": "acceptance", "servers": 3, "hours": hours, "service": service},
                "release": {"role": "release", "servers": None, "hours": hours, "service": service},
            },
            "routes": {
                "export": {"stages": ["decl", "road", "accept"]},
                "import": {"stages": ["release", "road", "decl"]},
            },
        }
    }
    scenario = validate(_with_tight_yard_and_quota(data))
    fast, _ = simulate(scenario, 2, 0, 9)
    kinds = np.concatenate([w for _, w in _columns(fast)]) & 0x7F
    assert (kinds == Kind.BLOCKED).sum() > 10  # the approach is used
    three_engines(scenario, 2, seed=9)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=small_scenarios(with_rules=False, timed=True), seed=st.integers(0, 2**32 - 1))
def test_random_fifo_scenarios_kernel_matches_fast_and_twin(scenario, seed):
    three_engines(scenario, 2, seed)


@pytest.mark.slow
@pytest.mark.timeout(3600)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=small_scenarios(with_rules=False, timed=True), seed=st.integers(0, 2**32 - 1))
def test_random_fifo_scenarios_kernel_matches_fast_and_twin_many(scenario, seed):
    three_engines(scenario, 3, seed)

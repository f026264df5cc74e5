"""The run-time estimate `gatesim answer` announces follows the engine each run will use."""

from __future__ import annotations

import pytest

from gatesim.answer import plan as plan_mod
from gatesim.answer.plan import ENGINE_SPEEDUP, estimate_seconds, make_plan, run_engines
from gatesim.answer.words import engine_words


@pytest.fixture(scope="module")
def plan():
    return make_plan(["scenarios/tan_thanh_8_lanes.yaml"], None, None, 4, 6, 2, None)


def test_runs_per_engine_add_up_and_the_kernel_runs_the_baseline(plan):
    engines = run_engines(plan)
    assert sum(engines.values()) == plan.runs
    assert engines.get("kernel", 0) >= 2 * 2  # the calibrated baseline and the proposal, 2 replications


def test_the_estimate_is_smaller_on_the_kernel_by_its_measured_speed(plan, monkeypatch):
    auto = estimate_seconds(plan, 2)
    import gatesim.model.engines as engines

    monkeypatch.setattr(engines, "resolve_engine", lambda sc, engine: "fast")
    simpy_only = estimate_seconds(plan, 2)
    monkeypatch.setattr(engines, "resolve_engine", lambda sc, engine: "kernel")
    kernel_only = estimate_seconds(plan, 2)
    assert kernel_only < auto <= simpy_only
    per_run = (simpy_only * 2 - plan.runs * plan_mod.SECONDS_PER_RUN) / plan.runs
    kernel_per_run = (
        (kernel_only - plan_mod.KERNEL_START_S) * 2 - plan.runs * plan_mod.SECONDS_PER_RUN
    ) / plan.runs
    assert per_run / kernel_per_run == pytest.approx(ENGINE_SPEEDUP["kernel"])


def test_the_announcement_names_the_engines_in_both_languages():
    assert engine_words({"kernel": 24}, "en") == "the compiled kernel"
    assert (
        engine_words({"kernel": 24, "fast": 20}, "en") == "the compiled kernel (24) and the SimPy engine (20)"
    )
    assert engine_words({"kernel": 24, "fast": 20}, "vi") == "lõi biên dịch (24) và bộ mô phỏng SimPy (20)"

"""A corridor on the compiled kernel: its decisions on SimPy, its gates on the kernel.

The log must be the SimPy booking engine's bit for bit (the same words and times in the
same order: the corridor's rows among the gates' events, and every decision reading the
gates' state at its instant), and so equal the plain-SimPy twin per truck: on every
shipped corridor scenario and on small corridors drawn by Hypothesis (choice, metering,
staging yards, booking, stops).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatesim.events.kinds import Kind
from gatesim.model.engines import kernel_refusal, resolve_engine
from gatesim.model.kernel_sim import simulate_kernel
from gatesim.model.reference import simulate_reference
from gatesim.model.simulate import simulate
from gatesim.scenario.load import load_scenario, validate
from tests.helpers.twin_compare import compare_paths
from tests.properties.test_engine_kernel import assert_same_log
from tests.properties.test_engine_twin_corridor import METER, SHORT, corridors

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p.name for p in (ROOT / "scenarios").glob("corridor_*.yaml") if "priors" not in p.name)


def kernel_equals_fast(scenario, days: int, seed: int, twin: bool = False):
    """The kernel's log is the fast engine's bit for bit (and the twin's per truck)."""
    assert kernel_refusal(scenario) is None and resolve_engine(scenario, "auto") == "kernel"
    fast, meta_f = simulate(scenario, days, 0, seed)
    kernel, meta_k = simulate_kernel(scenario, days, 0, seed)
    assert meta_f == meta_k
    assert_same_log(fast, kernel)
    data = kernel.decode(dict(meta_k))
    if twin:
        other, meta_t = simulate_reference(scenario, days, 0, seed)
        msg = compare_paths(data, other.decode(dict(meta_t)))
        assert msg is None, msg
    return data


def test_every_shipped_corridor_scenario_is_a_case():
    assert len(SHIPPED) >= 7


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_corridor_scenarios_kernel_equals_fast(name):
    sc, _ = load_scenario(ROOT / "scenarios" / name, SHORT)
    data = kernel_equals_fast(sc, 2, seed=5)
    assert (data.kind == Kind.DEPARTED).sum() > 100 and (data.kind == Kind.CROSSED).sum() > 100


def test_metering_and_booking_read_the_gates_at_their_instant():
    """Meters that hold trucks on the gates' yards, and booked slots: the decisions read the
    kernel's state, and the twin agrees truck by truck."""
    sc, _ = load_scenario(ROOT / "scenarios" / "corridor_booking.yaml", [*SHORT, METER])
    data = kernel_equals_fast(sc, 2, seed=3, twin=True)
    for kind in (Kind.BOOKED, Kind.HELD, Kind.RELEASED):
        assert (data.kind == kind).any(), kind


def test_a_timed_stage_keeps_a_corridor_on_simpy():
    """In a corridor a server schedule takes the general path (the gate choice reads its
    queue's estimate): the kernel refuses the scenario, ``auto`` runs it on SimPy."""
    sc, _ = load_scenario(ROOT / "scenarios" / "corridor_2026.yaml", SHORT)
    data = sc.model_dump(mode="json", exclude_none=True)
    data["gates"]["tan_thanh"]["stages"]["cn_acceptance"]["server_schedule"] = [
        {"from_h": 12, "to_h": 13, "servers": 0}
    ]
    ruled = validate(data)
    reason = kernel_refusal(ruled)
    assert reason is not None and "server schedule" in reason and "corridor" in reason
    assert resolve_engine(ruled, "auto") == "fast"
    with pytest.raises(ValueError, match="server schedule"):
        simulate_kernel(ruled, 1, 0, 1)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=corridors(rules=False), seed=st.integers(0, 2**16))
def test_small_corridors_kernel_equals_fast_and_twin(data, seed):
    kernel_equals_fast(validate(data), 1, seed, twin=True)


@pytest.mark.slow
@pytest.mark.timeout(3600)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=corridors(rules=False), seed=st.integers(0, 2**16))
def test_small_corridors_kernel_equals_fast_and_twin_many(data, seed):
    kernel_equals_fast(validate(data), 2, seed, twin=True)

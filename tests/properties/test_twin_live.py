"""The twin's live state equals the fast engine's at the same instants.

Queued and in-service trucks per stage, the yard and its approach, and the wait
a truck joining a stage now can expect: ``LiveState`` on the fast engine,
``TwinLiveState`` read from the twin's SimPy resources. Sampled at instants
off the grid of opening hours and deterministic services (a tie with a truck's
event would count it before it acts in one engine and after in the other).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from gatesim.model.live import LiveState
from gatesim.model.reference import simulate_reference
from gatesim.model.reference_live import TwinLiveState
from gatesim.model.simulate import simulate
from gatesim.scenario.load import load_scenario, validate
from tests.helpers.twin_compare import short_data, with_green_lane_and_reneging

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PROBES = [5.1234567 + 0.5 * i for i in range(90)]


def _figures(live, scenario, now: float) -> dict:
    out: dict = {}
    for gid, gate in scenario.gates.items():
        out[(gid, "yard")] = (live.in_yard(gid), live.on_approach(gid))
        for sid in gate.stages:
            out[(gid, sid)] = (
                live.queued(gid, sid),
                live.in_service(gid, sid),
                live.expected_wait_h(gid, sid),
            )
    return out


def _sampled(scenario, days: int) -> tuple[list, list]:
    seen: dict[str, list] = {"fast": [], "twin": []}

    def attach(engine: str, make):
        def on_build(gates):
            live = make(gates)
            env = next(iter(gates.values())).env

            def probe():
                for t in PROBES:
                    yield env.timeout(t - env.now)
                    seen[engine].append(_figures(live, scenario, env.now))

            env.process(probe())

        return on_build

    simulate(scenario, days, 0, 5, on_build=attach("fast", LiveState))
    simulate_reference(scenario, days, 0, 5, on_build=attach("twin", TwinLiveState))
    return seen["fast"], seen["twin"]


@pytest.mark.parametrize("case", ["corridor_booking", "green_lane_reneging"])
def test_twin_live_state_equals_the_fast_engines(case):
    if case == "corridor_booking":
        meter = "corridor.metering={tan_thanh: {yard_max_trucks: 10}, huu_nghi: {yard_max_trucks: 10}}"
        sc, _ = load_scenario(
            ROOT / "scenarios" / "corridor_booking.yaml",
            ["calendar.warmup_days=1", "calendar.drain_days=1", meter],
        )
    else:
        base, _ = load_scenario(ROOT / "scenarios" / "baseline_2026.yaml")
        sc = with_green_lane_and_reneging(validate(short_data(base)), patience_mean_h=2.0)
    fast, twin = _sampled(sc, 2)
    assert len(fast) == len(twin) == len(PROBES)
    waiting = 0
    for t, a, b in zip(PROBES, fast, twin):
        for place, x in a.items():
            y = b[place]
            assert x[:2] == y[:2], (t, place, x, y)
            if len(x) == 3:
                assert (math.isinf(x[2]) and math.isinf(y[2])) or abs(x[2] - y[2]) < 1e-9, (t, place, x, y)
                waiting += x[0]
    assert waiting > 0  # queues were there to count

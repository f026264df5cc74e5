"""The twin's wake-ups land exactly on their instant, even where no single delay from now does."""

from __future__ import annotations

import math

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from gatesim.model.reference_stages import TruckWakeup, delay_to

# From 0.2499... no delay lands on 1.7122...: round-half-even steps over it from both sides.
NOW, AT = 0.24993942904539856, 1.7122467523564093


def _woken_at(now: float, at: float) -> float:
    env = simpy.Environment(initial_time=now)
    woken: list[float] = []

    def truck(env: simpy.Environment):
        yield TruckWakeup(env, at, 7)
        woken.append(env.now)

    env.process(truck(env))
    env.run()
    return woken[0]


def test_no_single_delay_lands_there_but_the_wakeup_does():
    assert delay_to(NOW, AT) is None
    assert all(NOW + d != AT for d in (AT - NOW, math.nextafter(AT - NOW, 0), math.nextafter(AT - NOW, 9)))
    assert _woken_at(NOW, AT) == AT


def test_ties_keep_truck_order_after_a_detour():
    """A truck woken through intermediate hops still acts in truck-id order at its instant."""
    env = simpy.Environment(initial_time=NOW)
    order: list[int] = []

    def truck(env: simpy.Environment, k: int, start: float):
        yield env.timeout(start - env.now)
        yield TruckWakeup(env, AT, 100 + k)
        order.append(k)

    env.process(truck(env, 2, NOW))  # goes the long way round
    env.process(truck(env, 1, 1.0))  # lands directly (Sterbenz)
    env.run()
    assert order == [1, 2]


@settings(max_examples=300, deadline=None)
@given(now=st.floats(0, 1e4), gap=st.floats(0, 1e4))
def test_a_wakeup_lands_exactly_on_its_instant(now, gap):
    at = now + gap
    assert _woken_at(now, at) == at

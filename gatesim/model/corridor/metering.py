"""Metering: a gate's trucks are held at their origin while the gate is full.

A truck that uses the gate's yard is sent only while one more truck on its
way keeps the gate within the thresholds: trucks on the approach road (waiting
for a yard slot) plus those on their way at most ``approach_max_trucks`` more
than the free yard slots; trucks in the yard, on the approach and on their way
at most ``yard_max_trucks``. Held trucks leave in the order they were held,
checked every ``check_every_h``.
"""

from __future__ import annotations

from collections import deque

from gatesim.model.sources import FedGate
from gatesim.scenario.corridor import Metering

__all__ = ["Meter"]


class Meter:
    """One metered gate: its rule, its held trucks, and its trucks on their way."""

    def __init__(self, rule: Metering, gate: FedGate) -> None:
        self.rule = rule
        self.gate = gate
        self.held: deque[int] = deque()  # truck ids, in the order they were held
        self.en_route = 0  # yard users sent to the gate, not arrived yet

    def room(self) -> bool:
        """True if one more truck sent now keeps the gate within its thresholds."""
        m, gate = self.rule, self.gate
        on_approach = len(gate.waiters)
        coming = self.en_route + 1
        if (
            m.approach_max_trucks is not None
            and on_approach + coming > m.approach_max_trucks + gate.yard_free
        ):
            return False
        if m.yard_max_trucks is not None:
            in_yard = gate.yard_capacity - gate.yard_free
            if in_yard + on_approach + coming > m.yard_max_trucks:
                return False
        return True

    def must_hold(self) -> bool:
        """A yard user deciding now waits: trucks held before it, or no room."""
        return bool(self.held) or not self.room()

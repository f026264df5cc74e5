"""Metering: a gate's trucks are held at their origin while the gate is full.

A truck that uses the gate's yard is sent only while one more truck on its
way keeps the gate within the thresholds: trucks on the approach road (waiting
for a yard slot) plus those on their way at most ``approach_max_trucks`` more
than the free yard slots; trucks in the yard, on the approach and on their way
at most ``yard_max_trucks``. Held trucks leave in the order they were held,
checked every ``check_every_h``.

With ``staging`` (platform dispatch), a held truck takes a place in the first
staging yard with one free, or waits at its origin when every yard is full; the
release is decided as without staging, and a truck called from a yard is counted
as on its way (``called``) during the call-forward lead time before it sets off.
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
        self.called = 0  # trucks called from a staging yard, within their lead time
        staging = rule.staging
        self.capacity = [y.capacity_trucks for y in staging.yards] if staging is not None else []
        self.staged = [0] * len(self.capacity)  # trucks in each staging yard
        self.place: dict[int, int] = {}  # truck -> its staging yard

    def stage(self, k: int) -> int | None:
        """Put a held truck in the first staging yard with a free place; None: all full."""
        for y, (n, cap) in enumerate(zip(self.staged, self.capacity)):
            if n < cap:
                self.staged[y] += 1
                self.place[k] = y
                return y
        return None

    def unstage(self, k: int) -> int | None:
        """Free the truck's staging place (None: it waited at its origin)."""
        y = self.place.pop(k, None)
        if y is not None:
            self.staged[y] -= 1
        return y

    def room(self) -> bool:
        """True if one more truck sent now keeps the gate within its thresholds."""
        m, gate = self.rule, self.gate
        on_approach = len(gate.waiters)
        coming = self.en_route + self.called + 1
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

"""Cargo stops: a gate stops taking a cargo class for a while (e.g. a fruit ban)."""

from __future__ import annotations

from typing import NamedTuple

from gatesim.model.calendar import Clock
from gatesim.scenario.corridor import Stop
from gatesim.scenario.schema import CARGO_CLASSES

__all__ = ["CargoStops"]


class CargoStop(NamedTuple):
    gate: int  # index into the corridor's gates
    cargo: int  # index into CARGO_CLASSES
    start_h: float  # sim hours, [start, end)
    end_h: float


class CargoStops:
    """The corridor's stops, in sim hours."""

    def __init__(self, stops: list[Stop], gate_ids: list[str], clock: Clock) -> None:
        self.stops = [
            CargoStop(
                gate_ids.index(s.gate),
                CARGO_CLASSES.index(s.cargo),
                clock.hours_of(s.start),
                clock.hours_of(s.end),
            )
            for s in stops
        ]

    def __bool__(self) -> bool:
        return bool(self.stops)

    def until(self, gi: int, cargo: int, now: float) -> float:
        """End of a stop of ``cargo`` at gate ``gi`` in force now (0 if none)."""
        end = 0.0
        for g, c, t0, t1 in self.stops:
            if g == gi and c == cargo and t0 <= now < t1:
                end = max(end, t1)
        return end

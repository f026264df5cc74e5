"""Booking slots at a gate: a truck that books takes the first hour with a free slot.

A gate's slots are ``slots_per_h`` per hour of its booking window
(``from_h``-``to_h``, Hanoi time); a truck books the first such hour at least
``lead_h`` plus its travel ahead, and arrives within it. Whether a truck books
(and shows up) is decided by its own uniforms up front; a no-show walks in like
any other truck: its slot is lost, so a no-show rate of 1 is exactly the
walk-in-only corridor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from gatesim.model.general import GeneralStage
from gatesim.model.trucks import Trucks
from gatesim.scenario.corridor import Booking
from gatesim.scenario.schema import Gate

__all__ = ["SlotBook", "booked_ranks", "books_mask", "slot_meta"]


class BookedRank(NamedTuple):
    """A stage that serves booked trucks first: the rank a booking gives, and the stage's queue."""

    stage_id: str
    rank: int
    stage: object  # the stage's runtime: a GeneralStage keeps its own copy of the ranks


def booked_ranks(gate: Gate, stages: Mapping[tuple[str, str], object]) -> list[BookedRank]:
    """The gate's stages that rank their queue by booking (``priority_by: booked``)."""
    return [
        BookedRank(sid, st.priority_order.index("booked"), stages[(sid, "export")])
        for sid, st in gate.stages.items()
        if st.discipline == "priority" and st.priority_by == "booked" and st.priority_order is not None
    ]


class SlotBook:
    """One gate's booking slots, and which trucks book them."""

    def __init__(
        self,
        rule: Booking,
        horizon_h: float,
        books: np.ndarray,
        trucks: Trucks,
        ranks: list[BookedRank],
    ) -> None:
        self.rule = rule
        self.horizon_h = horizon_h
        self.books = books  # per truck: it books (and shows up)
        self.used: dict[int, int] = {}  # sim hour -> slots booked
        self._trucks = trucks
        self._ranks = ranks

    def take(self, k: int, now: float, travel_h: float) -> int | None:
        """Book truck ``k``'s slot: the first hour with a free slot it can reach (None if none is left)."""
        b = self.rule
        h = math.ceil(now + b.lead_h + travel_h)
        used = self.used
        while h < self.horizon_h:
            if b.from_h <= h % 24 < b.to_h and used.get(h, 0) < b.slots_per_h:
                break
            h += 1
        else:
            return None
        used[h] = used.get(h, 0) + 1
        for sid, rank, stage in self._ranks:  # served first where a stage ranks by booking
            self._trucks.rank[sid][k] = rank  # the payload's priority column
            if isinstance(stage, GeneralStage):
                stage.set_rank(k, rank)  # the queue keeps its own copy of the ranks
        return h


def books_mask(rule: Booking | None, u_booking: np.ndarray, u_no_show: np.ndarray) -> np.ndarray | None:
    """Per truck: it books at this gate and shows up (None: the gate takes no bookings)."""
    if rule is None:
        return None
    return (u_booking < rule.share_booking) & (u_no_show >= rule.no_show)


def slot_meta(booking: dict[str, Booking], window_h: tuple[float, float]) -> dict:
    """Slots offered in the window and per hour of the day, per gate (the run's metadata)."""
    w0, w1 = window_h
    return {
        "slots_in_window": {
            g: b.slots_per_h * sum(1 for h in range(int(w0), int(w1)) if b.from_h <= h % 24 < b.to_h)
            for g, b in booking.items()
        },
        # slots offered in each hour of the day (the hourly slot_use's denominator)
        "slots_per_hour_of_day": {
            g: [b.slots_per_h if b.from_h <= h < b.to_h else 0 for h in range(24)] for g, b in booking.items()
        },
    }

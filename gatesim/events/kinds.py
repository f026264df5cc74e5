"""The event kinds of the log, and how one row is packed while running."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Kind", "NO_STAGE", "NO_TRUCK", "YARD_STAGE", "pack"]


class Kind(IntEnum):
    ARRIVED = 0  # truck reaches the gate area; carries the truck's attributes
    BLOCKED = 1  # yard full: the truck waits on the road approach (spillback)
    YARD_IN = 2  # truck takes a yard slot
    QUEUED = 3  # truck joins a stage's queue
    STARTED = 4  # service starts at a stage
    ENDED = 5  # service ends at a stage
    YARD_OUT = 6  # truck frees its yard slot
    CROSSED = 7  # truck leaves the system (handed over / released)
    OPENED = 8  # a stage opens (calendar)
    CLOSED = 9  # a stage closes (calendar)
    # (append only, never renumber):
    RENEGED = 10  # truck gives up waiting in a stage's queue and leaves the system
    SERVERS = 11  # servers on duty at a stage change (schedule, surge); value in the log's ``servers``
    OUTAGE_START = 12  # a stage's outage starts: no service starts until OUTAGE_END
    OUTAGE_END = 13
    # the corridor (append only; logged in the chosen gate's part, stage NO_STAGE):
    HELD = 14  # truck held at its origin / buffer parking for the gate (metering, cargo stop)
    RELEASED = 15  # a held truck is released (it departs, or chooses again after a stop)
    DEPARTED = 16  # truck leaves its origin for the gate (arrives after the travel time)
    BOOKED = 17  # truck books a slot at the gate (it departs to arrive within the slot's hour)
    # the smart gate (append only; gatesim/scenario/smart.py):
    AGV_RETURNED = (
        18  # an automated vehicle is free again (cycle and charging done; truck NO_TRUCK, the lane's stage)
    )
    BUFFER_FULL = 19  # a truck queued at a buffer's from_stage finds the buffer full and waits for a place
    BUFFER_IN = 20  # the truck takes a place in the buffer (at the from_stage)
    BUFFER_OUT = 21  # the truck frees its place (its service starts at the until_stage, or it gives up)
    # platform dispatch (append only; the corridor's metering ``staging``; gate part, stage NO_STAGE):
    STAGED = 22  # a held truck takes a place in a staging yard (logged right after HELD)
    CALLED = 23  # a released truck leaves its staging yard (it sets off after the call-forward lead time)
    STAGING_FULL = 24  # every staging yard is full: the held truck waits at its origin


# Stage codes 0 and 1 are reserved; a scenario's stages are numbered from 2.
NO_STAGE = 0
YARD_STAGE = 1
# The truck id of stage-level events (opened, closed, servers, outages): truck ids start
# at 0, so 0 would name a real truck. Packed as a negative word, decoded back to -1 by the
# arithmetic shift (``word >> 24``).
NO_TRUCK = -1


def pack(truck: int, gate: int, stage: int, kind: int) -> int:
    """One int64 word per event while running: truck | gate | stage | kind."""
    return (truck << 24) | (gate << 16) | (stage << 8) | kind

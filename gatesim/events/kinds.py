"""The event kinds of the log, and how one row is packed while running."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["NO_STAGE", "NO_TRUCK", "YARD_STAGE", "Kind", "pack"]


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


# The truck id of events that concern no truck (a stage opening or closing): truck ids start
# at 0, so 0 would name a real truck. Packed as a negative word, decoded back to -1 by the
# arithmetic shift (``word >> 24``).
NO_TRUCK = -1

# Stage codes 0 and 1 are reserved; a scenario's stages are numbered from 2.
NO_STAGE = 0
YARD_STAGE = 1


def pack(truck: int, gate: int, stage: int, kind: int) -> int:
    """One int64 word per event while running: truck | gate | stage | kind."""
    return (truck << 24) | (gate << 16) | (stage << 8) | kind

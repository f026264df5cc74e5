"""A function call at an instant, on SimPy's event queue (a stage's own timer).

Pushed exactly as ``env.schedule`` would push an event (``(time, priority, eid,
event)``), but at the instant itself: a call due when a vehicle frees at
``start + hold`` must fall on that float, not on ``now + (start + hold - now)``.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush

import simpy

__all__ = ["call_at"]


class _Call:
    """The smallest object ``Environment.step`` accepts as an event."""

    __slots__ = ("callbacks", "_ok", "_value")

    def __init__(self, fn: Callable[[], None]) -> None:
        self.callbacks = [lambda _event: fn()]
        self._ok = True
        self._value = None


def call_at(env: simpy.Environment, t: float, priority: int, fn: Callable[[], None]) -> None:
    """Call ``fn()`` at sim time ``t``, among that instant's events of ``priority``."""
    queue: list = env._queue  # SimPy's heap of (time, priority, eid, event), as Sleeper uses it
    heappush(queue, (t, priority, next(env._eid), _Call(fn)))

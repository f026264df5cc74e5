"""Lean processes on SimPy's event queue.

A truck is a generator that yields a delay in hours (resume after it) or
``None`` (park until woken). Each resumption is one minimal event pushed with
SimPy's public ``Environment.schedule``; ``Environment.step`` needs only the
``callbacks`` and ``_ok`` attributes of it. This skips the general machinery
of ``simpy.Process`` (condition handling, interrupts, value passing), which
the profile showed to be half of the run time for a truck that only waits.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import simpy
from simpy.events import NORMAL

__all__ = ["Resume", "start", "wake"]

Resume = Callable[[object], None]


class _Wake:
    """The smallest object ``Environment.step`` accepts as an event."""

    __slots__ = ("callbacks", "_ok", "_value")

    def __init__(self, callback: Resume) -> None:
        self.callbacks = [callback]
        self._ok = True
        self._value = None


def start(
    env: simpy.Environment,
    make: Callable[[Resume], Generator[float | None, None, None]],
    delay: float = 0.0,
) -> None:
    """Run the generator ``make(resume)`` on ``env``, first step after ``delay``.

    The generator gets its own resume callback, to hand to whoever will wake
    it after it parks.
    """
    schedule = env.schedule

    def resume(_event: object) -> None:
        try:
            d = send(None)
        except StopIteration:
            return
        if d is not None:
            schedule(_Wake(resume), NORMAL, d)

    send = make(resume).send
    schedule(_Wake(resume), NORMAL, delay)


def wake(env: simpy.Environment, resume: Resume) -> None:
    """Resume a parked generator now (after the events already due now)."""
    env.schedule(_Wake(resume), NORMAL, 0.0)

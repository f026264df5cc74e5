"""Lean processes on SimPy's event queue.

Two flavours, both driven by SimPy's own ``Environment.step``, which needs
only the ``callbacks`` and ``_ok`` attributes of what it pops:

- :func:`start` runs a generator that yields a delay in hours (resume after
  it) or ``None`` (park until woken); each resumption is one minimal event
  pushed with ``Environment.schedule``. Used for the few long-lived drivers
  (arrival sources, the calendar).
- :class:`Sleeper` is for the hot path (one per truck). The generator's own
  ``send`` is the event callback and the generator pushes its one reusable
  wake-up event itself, so a resumption costs SimPy's ``step`` plus a
  generator resume: no Python wrapper per resumption, no object per event.
  The profile of a year showed the wrapper, ``schedule`` and a new event
  object per resumption to be a third of the run time.

Both push ``(time, NORMAL, next eid, event)`` exactly as ``schedule`` does,
so events are processed in the same order either way.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from heapq import heappush

import simpy
from simpy.events import NORMAL

__all__ = ["NORMAL", "TRUCK_PRIORITY", "Call", "Sleeper", "Ticker", "start"]

# SimPy orders events at the same instant by (priority, push order); NORMAL is 1.
TRUCK_PRIORITY = 2

Resume = Callable[[object], None]


class _Wake:
    """The smallest object ``Environment.step`` accepts as an event."""

    __slots__ = ("callbacks", "_ok", "_value")

    def __init__(self, callback: Resume) -> None:
        self.callbacks = [callback]
        self._ok = True
        self._value = None


class Sleeper:
    """A reusable wake-up event for one generator that reschedules itself.

    The generator must first ``yield`` once bare (it is primed on
    :meth:`attach`), sleep with ``sleeper.at(t)`` and a bare ``yield`` (or,
    parked with ``sleeper.park()`` and a bare ``yield``, be woken by someone
    else scheduling the sleeper), and finish by :meth:`detach` and a last
    ``yield`` (it never returns: ``step`` would see its StopIteration).
    ``detach`` drops the only reference to the generator, so it is freed
    without the cycle collector.
    """

    __slots__ = ("callbacks", "cbs", "_queue", "_eid", "_env", "priority")
    _ok = True  # class attributes: read by ``step``, never written per event
    _value = None

    def __init__(self, env: simpy.Environment, truck: int) -> None:
        self.callbacks: list | None = None
        self.cbs: list = []
        self._env = env
        self._queue: list = env._queue  # SimPy's heap of (time, priority, eid, event)
        self._eid = env._eid
        # Trucks due at the same instant act in truck-id order, after the
        # stages' own events (NORMAL): a rule of the model, so that any engine
        # (the reference twin too) orders ties the same way.
        self.priority = TRUCK_PRIORITY + truck

    def attach(self, gen: Generator[None, object, None]) -> None:
        next(gen)  # to the priming yield, so that ``send(event)`` is legal
        self.cbs.append(gen.send)
        self.callbacks = self.cbs

    def at(self, t: float) -> None:
        """Wake the generator at sim time ``t`` (the one place a truck's wake-up is pushed).

        Pushes ``(t, priority, next eid, self)`` exactly as ``env.schedule``
        would for a delay of ``t - now``; the caller computes ``t`` as SimPy
        would (``now + delay``), so the schedule is a plain SimPy process's.
        """
        self.callbacks = self.cbs  # ``step`` cleared them when it last woke us
        heappush(self._queue, (t, self.priority, next(self._eid), self))

    def wake(self) -> None:
        """Wake the (parked) generator now, after the events already due now."""
        self._env.schedule(self, self.priority, 0.0)  # type: ignore[arg-type]  # an event to ``step`` (module doc)

    def park(self) -> None:
        """Wait to be woken by another component (``env.schedule(sleeper)``)."""
        self.callbacks = self.cbs

    def detach(self) -> None:
        self.cbs.clear()
        self.callbacks = None


class Call:
    """A one-off event that calls ``fn(k, gi)`` when SimPy pops it: ``env.timeout(delay)``
    with one callback, without a SimPy event object and a closure per call (the corridor
    schedules two or three per truck). Pushed as ``env.schedule`` pushes, without its call."""

    __slots__ = ("callbacks", "fn", "k", "gi")
    _ok = True
    _value = None

    def __init__(
        self, env: simpy.Environment, delay: float, fn: Callable[[int, int], None], k: int, gi: int
    ) -> None:
        self.callbacks = [self.fire]
        self.fn, self.k, self.gi = fn, k, gi
        queue: list = env._queue  # SimPy's heap of (time, priority, eid, event), as Sleeper uses it
        heappush(queue, (env._now + delay, NORMAL, next(env._eid), self))

    def fire(self, _event: object) -> None:
        self.fn(self.k, self.gi)


class Ticker:
    """A driver that calls ``step()`` and wakes again after the delay it returns (None: done).

    What :func:`start` does for a generator, with one reusable event instead of a new
    event, a closure call and an exception frame per wake-up: the corridor's departures
    wake once per truck. Pushed as ``env.schedule(event, NORMAL, delay)`` pushes.
    """

    __slots__ = ("callbacks", "cbs", "env", "step")
    _ok = True
    _value = None

    def __init__(self, env: simpy.Environment, step: Callable[[], float | None], delay: float = 0.0) -> None:
        self.env, self.step = env, step
        self.cbs = [self._fire]
        self._push(delay)

    def _push(self, delay: float) -> None:
        env = self.env
        self.callbacks = self.cbs
        queue: list = env._queue  # as in Call
        heappush(queue, (env._now + delay, NORMAL, next(env._eid), self))

    def _fire(self, _event: object) -> None:
        d = self.step()
        if d is not None:
            self._push(d)


def start(
    env: simpy.Environment,
    make: Callable[[Resume], Generator[float | None, None, None]],
    delay: float = 0.0,
) -> None:
    """Run the generator ``make(resume)`` on ``env``, first step after ``delay``.

    The generator gets its own resume callback, to hand to whoever will wake
    it after it parks.
    """
    # _Wake is an event to ``step`` (callbacks, _ok), not a simpy.Event to the type checker
    schedule: Callable[[object, int, float], None] = env.schedule  # type: ignore[assignment]

    def resume(_event: object) -> None:
        try:
            d = send(None)
        except StopIteration:
            return
        if d is not None:
            schedule(_Wake(resume), NORMAL, d)

    send = make(resume).send
    schedule(_Wake(resume), NORMAL, delay)

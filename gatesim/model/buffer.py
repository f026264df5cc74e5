"""A route's finite buffer on the SimPy booking engine (gatesim/scenario/smart.py).

The buffer's two ends are steps of the route that act, for the truck loop of
:mod:`gatesim.model.gate`, like general-path stages (``join``, ``release``,
``reneged_word``): the loop parks the truck after ``join`` and logs its start when
it is woken.

- :class:`BufferEntry` (at ``from_stage``, a FIFO stage): a truck that finds a
  place takes it (``buffer_in``) and is booked at once; otherwise it logs
  ``buffer_full`` and waits, first come first served, until a place frees: then,
  at its own turn among that instant's trucks, it takes the place and is booked.
- :class:`BufferExit` (at ``until_stage``): the truck frees its place when its
  service starts there (``buffer_out``), or when it gives up waiting, at its own
  turn of that instant, just after its own event.

The twin (:mod:`gatesim.model.smart_twin`) does the same with a ``simpy.Resource``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import simpy

from gatesim.events.kinds import Kind, pack
from gatesim.events.log import GateLog
from gatesim.model.calls import call_at
from gatesim.model.gate import Joins
from gatesim.model.general import STARTED, Waiter
from gatesim.model.process import Sleeper

__all__ = ["BufferEntry", "BufferExit", "BufferRuntime"]


class BufferRuntime:
    """The places of one route's buffer, and the trucks waiting for one."""

    def __init__(
        self, env: simpy.Environment, part: GateLog, g_code: int, first_truck: int, capacity: int
    ) -> None:
        self.env = env
        self.free = capacity
        self.waiting: deque[tuple[BufferEntry, int, Sleeper]] = deque()
        self._t, self._w = part.t_h.append, part.word.append
        self._g, self._first = g_code, first_truck

    def log(self, k: int, code: int, kind: Kind) -> None:
        self._t(self.env.now)
        self._w(pack(self._first + k, self._g, code, kind))

    def leave(self, k: int, code: int) -> None:
        """Truck ``k`` frees its place now; the first truck waiting takes it at its own turn."""
        self.log(k, code, Kind.BUFFER_OUT)
        if self.waiting:
            entry, j, w = self.waiting.popleft()
            call_at(self.env, self.env.now, w.priority, lambda: entry.admit(j, w))
        else:
            self.free += 1


def _started(k: int) -> Waiter:
    waiter = Waiter(k, None)
    waiter.state = STARTED  # a buffer's ends never make a truck give up
    return waiter


class BufferEntry:
    """The step at the buffer's ``from_stage``: a place first, then the stage's booking."""

    reneged_word = 0  # never logged: a truck waiting for a place does not give up

    def __init__(
        self, buffer: BufferRuntime, code: int, book: Callable[[float, float], float], service_h: memoryview
    ) -> None:
        self.buffer, self.code, self.book, self.service_h = buffer, code, book, service_h

    def join(self, k: int, w: Sleeper) -> Waiter:
        b = self.buffer
        if b.free > 0:
            b.free -= 1
            self.admit(k, w)
        else:
            b.log(k, self.code, Kind.BUFFER_FULL)
            b.waiting.append((self, k, w))
        return _started(k)

    def admit(self, k: int, w: Sleeper) -> None:
        """Truck ``k`` takes a place now and is booked at the stage; woken at its start."""
        self.buffer.log(k, self.code, Kind.BUFFER_IN)
        w.at(self.book(self.buffer.env.now, self.service_h[k]))

    def release(self) -> None:
        """(The stage is FIFO: its booking already counted the service's end.)"""


class _FreeOnWake:
    """A truck's wake-up as a general-path stage sees it: it also frees the buffer place."""

    __slots__ = ("env", "w", "priority", "_free")

    def __init__(self, env: simpy.Environment, w: Sleeper, free: Callable[[], None]) -> None:
        self.env, self.w, self.priority, self._free = env, w, w.priority, free

    def wake(self) -> None:
        self.w.wake()  # the truck acts first (starts, or gives up), then its place frees
        call_at(self.env, self.env.now, self.priority, self._free)


class BufferExit:
    """The step at the buffer's ``until_stage``: the place frees as service starts there."""

    def __init__(
        self,
        buffer: BufferRuntime,
        code: int,
        book: Callable[[float, float], float] | None,
        general: Joins | None,
        service_h: memoryview,
    ) -> None:
        self.buffer, self.code, self.book, self.general, self.service_h = (
            buffer,
            code,
            book,
            general,
            service_h,
        )
        self.reneged_word = general.reneged_word if general is not None else 0

    def join(self, k: int, w: Sleeper) -> Waiter:
        b, code = self.buffer, self.code
        if self.general is not None:
            return self.general.join(k, _FreeOnWake(b.env, w, lambda: b.leave(k, code)))
        start = self.book(b.env.now, self.service_h[k])  # type: ignore[misc]  # a FIFO stage has a book
        w.at(start)
        call_at(b.env, start, w.priority, lambda: b.leave(k, code))
        return _started(k)

    def release(self) -> None:
        if self.general is not None:
            self.general.release()

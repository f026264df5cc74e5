"""Live state: what any model component can read about a gate at the current instant.

``LiveState`` answers, at SimPy's ``now``, per gate and stage:

- ``queued(gate, stage)``: trucks waiting in the stage's queue (not in service);
- ``in_service(gate, stage)``: trucks being served;
- ``in_yard(gate)``: yard slots taken; ``on_approach(gate)``: trucks waiting on
  the road approach for a slot (spillback);
- ``expected_wait_h(gate, stage)``: the wait a truck joining the stage now can
  expect, in hours. On the booking path (FIFO) it is exact: the start the
  stage would book for a truck arriving now, minus now (the virtual waiting
  time; later arrivals cannot overtake it). On the general path it is an
  estimate: ``max(0, queued + 1 - free servers) x mean service time / servers
  on duty`` (each server clears one truck per mean service time), plus the
  time until the stage next has servers when it is closed or in an outage
  now; it ignores priority classes, reneging and future schedule changes.

The figures equal the ``state`` projection of the event log at the same
instant (after the events at it). Attach it before the run::

    live = {}
    simulate(scenario, days, rep, seed, on_build=lambda gates: live.setdefault("s", LiveState(gates)))

Booking-path stages keep no queue (a truck's start is computed when it
joins), so ``LiveState`` records each booked truck's (start, end) while it
is attached: a few appends per truck, only in runs that ask for it.
"""

from __future__ import annotations

from collections import deque

from gatesim.model.gate import GateRuntime
from gatesim.model.general import GeneralStage
from gatesim.model.stage import StageRuntime
from gatesim.model.stage_timed import TimedStageRuntime

__all__ = []


class _Booked:
    """The booked (start, end) of a FIFO stage's trucks that may not have ended."""

    __slots__ = ("stage", "entries")

    def __init__(self, stage: StageRuntime | TimedStageRuntime) -> None:
        self.stage = stage
        self.entries: deque[tuple[float, float]] = deque()

    def book(self, t: float, service_h: float) -> float:
        start = self.stage.book(t, service_h)
        self.entries.append((start, start + service_h))
        return start

    def counts(self, now: float) -> tuple[int, int]:
        """(queued, in service) at ``now``; forgets trucks that have ended."""
        entries = self.entries
        while entries and entries[0][1] <= now:
            entries.popleft()
        queued = in_service = 0
        for start, end in entries:
            if start > now:
                queued += 1
            elif end > now:
                in_service += 1
        return queued, in_service


class LiveState:
    """Queues, services, yard and approach of every gate, read at the current instant."""

    def __init__(self, gates: dict[str, GateRuntime]) -> None:
        self._gates = gates
        self._booked: dict[tuple[str, str], list[_Booked]] = {}
        self._general: dict[tuple[str, str], GeneralStage] = {}
        for gid, gate in gates.items():
            wrapped: dict[int, _Booked] = {}
            for (sid, _d), rt in gate.stages.items():
                if isinstance(rt, GeneralStage):
                    self._general[(gid, sid)] = rt
                elif id(rt) not in wrapped:
                    wrapped[id(rt)] = _Booked(rt)
                    self._booked.setdefault((gid, sid), []).append(wrapped[id(rt)])
            gate.rebook({id(b.stage): b.book for b in wrapped.values()})
        self._env = next(iter(gates.values())).env if gates else None

    @property
    def now(self) -> float:
        if self._env is None:  # no gates: nothing has run
            return 0.0
        return self._env.now

    def _check(self, gate: str, stage: str) -> None:
        if (gate, stage) not in self._booked and (gate, stage) not in self._general:
            raise KeyError(f"no stage {stage!r} at gate {gate!r}")

    def queued(self, gate: str, stage: str) -> int:
        self._check(gate, stage)
        if (gate, stage) in self._general:
            return self._general[(gate, stage)].waiting
        return sum(b.counts(self.now)[0] for b in self._booked[(gate, stage)])

    def in_service(self, gate: str, stage: str) -> int:
        self._check(gate, stage)
        if (gate, stage) in self._general:
            return self._general[(gate, stage)].busy
        return sum(b.counts(self.now)[1] for b in self._booked[(gate, stage)])

    def in_yard(self, gate: str) -> int:
        g = self._gates[gate]
        return g.yard_capacity - g.yard_free

    def on_approach(self, gate: str) -> int:
        return len(self._gates[gate].waiters)

    def expected_wait_h(self, gate: str, stage: str) -> float:
        """Hours a truck joining now can expect to wait (see the module docstring)."""
        self._check(gate, stage)
        now = self.now
        general = self._general.get((gate, stage))
        if general is None:
            # a split road: the direction with the shorter wait (the question is per stage)
            return min(b.stage.next_start(now) for b in self._booked[(gate, stage)]) - now
        return general.expected_wait_h(now)

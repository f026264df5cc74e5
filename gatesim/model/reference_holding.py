"""Holding at the origin in the reference twin: a metered gate's held trucks and staging yards.

The corridor's metering (``corridor.metering.<gate>``), written the plain SimPy way
(:mod:`gatesim.model.reference_corridor` sends the trucks):

- a truck that would use the gate's yard is held at its origin while trucks are
  already held for the gate, or while one more truck on its way would break the
  gate's thresholds (:meth:`GateMeter.room`, read from the gate's yard, a
  ``simpy.Resource``, and its approach road, the yard's queue);
- with platform dispatch (``staging``), a held truck waits in the first staging
  yard with a free place (each yard a ``simpy.Resource`` of places), or at its
  origin when all are full;
- the meter (:meth:`GateMeter.releases`, a process) looks every ``check_every_h``
  and releases held trucks, first held first, while the gate has room; a truck
  called from a staging yard sets off after the call-forward lead, counted as on
  its way meanwhile.

:class:`Turn` is the tie rule of the corridor's hand-overs: an event at this
instant, before the instant's other events. The meter hands each released truck
its turn and waits for it to have set off before it looks again, so the room it
sees counts the trucks it has just sent, as a function call would.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

import simpy
from simpy.events import URGENT

from gatesim.events.kinds import NO_STAGE, Kind
from gatesim.scenario.corridor import Metering

if TYPE_CHECKING:  # the twin imports this module
    from gatesim.model.reference import GateTwin

__all__ = ["GateMeter", "Turn"]


class Turn(simpy.events.Event):
    """A hand-over within an instant: processed now, before the instant's other events.

    SimPy runs an instant's events by priority, then in the order they were
    scheduled; a turn has SimPy's URGENT priority (a process's start has it too),
    so a turn given now is taken before any timeout, request or truck wake-up due
    now. Given in order, turns are taken in that order: a process that gives a
    turn and then waits on a turn of its own (:meth:`after`) resumes once the
    other process has acted.
    """

    def give(self) -> None:
        """The waiting process acts now, before the instant's other events."""
        self._ok = True  # triggered now, processed at once (as SimPy's Initialize is)
        self._value = None
        self.env.schedule(self, URGENT)

    @classmethod
    def after(cls, env: simpy.Environment) -> Turn:
        """A turn for the caller, after the turns given so far in this instant."""
        turn = cls(env)
        turn.give()
        return turn


class HeldTruck:
    """A held truck: its place in a staging yard (None: at its origin) and the turn the meter gives it."""

    def __init__(self, env: simpy.Environment, yard: simpy.Resource | None) -> None:
        self.place = yard.request() if yard is not None else None  # granted: the yard has room
        self.released = Turn(env)


class GateMeter:
    """One metered gate: its rule, its held trucks and staging yards, its trucks called forward.

    ``gate``: the twin's gate (its ``yard``, a ``simpy.Resource`` of yard slots, and
    ``log``); ``on_way``: the trucks that use the yard sent to the gate and not arrived yet.
    """

    def __init__(
        self, env: simpy.Environment, rule: Metering, gate: GateTwin, on_way: Callable[[], int]
    ) -> None:
        self.env = env
        self.rule = rule
        self.gate = gate
        self.on_way = on_way
        self.held: deque[HeldTruck] = deque()  # in the order the trucks were held
        self.called = 0  # called from a staging yard, within their call-forward lead
        staging = rule.staging
        self.staging_yards = (
            [simpy.Resource(env, capacity=y.capacity_trucks) for y in staging.yards] if staging else []
        )

    def room(self) -> bool:
        """One more truck sent now keeps the gate within its thresholds."""
        rule, yard = self.rule, self.gate.yard
        assert yard is not None  # only trucks that use the gate's yard are metered
        on_approach = len(yard.queue)  # waiting on the approach road for a yard slot
        in_yard = yard.count
        coming = self.on_way() + self.called + 1
        if rule.approach_max_trucks is not None:
            free = yard.capacity - yard.count
            if on_approach + coming > rule.approach_max_trucks + free:
                return False
        return not (
            rule.yard_max_trucks is not None and in_yard + on_approach + coming > rule.yard_max_trucks
        )

    def must_hold(self) -> bool:
        """A yard user deciding now waits: trucks are held before it, or the gate has no room."""
        return bool(self.held) or not self.room()

    def hold(self, k: int) -> Generator[simpy.Event, object, None]:
        """Truck ``k`` waits (at its origin or in a staging yard) until the meter releases it,
        and, called from a staging yard, for its call-forward lead."""
        log = self.gate.log
        log(k, NO_STAGE, Kind.HELD)
        yard = next((y for y in self.staging_yards if y.count < y.capacity), None)
        if self.staging_yards:
            log(k, NO_STAGE, Kind.STAGED if yard is not None else Kind.STAGING_FULL)
        truck = HeldTruck(self.env, yard)
        self.held.append(truck)
        yield truck.released
        log(k, NO_STAGE, Kind.RELEASED)
        if truck.place is None:
            return  # it waited at its origin: it sets off now
        truck.place.resource.release(truck.place)  # it leaves the staging yard
        log(k, NO_STAGE, Kind.CALLED)
        lead = self.rule.staging.call_forward_lead_h  # type: ignore[union-attr]  # a staging yard: the rule has staging
        if lead > 0.0:
            self.called += 1
            yield self.env.timeout(lead)
            self.called -= 1

    def releases(self) -> Generator[simpy.Event, object, None]:
        """Every ``check_every_h``: release the held trucks, first held first, while the gate has room."""
        while True:
            while self.held and self.room():
                self.held.popleft().released.give()
                yield Turn.after(self.env)  # the truck sets off (or is called) before the next look
            yield self.env.timeout(self.rule.check_every_h)

"""The reference twin's stages, the plain SimPy way (:mod:`gatesim.model.reference` reads them).

- a FIFO stage's servers are a ``simpy.Resource`` (:class:`FifoStage`): a truck holds its server
  from the moment it gets one until its service ends, waiting (with it) until the stage is open and
  the day's quota has room;
- a stage with queue rules is a ``simpy.PriorityResource`` whose servers on duty change
  (:class:`RuledStage`): a process follows the stage's timeline (opening hours, server schedule,
  outages), a surge adds servers, the class rank is the request's priority;
- a FIFO stage whose servers on duty change by the scenario alone (a server schedule, outages)
  is a :class:`TimedStage`: the same resource, with a FIFO stage's tie order (below);
- :class:`TruckWakeup`: trucks due at the same instant act in truck-id order, after the stages'
  own events (the one rule that is not textbook SimPy).
"""

from __future__ import annotations

import math
from bisect import bisect_right

import simpy
from simpy.events import URGENT, EventPriority
from simpy.resources.resource import PriorityRequest

from gatesim.events.kinds import NO_TRUCK, Kind, pack
from gatesim.events.log import GateLog
from gatesim.model.timeline import Span, span_change
from gatesim.scenario.schema import Surge

__all__ = ["FifoStage", "RuledStage", "TimedStage", "TruckWakeup"]


class TruckWakeup(simpy.events.Event):
    """A truck's timeout, ranked among the events of its instant (``env.timeout`` plus a rule).

    SimPy runs the events of an instant by priority, then in the order they
    were scheduled. A truck's events get priority ``TRUCK_PRIORITY + truck
    id`` (the stages' own events keep SimPy's NORMAL, which comes first):
    trucks due at the same instant act in truck-id order, whichever engine
    runs them. Without the rule, the order of ties would depend on when each
    wake-up happened to be scheduled, which differs between engines.

    The wake-up is at the instant ``at`` itself: ``env.timeout(at - now)``
    lands on ``now + (at - now)``, which can be an ulp off, and trucks due at
    an opening instant must tie exactly (:func:`delay_to`).
    """

    def __init__(self, env: simpy.Environment, at: float, priority: int) -> None:
        super().__init__(env)
        self._ok = True  # triggered now, processed at ``at`` (as a Timeout is)
        self._value = None
        self._schedule(env, at, EventPriority(priority))

    def _schedule(self, env: simpy.Environment, at: float, priority: EventPriority) -> None:
        d = delay_to(env.now, at)
        if d is not None:
            env.schedule(self, priority, d)
            return
        # No delay from now lands on ``at``: go through ``at / 2**j``, the first halving that lies
        # within a factor two of now. By Sterbenz's lemma each hop's delay is exact (from any x
        # with m/2 <= x <= m, x + (m - x) == m), and halving a float is exact.
        m = at
        while env.now < m / 2:
            m /= 2
        hop = env.timeout(m - env.now)
        hop.callbacks.append(lambda _: self._schedule(env, at, priority))


def delay_to(now: float, at: float) -> float | None:
    """The delay SimPy adds to ``now`` to land exactly on the instant ``at`` (>= now), or None.

    ``at - now`` rounds, so ``now + (at - now)`` can miss ``at`` by an ulp; the delay an ulp or two
    away usually lands on it. From ``now >= at / 2`` the plain difference always does (Sterbenz);
    from further away, rounding to even can step over ``at`` from both sides, and there is none.
    """
    d = at - now
    for _ in range(8):
        if now + d == at:
            return d
        d = math.nextafter(d, math.inf if now + d < at else -math.inf)
    return None


# ---- stages ------------------------------------------------------------------------


class FifoStage:
    """A stage without queue rules: FIFO servers (a ``simpy.Resource``), hours and a daily quota.

    ``servers`` is one Resource, or one per direction (a road with
    ``lanes_by_direction``), or None (unlimited: only the hours apply).
    """

    def __init__(
        self, code: int, servers: dict[int, simpy.Resource] | None, opens, closes, always, cap
    ) -> None:
        self.code = code
        self.servers = servers
        self.opens: list[float] = list(opens)
        self.closes: list[float] = list(closes)
        self.always_open = always and cap is None
        self.daily_capacity = cap
        self.used = [0] * len(self.opens)  # trucks started per opening
        # what the live reading needs (reference_live): per truck at the stage (its server
        # request, or its visit when servers are unlimited), its service hours, and once its
        # start is known, that start
        self.service_h: dict[object, float] = {}
        self.starts: dict[object, float] = {}

    def opening_after(self, t: float) -> int:
        """The first opening that closes after ``t``."""
        return bisect_right(self.closes, t)

    def first_start(self, t: float) -> float:
        """The first instant >= ``t`` when the stage is open and its quota has room.

        Takes one unit of that opening's quota; ``inf`` if the stage never
        opens again within the horizon.
        """
        if self.always_open:
            return t
        i = self.opening_after(t)
        while i < len(self.closes):
            if self.daily_capacity is None or self.used[i] < self.daily_capacity:
                self.used[i] += 1
                return max(self.opens[i], t)
            i += 1  # quota used up: the next opening
        return math.inf


class RuledStage(simpy.PriorityResource):
    """A stage with queue rules: priority classes, servers on duty that change, a quota.

    A ``simpy.PriorityResource`` (the request's priority is the truck's class
    rank, 0 first; FIFO within a class) that grants a request only while
    fewer trucks are in service than the servers on duty, and the opening's
    quota has room. Servers on duty are 0 when closed or in an outage,
    unlimited for a stage without a server count, else the schedule's count
    plus the surge's extra servers. A truck in service keeps its server when
    the count falls (it is finished; nobody starts until the busy count is
    below the new count). Stage-level events (server counts, outages) are
    logged under the reserved truck id ``NO_TRUCK``.
    """

    def __init__(
        self,
        env: simpy.Environment,
        part: GateLog,
        gate_code: int,
        code: int,
        spans: list[Span],
        daily_capacity: int | None,
        surge: Surge | None,
        log_servers: bool,
    ) -> None:
        super().__init__(env, capacity=1)  # ``capacity`` is replaced by ``on_duty()``
        self.code = code
        self.part = part
        self.gate_code = gate_code
        self.daily_capacity = daily_capacity
        self.used: dict[int, int] = {}  # trucks started per opening interval
        self.surge = surge
        self.surging = False
        self.surge_called = False  # the queue reached the threshold: extra servers on their way
        self.log_servers = log_servers
        self.spans = spans
        self.span = spans[0]
        env.process(self.follow_timeline(spans))

    # -- what SimPy asks
    def _do_put(self, request: PriorityRequest) -> bool:  # type: ignore[override]  # SimPy ignores the result
        """Grant ``request`` (the head of the queue) if a server may start it now."""
        if len(self.users) >= self.on_duty():
            return False
        if self.daily_capacity is not None:
            i = self.span.interval
            if self.used.get(i, 0) >= self.daily_capacity:
                return False
            self.used[i] = self.used.get(i, 0) + 1
        self.users.append(request)
        request.usage_since = self._env.now
        request.succeed()
        self.queue_fell(len(self.queue) - 1)  # the request leaves the queue as we return
        return True  # look at the next request too

    def on_duty(self) -> float:
        span = self.span
        if span.interval < 0 or span.outage:
            return 0
        if span.staffed is None:
            return math.inf
        return span.staffed + (self.surge.extra_servers if self.surging and self.surge is not None else 0)

    # -- what the trucks call
    def join(self, rank: int) -> PriorityRequest:
        """Queue for a server now; calls in the surge if the queue got long."""
        request = self.request(priority=rank)
        s = self.surge
        if (
            s is not None
            and not self.surging
            and not self.surge_called
            and len(self.queue) >= s.queue_at_least
        ):
            self.surge_called = True
            self._env.process(self.call_surge(s))
        return request

    def leave_queue(self, request: PriorityRequest) -> None:
        """A truck gives up waiting."""
        request.cancel()
        self.queue_fell(len(self.queue))

    # -- the stage's own processes and events
    def call_surge(self, s: Surge):
        """The extra servers come ``delay_h`` later, if the queue is still long enough."""
        yield self._env.timeout(s.delay_h)
        self.surge_called = False
        if len(self.queue) >= s.until_queue_below:
            self.surging = True
            self.servers_changed()
            self._trigger_put(None)

    def queue_fell(self, waiting: int) -> None:
        """The extra servers go when the queue falls below ``until_queue_below``."""
        s = self.surge
        if s is not None and self.surging and waiting < s.until_queue_below:
            self.surging = False
            self.servers_changed()

    def servers_changed(self) -> None:
        if self.log_servers:
            self.log(Kind.SERVERS, self.staffed())

    def staffed(self) -> int | None:
        """Servers on duty by the schedule and surge, open or not (None: unlimited)."""
        if self.span.staffed is None:
            return None
        return self.span.staffed + (
            self.surge.extra_servers if self.surging and self.surge is not None else 0
        )

    def follow_timeline(self, spans: list[Span]):
        """At each change of hours, schedule or outage: new servers on duty; start who can start."""
        env = self._env
        previous = None
        for span in spans:
            if span.t_h > env.now:
                yield self.wait_for_span(span.t_h - env.now)
            self.span = span
            outage, servers_changed = span_change(previous, span)
            if outage is not None:
                self.log(outage)
            if servers_changed:
                self.servers_changed()
            previous = span
            self._trigger_put(None)

    def wait_for_span(self, delay: float) -> simpy.Event:
        """The event the timeline's process waits on for its next span."""
        return self._env.timeout(delay)

    def log(self, kind: Kind, value: int | None = None) -> None:
        self.part.t_h.append(self._env.now)
        self.part.word.append(pack(NO_TRUCK, self.gate_code, self.code, kind))
        if kind == Kind.SERVERS:
            self.part.servers.append(-1 if value is None else value)


class TimedStage(RuledStage):
    """A FIFO stage whose servers on duty follow its timeline (a server schedule, outages).

    A :class:`RuledStage` without classes, patience or surge, with a FIFO stage's order of
    an instant: the truck that takes a server freed at an instant acts in its own turn
    (the server is freed by a stage event, see ``GateTwin.timed_service``), and a change of
    the timeline comes before the servers freed at its instant (the stage's changes are
    URGENT events, its frees NORMAL ones): a service ending as the count falls does not
    let the next truck start.
    """

    def wait_for_span(self, delay: float) -> simpy.Event:
        return SpanWake(self._env, delay)


class SpanWake(simpy.events.Event):
    """A timed stage's timeline change: ``env.timeout(delay)`` with SimPy's URGENT priority,
    so that at its instant it comes before the services ending then (NORMAL)."""

    def __init__(self, env: simpy.Environment, delay: float) -> None:
        super().__init__(env)
        self._ok = True  # triggered now, processed after ``delay`` (as a Timeout is)
        self._value = None
        env.schedule(self, URGENT, delay)

"""The corridor in the reference twin: trucks leave their origins, choose a gate, may be
held or book a slot, and drive to the gate they chose, written the plain SimPy way.

This is the corridor's executable specification. It shares with the fast engine's
corridor (:mod:`gatesim.model.corridor.source`) only the corridor's rules and data:
the trucks drawn per origin (:mod:`~gatesim.model.corridor.demand`) and their
per-truck columns (:mod:`~gatesim.model.corridor.columns`), the captive bands and the
logit (:mod:`~gatesim.model.corridor.choice`), the slot rule
(:mod:`~gatesim.model.corridor.booking`), the published-wait formula
(:mod:`~gatesim.model.corridor.waits`) and the cargo stops
(:mod:`~gatesim.model.corridor.stops`). The orchestration is written again here:

- :meth:`CorridorTwin.departures` starts a process per truck at its departure instant
  (:meth:`CorridorTwin.journey`): the truck chooses a gate from what the platform
  published (the gates' live state, read from the twin's SimPy resources by
  :mod:`gatesim.model.reference_live`) or its captive gate; if that gate has stopped
  taking its cargo it waits at its origin for the stop to end and chooses again;
- it books a slot if it books at that gate (and leaves in time for it), or is held
  at its origin by the gate's meter (:mod:`gatesim.model.reference_holding`), or
  leaves at once; it drives to the gate and is admitted there (the gate's truck
  process, :class:`gatesim.model.reference.GateTwin`, takes it through the stages);
- a truck that gives up at a gate may choose again among the gates it has not
  tried (a new journey from its choice);
- :meth:`CorridorTwin.publisher` publishes every gate's expected wait, counting the
  trucks on their way.

Corridor events are logged in the chosen gate's part of the log at the instant
they happen (held, released, booked, departed, staged, called, staging_full).

Tie rule: the corridor's own events at one instant (departures, the end of a stop,
leaving for a slot, arriving at a gate, the publisher's and meters' looks) are
plain SimPy timeouts, taken in the order they were scheduled, before any truck at
the gates acts at that instant (a gate truck's wake-up has a lower priority,
:class:`~gatesim.model.reference_stages.TruckWakeup`). What one component does
within an instant on behalf of another (the departures starting a truck's journey,
the meter releasing a truck) is a :class:`~gatesim.model.reference_holding.Turn`:
the other acts at once, before anything else is scheduled.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING

import simpy

from gatesim.events.kinds import NO_STAGE, Kind
from gatesim.events.log import EventLog
from gatesim.model.build import GatePlan, ReplicationPlan
from gatesim.model.corridor.booking import SlotBook, booked_ranks, books_mask
from gatesim.model.corridor.choice import captive_bands, logit_pick
from gatesim.model.corridor.columns import CorridorColumns, column_view
from gatesim.model.corridor.demand import corridor_meta, corridor_of, draw_demand
from gatesim.model.corridor.stops import CargoStops
from gatesim.model.corridor.waits import GateWaits, PublishedWaits
from gatesim.model.reference_holding import GateMeter, Turn
from gatesim.model.sources import GateTrucks
from gatesim.scenario.schema import DIRECTIONS

if TYPE_CHECKING:  # the twin imports this module
    from gatesim.model.reference import GateTwin

__all__ = ["CorridorTwin"]

Steps = Generator[simpy.Event, object, None]


class CorridorTwin:
    """The corridor's trucks in the twin: a truck source (:mod:`gatesim.model.sources`)."""

    def __init__(self, plan: ReplicationPlan) -> None:
        sc = plan.scenario
        self.scenario = sc
        self.corridor = corridor_of(sc)
        self.clock = plan.clock
        self.gate_ids = list(sc.gates)
        self.demand = draw_demand(sc, plan.clock, plan.seed, plan.replication)
        self.columns = CorridorColumns(sc, self.demand, plan.seed, plan.replication)
        d = self.demand
        # per truck, read as Python numbers
        self.leaves_at_h = column_view(d.t_h)
        self.origin = column_view(d.origin)
        self.direction = column_view(d.direction)
        self.cargo = column_view(d.cargo)
        self.u_choice = column_view(d.u["choice"])  # its pick in the logit's bands
        self.u_slot = column_view(d.u["slot"])  # where in its slot's hour it arrives
        # hours from each origin to each gate (None: not on the origin's roads)
        self.travel_h = [
            [o.travel_min[g] / 60.0 if g in o.travel_min else None for g in self.gate_ids]
            for o in self.corridor.origins.values()
        ]
        ch = self.corridor.choice
        # per truck: the gate it is captive to by its own uniform (-1: it chooses)
        self.captive_to = column_view(
            captive_bands(d.u["captive"], [ch.captive.get(g, 0.0) for g in self.gate_ids])
        )
        self.fee_h = [ch.fee_vnd.get(g, 0.0) / ch.value_of_time_vnd_per_h for g in self.gate_ids]
        self.stops = CargoStops(self.corridor.stops, self.gate_ids, plan.clock)
        self.published = PublishedWaits(ch, self.gate_ids)
        # trucks that left their origin for each gate and have not arrived, per direction
        self.on_way = [[0] * len(DIRECTIONS) for _ in self.gate_ids]
        self.tried: dict[int, set[int]] = {}  # truck -> the gates it gave up at

    # ---- the source protocol -------------------------------------------------------------

    def trucks_for(self, gp: GatePlan, log: EventLog) -> GateTrucks:
        return GateTrucks(self.columns.trucks_for(gp.gid), 0)

    def attach(self, env: simpy.Environment, log: EventLog, gates: Mapping[str, GateTwin]) -> None:
        self.env = env
        sc, ids, cor = self.scenario, self.gate_ids, self.corridor
        self.gates = [gates[g] for g in ids]
        self.columns.prepare(ids, cor.choice.rechoose_after_reneging)
        self.waits = [GateWaits(sc.gates[g], gate.stages, gate) for g, gate in zip(ids, self.gates)]
        # per gate, direction: the route takes a yard slot (metering holds only those trucks)
        self.uses_yard = [
            [(r := sc.gates[g].routes.get(d)) is not None and r.yard_from is not None for d in DIRECTIONS]
            for g in ids
        ]
        u = self.demand.u
        self.slots: list[SlotBook | None] = []
        for g, gate in zip(ids, self.gates):
            rule = cor.booking.get(g)
            books = books_mask(rule, u["booking"], u["no_show"])
            ranks = booked_ranks(sc.gates[g], gate.stages)
            trucks = self.columns.gate_trucks[g]
            self.slots.append(
                None
                if rule is None or books is None
                else SlotBook(rule, self.clock.horizon_h, books, trucks, ranks)
            )
        self.meters = [
            None
            if (m := cor.metering.get(g)) is None
            else GateMeter(env, m, gate, self._yard_users_on_way(gi))
            for gi, (g, gate) in enumerate(zip(ids, self.gates))
        ]
        if self.published.fixed is None:
            env.process(self.publisher())
        for meter in self.meters:
            if meter is not None:
                env.process(meter.releases())
        env.process(self.departures())

    def reneged(self, gate_code: int, k: int) -> None:
        """Truck ``k`` gave up at a gate: with ``rechoose_after_reneging`` it chooses again
        now among the gates it has not tried."""
        if self.corridor.choice.rechoose_after_reneging:
            gi = next(i for i, gate in enumerate(self.gates) if gate.code == gate_code)
            self.tried.setdefault(k, set()).add(gi)
            self.env.process(self.journey(k))  # it acts now, before anything else (a process's start)

    def finish(self, log: EventLog, meta: dict) -> None:
        """The payload (fixed as the trucks departed) and the corridor's metadata."""
        log.add_payload(0, self.columns.payload())
        meta["corridor"] = corridor_meta(self.corridor, self.demand, self.clock)

    # ---- processes -------------------------------------------------------------------------

    def publisher(self) -> Steps:
        """Every ``publish_every_h``: every gate's expected wait, per direction, from its live state."""
        while True:
            self.published.publish(self.env.now, self.waits, self.on_way)
            yield self.env.timeout(self.corridor.choice.publish_every_h)

    def departures(self) -> Steps:
        """Each truck leaves its origin at its instant and has chosen before the next one leaves."""
        env = self.env
        for k, t in enumerate(self.leaves_at_h):
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(self.journey(k))
            yield Turn.after(env)

    def journey(self, k: int) -> Steps:
        """Truck ``k``, at its origin now: it chooses a gate (waiting out a cargo stop there),
        then goes: booked, held by the meter, or at once."""
        while True:
            gi, stop_ends_h = self.choose(k)
            if gi < 0:
                return  # no gate on its roads takes its direction: it never leaves
            if stop_ends_h is None:
                break
            # the gate has stopped taking its cargo: wait at the origin until the stop ends
            self.log(k, gi, Kind.HELD)
            yield self.env.timeout(stop_ends_h - self.env.now)
            self.log(k, gi, Kind.RELEASED)
        yield from self.go(k, gi)

    def go(self, k: int, gi: int) -> Steps:
        """To gate ``gi``: at the time of its booked slot, when the meter releases it, or now."""
        slots = self.slots[gi]
        travel_h = self.travel_h[self.origin[k]][gi]
        assert travel_h is not None  # the truck chose a gate on its roads
        if slots is not None and slots.books[k]:
            slot_h = slots.take(k, self.env.now, travel_h)
            if slot_h is not None:  # booked: arrive within the slot's hour (its own uniform)
                self.log(k, gi, Kind.BOOKED)
                leave_h = slot_h + self.u_slot[k] - travel_h
                yield self.env.timeout(max(leave_h - self.env.now, 0.0))
                yield from self.drive(k, gi, travel_h)
                return
        meter = self.meters[gi]
        if meter is not None and self.uses_yard[gi][self.direction[k]] and meter.must_hold():
            yield from meter.hold(k)
        yield from self.drive(k, gi, travel_h)

    def drive(self, k: int, gi: int, travel_h: float) -> Steps:
        """Leave the origin (the truck's draws at gate ``gi`` are fixed now), drive, be admitted."""
        di = self.direction[k]
        self.columns.fill(k, gi)
        self.log(k, gi, Kind.DEPARTED)
        self.on_way[gi][di] += 1
        yield self.env.timeout(travel_h)
        self.on_way[gi][di] -= 1
        self.columns.t_arrival[k] = self.env.now
        self.gates[gi].admit(k, self.env.now)

    # ---- the choice --------------------------------------------------------------------------

    def choose(self, k: int) -> tuple[int, float | None]:
        """The gate truck ``k`` goes to now, and None; or the gate whose cargo stop it waits
        out at its origin, and when that stop ends; ``(-1, None)``: no gate at all."""
        now, cargo = self.env.now, self.cargo[k]
        # the gates on its roads with a route for its direction, but those it gave up at
        tried = self.tried.get(k, ())
        direction = DIRECTIONS[self.direction[k]]
        reach = [
            t is not None and g not in tried and direction in self.scenario.gates[gid].routes
            for g, (t, gid) in enumerate(zip(self.travel_h[self.origin[k]], self.gate_ids))
        ]
        captive = self.captive_to[k]
        if captive >= 0 and reach[captive]:
            ends = self.stops.until(captive, cargo, now)
            return captive, (ends if ends > now else None)
        stop_ends = [self.stops.until(g, cargo, now) for g in range(len(reach))]
        takes = [r and e <= now for r, e in zip(reach, stop_ends)]
        if not any(takes):
            if not any(reach):
                return -1, None
            ends, g = min((stop_ends[g], g) for g, r in enumerate(reach) if r)
            return g, ends  # every gate on its roads has stopped its cargo: the first to take it again
        return self.logit_choice(k, takes), None

    def logit_choice(self, k: int, takes: list[bool]) -> int:
        """The logit over the gates that take the truck now: travel, driving in the gate's route,
        fee and the wait published ``info_delay_h`` ago (hours)."""
        di = self.direction[k]
        seen = self.published.seen(self.env.now)
        travel = self.travel_h[self.origin[k]]
        cost = [
            (travel[g] or 0.0)
            + self.waits[g].route_travel_h[di]
            + self.fee_h[g]
            + seen[g * len(DIRECTIONS) + di]
            if takes[g]
            else 0.0
            for g in range(len(takes))
        ]
        return logit_pick(cost, takes, self.corridor.choice.scale_h, self.u_choice[k])

    # ---- helpers -----------------------------------------------------------------------------

    def _yard_users_on_way(self, gi: int) -> Callable[[], int]:
        """Gate ``gi``'s trucks on their way whose route takes a yard slot (what its meter counts)."""
        uses = [d for d, u in enumerate(self.uses_yard[gi]) if u]
        return lambda: sum(self.on_way[gi][d] for d in uses)

    def log(self, k: int, gi: int, kind: Kind) -> None:
        self.gates[gi].log(k, NO_STAGE, kind)

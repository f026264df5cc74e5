"""The corridor as a truck source: trucks leave their origin, choose a gate, may
be held or book a slot, and are handed to the gate's runtime when they reach it.

One corridor truck id space (:mod:`~gatesim.model.corridor.columns`). Events of
the corridor (appended to ``Kind``): HELD (the truck is held at its origin for a
gate: metering, or its gate has stopped taking its cargo), RELEASED, BOOKED,
DEPARTED (it leaves its origin for the gate); each is logged in the chosen
gate's part of the log, at the instant it happens, so the log stays in time
order per gate. The decisions read the gates' state at the instant only:
published waits (:mod:`~gatesim.model.corridor.waits`), the metered gates'
yards and approaches (:mod:`~gatesim.model.corridor.metering`), the slots
booked so far (:mod:`~gatesim.model.corridor.booking`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import simpy

from gatesim.events.kinds import NO_STAGE, Kind, pack
from gatesim.events.log import EventLog
from gatesim.model.build import GatePlan, ReplicationPlan
from gatesim.model.corridor.booking import SlotBook, booked_ranks, books_mask
from gatesim.model.corridor.choice import captive_bands, logit_pick
from gatesim.model.corridor.columns import CorridorColumns, column_view
from gatesim.model.corridor.demand import corridor_meta, corridor_of, draw_demand
from gatesim.model.corridor.metering import Meter
from gatesim.model.corridor.stops import CargoStops
from gatesim.model.corridor.waits import GateWaits, PublishedWaits
from gatesim.model.process import Call, Ticker, start
from gatesim.model.sources import FedGate, GateTrucks
from gatesim.scenario.schema import DIRECTIONS, Scenario

__all__ = ["CorridorSource"]

_HELD, _RELEASED, _DEPARTED = int(Kind.HELD), int(Kind.RELEASED), int(Kind.DEPARTED)
_BOOKED = int(Kind.BOOKED)
_STAGED, _CALLED, _STAGING_FULL = int(Kind.STAGED), int(Kind.CALLED), int(Kind.STAGING_FULL)


def reachable(scenario: Scenario, travel_h: np.ndarray) -> list[list[list[bool]]]:
    """``[origin][direction][gate]``: the gate is on the origin's roads and has a route for the direction."""
    gates = list(scenario.gates.values())
    return [
        [
            [not math.isnan(travel_h[o, g]) and d in gate.routes for g, gate in enumerate(gates)]
            for d in DIRECTIONS
        ]
        for o in range(travel_h.shape[0])
    ]


def fixed_costs(scenario: Scenario, travel_h: np.ndarray, waits: list[GateWaits]) -> list[list[list[float]]]:
    """``[origin][direction][gate]``: the cost (hours) that does not change: travel to the
    gate, driving inside its route, and its fee in hours of the value of time."""
    ch = corridor_of(scenario).choice
    fee_h = [ch.fee_vnd.get(g, 0.0) / ch.value_of_time_vnd_per_h for g in scenario.gates]
    return [
        [
            [
                float(np.nan_to_num(travel_h[o, g])) + float(w.route_travel_h[di]) + float(fee_h[g])
                for g, w in enumerate(waits)
            ]
            for di in range(len(DIRECTIONS))
        ]
        for o in range(travel_h.shape[0])
    ]


class CorridorSource:
    """Demand, choice, holding, booking and dispatch of one replication's corridor trucks."""

    def __init__(self, plan: ReplicationPlan) -> None:
        sc = plan.scenario
        self.scenario = sc
        self.cor = corridor_of(sc)
        self.clock = plan.clock
        self.demand = draw_demand(sc, plan.clock, plan.seed, plan.replication)
        self.columns = CorridorColumns(sc, self.demand, plan.seed, plan.replication)
        self.gate_ids = list(sc.gates)
        # travel hours origin x gate (nan: not reachable)
        self.travel_h = np.array(
            [[o.travel_min.get(g, math.nan) / 60.0 for g in self.gate_ids] for o in self.cor.origins.values()]
        )
        # Per-truck reads in the decisions are Python numbers (a numpy scalar costs ~10x to
        # index and to compute with, and a numpy time reaching SimPy's clock made every
        # comparison in its event heap slower): memoryviews of the columns, nested lists.
        self._travel = self.travel_h.tolist()
        d = self.demand
        self._t, self._origin = column_view(d.t_h), column_view(d.origin)
        self._dir, self._cargo = column_view(d.direction), column_view(d.cargo)
        self._t_arrival = column_view(self.columns.t_arrival)
        self.stops = CargoStops(self.cor.stops, self.gate_ids, plan.clock)
        self.published = PublishedWaits(self.cor.choice, self.gate_ids)
        # every truck sent to the gate and not arrived yet, per direction: the published wait counts them
        self.en_route_by_dir = [[0] * len(DIRECTIONS) for _ in self.gate_ids]
        self.excluded: dict[int, set[int]] = {}  # truck -> gates it gave up at

    # ---- the source protocol (gatesim.model.sources) -----------------------------------

    def trucks_for(self, gp: GatePlan, log: EventLog) -> GateTrucks:
        return GateTrucks(self.columns.trucks_for(gp.gid), 0)

    def attach(self, env: simpy.Environment, log: EventLog, gates: Mapping[str, FedGate]) -> None:
        self.env, self.log = env, log
        sc, ids = self.scenario, self.gate_ids
        self.gates = [gates[g] for g in ids]
        self.codes = [rt.code for rt in self.gates]
        self._log_t = [log.gate(c).t_h.append for c in self.codes]
        self._log_word = [log.gate(c).word.append for c in self.codes]
        self._gate_bits = [pack(0, c, NO_STAGE, 0) for c in self.codes]
        self.waits = [GateWaits(sc.gates[g], rt.stages, rt) for g, rt in zip(ids, self.gates)]
        self.meters = [
            Meter(m, rt) if (m := self.cor.metering.get(g)) is not None else None
            for g, rt in zip(ids, self.gates)
        ]
        self.reach = reachable(sc, self.travel_h)
        self.fixed_cost = fixed_costs(sc, self.travel_h, self.waits)
        self.columns.prepare(ids, self.cor.choice.rechoose_after_reneging)
        self._decide_up_front()
        self.yard_user = [
            [(r := sc.gates[g].routes.get(d)) is not None and r.yard_from is not None for g in ids]
            for d in DIRECTIONS
        ]
        if self.published.fixed is None:
            start(env, lambda _r: self._publisher())
        for meter in self.meters:
            if meter is not None:
                start(env, lambda _r, m=meter: self._metering(m))  # type: ignore[misc]  # mypy cannot type a lambda with bound defaults
        self._next, self._woken_for = 0, False  # the next truck to leave; its wake-up is pending
        Ticker(env, self._departures)

    def reneged(self, gate_code: int, k: int) -> None:
        """With ``rechoose_after_reneging``, the truck chooses again among the gates it has not tried."""
        if self.cor.choice.rechoose_after_reneging:
            self.excluded.setdefault(k, set()).add(self.codes.index(gate_code))
            self._decide(k)

    def finish(self, log: EventLog, meta: dict) -> None:
        """The payload (fixed as the trucks departed) and the corridor's metadata."""
        log.add_payload(0, self.columns.payload())
        meta["corridor"] = corridor_meta(self.cor, self.demand, self.clock)

    def _decide_up_front(self) -> None:
        """Turn the uniforms that only decide a band or a yes/no into what they decide, and
        drop them (float64 per truck each; a year of the corridor: 6 MB a column): the
        captive gate, and per gate that takes bookings whether the truck books and shows up."""
        u = self.demand.u
        self._u_choice, self._u_slot = column_view(u["choice"]), column_view(u["slot"])
        self.captive_of = column_view(
            captive_bands(u.pop("captive"), [self.cor.choice.captive.get(g, 0.0) for g in self.gate_ids])
        )
        u_book, u_show = u.pop("booking"), u.pop("no_show")
        self.slots: list[SlotBook | None] = []
        for g, rt in zip(self.gate_ids, self.gates):
            rule = self.cor.booking.get(g)
            books = books_mask(rule, u_book, u_show)
            self.slots.append(
                None
                if rule is None or books is None
                else SlotBook(
                    rule,
                    self.clock.horizon_h,
                    books,
                    self.columns.gate_trucks[g],
                    booked_ranks(self.scenario.gates[g], rt.stages),
                )
            )

    # ---- processes ----------------------------------------------------------------------

    def _publisher(self):
        every = self.cor.choice.publish_every_h
        while True:
            self.published.publish(self.env.now, self.waits, self.en_route_by_dir)
            yield every

    def _departures(self) -> float | None:
        """Each truck decides at its departure instant, in demand order: the truck this
        wake-up was for (its instant reached as SimPy reckons it, ``now + (t - now)``),
        then every truck due by now."""
        t, k, n = self._t, self._next, len(self._t)
        now = self.env.now
        if k < n and self._woken_for:
            self._decide(k)
            k += 1
        while k < n and not t[k] > now:
            self._decide(k)
            k += 1
        self._next = k
        self._woken_for = k < n
        return t[k] - now if k < n else None

    def _metering(self, meter: Meter):
        every = meter.rule.check_every_h
        gi = self.gates.index(meter.gate)
        while True:
            self._release(meter, gi)
            yield every

    # ---- decisions ----------------------------------------------------------------------

    def _decide(self, k: int) -> None:
        """Choose the truck's gate now (plain Python: this runs once per corridor truck)."""
        o, di, ci = self._origin[k], self._dir[k], self._cargo[k]
        reach = self.reach[o][di]
        if self.excluded and k in self.excluded:
            tried = self.excluded[k]
            reach = [r and g not in tried for g, r in enumerate(reach)]
        cap = self.captive_of[k]
        if cap >= 0 and reach[cap]:
            self._go_captive(k, cap, ci)
        else:
            self._choose(k, o, di, ci, reach)

    def _go_captive(self, k: int, gi: int, ci: int) -> None:
        now = self.env.now
        until = self.stops.until(gi, ci, now) if self.stops else 0.0
        if until > now:
            self._hold_until(k, gi, until)
        else:
            self._go(k, gi)

    def _choose(self, k: int, o: int, di: int, ci: int, reach: list[bool]) -> None:
        """The logit over the reachable gates that take the truck's cargo now."""
        now = self.env.now
        n_g = len(reach)
        if self.stops:
            stopped = [self.stops.until(g, ci, now) for g in range(n_g)]
            eligible = [reach[g] and stopped[g] <= now for g in range(n_g)]
            if not any(eligible):
                # every reachable gate has stopped this cargo: wait for the first to take it again
                if any(reach):
                    g = min((stopped[g], g) for g in range(n_g) if reach[g])[1]
                    self._hold_until(k, g, stopped[g])
                return  # no gate at all: the truck never leaves (the scenario makes it unreachable)
        elif not any(reach):
            return
        else:
            eligible = reach  # no stops: every reachable gate takes it
        waits = self.published.seen(now)
        fixed = self.fixed_cost[o][di]
        nd = len(DIRECTIONS)
        cost = [fixed[g] + waits[g * nd + di] if eligible[g] else 0.0 for g in range(n_g)]
        self._go(k, logit_pick(cost, eligible, self.cor.choice.scale_h, self._u_choice[k]))

    def _hold_until(self, k: int, gi: int, until: float) -> None:
        self._log(k, gi, _HELD)
        Call(self.env, until - self.env.now, self._released, k, gi)

    def _released(self, k: int, gi: int) -> None:
        """A stop held the truck: it chooses again now."""
        self._log(k, gi, _RELEASED)
        self._decide(k)

    def _go(self, k: int, gi: int) -> None:
        slots = self.slots[gi]
        if slots is not None and slots.books[k] and self._book(k, gi, slots):
            return
        meter = self.meters[gi]
        di = self._dir[k]
        if meter is not None and self.yard_user[di][gi] and meter.must_hold():
            self._log(k, gi, _HELD)
            meter.held.append(k)
            if meter.capacity:  # platform dispatch: a staging yard, or its origin when all are full
                self._log(k, gi, _STAGED if meter.stage(k) is not None else _STAGING_FULL)
            return
        self._dispatch(k, gi)

    def _book(self, k: int, gi: int, slots: SlotBook) -> bool:
        """Book the truck's slot and send it in time for it; False if no slot is left."""
        now = self.env.now
        travel = self._travel[self._origin[k]][gi]
        h = slots.take(k, now, travel)
        if h is None:
            return False
        self._log(k, gi, _BOOKED)
        # arrive within the slot's hour (the truck's own uniform), leave the origin in time
        depart = h + self._u_slot[k] - travel
        Call(self.env, max(depart - now, 0.0), self._dispatch, k, gi)
        return True

    def _release(self, meter: Meter, gi: int) -> None:
        q = meter.held
        while q and meter.room():
            k = q.popleft()
            self._log(k, gi, _RELEASED)
            if meter.unstage(k) is None:
                self._dispatch(k, gi)
                continue
            self._log(k, gi, _CALLED)
            lead = meter.rule.staging.call_forward_lead_h  # type: ignore[union-attr]  # staged: the rule has staging
            if lead > 0.0:
                meter.called += 1
                Call(self.env, lead, self._called, k, gi)
            else:
                self._dispatch(k, gi)

    def _called(self, k: int, gi: int) -> None:
        """A truck called from a staging yard sets off after its call-forward lead time."""
        meter = self.meters[gi]
        meter.called -= 1  # type: ignore[union-attr]  # only metered gates call trucks forward
        self._dispatch(k, gi)

    def _dispatch(self, k: int, gi: int) -> None:
        """The truck leaves its origin for gate ``gi``: its gate-specific draws are fixed now."""
        self.columns.fill(k, gi)
        self._log(k, gi, _DEPARTED)
        di = self._dir[k]
        meter = self.meters[gi]
        if meter is not None and self.yard_user[di][gi]:
            meter.en_route += 1
        self.en_route_by_dir[gi][di] += 1
        Call(self.env, self._travel[self._origin[k]][gi], self._arrive, k, gi)

    def _arrive(self, k: int, gi: int) -> None:
        di = self._dir[k]
        meter = self.meters[gi]
        if meter is not None and self.yard_user[di][gi]:
            meter.en_route -= 1
        self.en_route_by_dir[gi][di] -= 1
        now = self.env.now
        self._t_arrival[k] = now
        self.gates[gi].admit(k, now)

    def _log(self, k: int, gi: int, kind: int) -> None:
        self._log_t[gi](self.env.now)
        self._log_word[gi]((k << 24) | self._gate_bits[gi] | kind)  # pack(k, code, NO_STAGE, kind)

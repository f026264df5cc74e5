"""The corridor at run time: trucks leave their origin, choose a gate, may be
held, and are handed to the gate's runtime when they reach it.

One corridor truck id space: a truck's id in the log is its corridor index,
whichever gate it uses, and the gates share the per-truck columns (filled
with the chosen gate's channel, transshipment, service times and fees when
the truck departs). Events of the corridor (appended to ``Kind``): HELD (the
truck is held at its origin for a gate: metering, or its gate has stopped
taking its cargo), RELEASED, DEPARTED (it leaves its origin for the gate);
each is logged in the chosen gate's part of the log, at the instant it
happens, so the log stays in time order per gate.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from collections import deque
from typing import Any

import numpy as np
import simpy

from gatesim.corridor.choice import logit_pick
from gatesim.corridor.demand import Demand, corridor_of, draw_demand, stage_ids
from gatesim.corridor.waits import GateWaits, mean_service_h
from gatesim.events.kinds import NO_STAGE, Kind, pack
from gatesim.events.log import NO_PRIORITY, EventLog
from gatesim.model.arrivals import Arrivals
from gatesim.model.calendar import Clock
from gatesim.model.process import Sleeper, start
from gatesim.model.streams import stream
from gatesim.model.trucks import Trucks, _queue_rule_draws, unit_variates
from gatesim.scenario.schema import CARGO_CLASSES, CHANNELS, DIRECTIONS, Scenario

__all__ = ["CorridorRun"]

_HELD, _RELEASED, _DEPARTED = int(Kind.HELD), int(Kind.RELEASED), int(Kind.DEPARTED)
_BOOKED = int(Kind.BOOKED)
_BIG_H = 1e6  # a wait that never ends (a gate that never opens again): cost, not inf


class CorridorRun:
    """Demand, choice, holding and dispatch of one replication's corridor trucks."""

    # False: keep the service variates apart from the service columns (the tests compare both)
    service_in_place = True

    def __init__(self, scenario: Scenario, clock: Clock, seed: int, replication: int) -> None:
        self.scenario = scenario
        self.cor = corridor_of(scenario)
        self.clock = clock
        self.demand: Demand = draw_demand(scenario, clock, seed, replication)
        n = self.demand.n
        self.gate_ids = list(scenario.gates)
        self.t_arrival = np.full(n, np.nan)
        self.channel = np.zeros(n, np.uint8)
        self.transshipped = np.zeros(n, bool)
        self.tax = np.zeros(n)
        self.fee = np.zeros(n)
        self.gate_of = np.full(n, -1, np.int16)
        self.service = {sid: np.zeros(n) for sid in stage_ids(scenario)}
        self.priority = np.full(n, NO_PRIORITY, np.uint8)
        self.arrivals = Arrivals(self.t_arrival, self.demand.direction, self.demand.cargo)
        self.no_arrivals = Arrivals(np.empty(0), np.empty(0, np.uint8), np.empty(0, np.uint8))
        self._seed, self._rep = seed, replication
        self._gates: dict[str, tuple[int, Any, dict]] = {}  # gate -> (code, GateRuntime, stage runtimes)
        self._gate_trucks: dict[str, Trucks] = {}
        origins = list(self.cor.origins.values())
        # travel hours origin x gate (nan: not reachable)
        self.travel_h = np.array(
            [[o.travel_min.get(g, math.nan) / 60.0 for g in self.gate_ids] for o in origins]
        )
        ch = self.cor.choice
        self.fee_h = np.array([ch.fee_vnd.get(g, 0.0) / ch.value_of_time_vnd_per_h for g in self.gate_ids])
        self.captive = [ch.captive.get(g, 0.0) for g in self.gate_ids]
        self.has_route = np.array(
            [[d in scenario.gates[g].routes for g in self.gate_ids] for d in DIRECTIONS]
        )
        self.stops = [
            (
                self.gate_ids.index(s.gate),
                CARGO_CLASSES.index(s.cargo),
                clock.hours_of(s.start),
                clock.hours_of(s.end),
            )
            for s in self.cor.stops
        ]
        self.hold: list[deque[int]] = [deque() for _ in self.gate_ids]
        self.en_route = [0] * len(self.gate_ids)  # yard users sent to the gate, not arrived yet
        # every truck sent to the gate and not arrived yet, per direction: the published wait counts them
        self.en_route_by_dir = [[0] * len(DIRECTIONS) for _ in self.gate_ids]
        # The published waits as typed columns (a year at 15 min: 35k figures; as tuples of
        # nested lists they took ~22 MiB): instants, and their waits flat, [gate][direction].
        self.published_t = array("d")
        self.published_w = array("d")
        fw = self.cor.choice.fixed_wait_h
        self._fixed_waits = (
            None if fw is None else array("d", [fw.get(g, 0.0) for g in self.gate_ids for _d in DIRECTIONS])
        )
        self.booking = [self.cor.booking.get(g) for g in self.gate_ids]
        self.slots_used: list[dict[int, int]] = [{} for _ in self.gate_ids]  # sim hour -> booked

    # ---- wiring -------------------------------------------------------------------------

    def gate_trucks(self, gid: str) -> Trucks:
        """The per-truck columns a gate's runtime reads: shared by all gates (filled when a
        truck departs for the gate), except what the engine's queue rules need before the
        run (class rank, patience), drawn for every corridor truck as if it came here."""
        gate = self.scenario.gates[gid]
        d = self.demand
        a = gate.arrivals
        edges = np.cumsum([a.channel_shares[c] for c in CHANNELS])[:-1]
        channel = np.searchsorted(edges, d.u["channel"], side="right").astype(np.uint8)
        transshipped = d.u["transshipment"] < a.transshipment_share
        # everyone a walk-in until it books (``_book`` sets the rank of ``priority_by: booked`` stages)
        attrs = {
            "cargo": d.cargo,
            "channel": channel,
            "direction": d.direction,
            "booked": np.ones(d.n, np.uint8),
        }
        # patience from corridor streams: a truck's patience at a stage id is the same at any gate
        rng = lambda name: stream(self._seed, self._rep, "corridor", name)  # noqa: E731
        rank, patience, priority = _queue_rule_draws(gate, attrs, rng, d.n)
        t = Trucks(
            self.arrivals,
            channel,
            transshipped,
            d.value_usd,
            self.tax,
            self.fee,
            self.service,
            rank,
            patience,
            priority,
        )
        self._gate_trucks[gid] = t
        return t

    def add_gate(self, gid: str, code: int, rt, runtimes: dict) -> None:
        """Register a gate's runtime (``runtimes``: its stage runtimes by (stage id, direction))."""
        self._gates[gid] = (code, rt, runtimes)
        gate = self.scenario.gates[gid]
        for (sid, _d), stage_rt in runtimes.items():
            if hasattr(stage_rt, "mean_service_h"):  # general path: built before any truck had a service time
                stage_rt.mean_service_h = mean_service_h(gate, sid)

    def attach(self, env: simpy.Environment, log: EventLog) -> None:
        """Start the corridor's processes (after every gate is added)."""
        gates = self._gates
        self.env, self.log = env, log
        self._excluded: dict[int, set[int]] = {}  # truck -> gates it gave up at
        if self.cor.choice.rechoose_after_reneging:
            for gi, g in enumerate(self.gate_ids):
                gates[g][1].on_reneged = lambda k, gi=gi: self._reneged(k, gi)
        self.codes = [gates[g][0] for g in self.gate_ids]
        self.rts = [gates[g][1] for g in self.gate_ids]
        self.waits = [GateWaits(self.scenario.gates[g], gates[g][2], gates[g][1]) for g in self.gate_ids]
        self.meter = [self.cor.metering.get(g) for g in self.gate_ids]
        self.route_travel_h = np.array([w.route_travel_h for w in self.waits])
        # per origin and direction: reachable gates, and the cost that does not change (hours)
        n_o = self.travel_h.shape[0]
        self._reach = [
            [
                [
                    not math.isnan(self.travel_h[o, g]) and bool(self.has_route[di, g])
                    for g in range(len(self.gate_ids))
                ]
                for di in range(len(DIRECTIONS))
            ]
            for o in range(n_o)
        ]
        self._fixed_cost = [
            [
                [
                    float(np.nan_to_num(self.travel_h[o, g]))
                    + float(self.route_travel_h[g, di])
                    + float(self.fee_h[g])
                    for g in range(len(self.gate_ids))
                ]
                for di in range(len(DIRECTIONS))
            ]
            for o in range(n_o)
        ]
        self._prepare_fill()
        # the uniforms already turned into per-gate channels, transshipment and service
        # variates are not read again: free them (a year: ~10 arrays of 6 MB)
        u = self.demand.u
        self._compact_uniforms(u)
        for key in [k for k in u if k.startswith("service/")] + ["channel", "transshipment"]:
            del u[key]
        self._booked_rank = [
            [
                (sid, st.priority_order.index("booked"), gates[g][2][(sid, DIRECTIONS[0])])
                for sid, st in self.scenario.gates[g].stages.items()
                if st.discipline == "priority"
                and st.priority_by == "booked"
                and st.priority_order is not None
            ]
            for g in self.gate_ids
        ]
        self.yard_user = np.array(
            [
                [
                    (r := self.scenario.gates[g].routes.get(d)) is not None and r.yard_from is not None
                    for g in self.gate_ids
                ]
                for d in DIRECTIONS
            ]
        )
        if self.cor.choice.fixed_wait_h is None:
            start(env, lambda _r: self._publisher())
        for gi, m in enumerate(self.meter):
            if m is not None:
                start(env, lambda _r, gi=gi: self._metering(gi))  # type: ignore[misc]  # mypy cannot type a lambda with bound defaults
        start(env, lambda _r: self._departures())

    def payload(self) -> dict[str, np.ndarray]:
        return {
            "priority": self.priority,
            "direction": self.demand.direction,
            "cargo": self.demand.cargo,
            "channel": self.channel,
            "transshipped": self.transshipped,
            "value_usd": self.demand.value_usd,
            "tax_vnd": self.tax,
            "fee_vnd": self.fee,
        }

    def meta(self) -> dict:
        w0, w1 = self.clock.window_h
        return {
            "origins": list(self.cor.origins),
            "generated": int(self.demand.n),
            "generated_in_window": int(self.demand.n_window),
            "slots_in_window": {
                g: b.slots_per_h * sum(1 for h in range(int(w0), int(w1)) if b.from_h <= h % 24 < b.to_h)
                for g, b in self.cor.booking.items()
            },
            # slots offered in each hour of the day (the hourly slot_use's denominator)
            "slots_per_hour_of_day": {
                g: [b.slots_per_h if b.from_h <= h < b.to_h else 0 for h in range(24)]
                for g, b in self.cor.booking.items()
            },
        }

    # ---- processes ----------------------------------------------------------------------

    def _publisher(self):
        every = self.cor.choice.publish_every_h
        nd = len(DIRECTIONS)
        waits, times = self.published_w, self.published_t
        while True:
            now = self.env.now
            times.append(now)
            for gw, on_way in zip(self.waits, self.en_route_by_dir):
                for d in range(nd):
                    waits.append(min(gw.expected_wait_h(d, now, on_way[d]), _BIG_H))
            yield every

    def _departures(self):
        t = self.demand.t_h
        for k in range(t.size):
            if t[k] > self.env.now:
                yield t[k] - self.env.now
            self._decide(k)

    def _metering(self, gi: int):
        m = self.meter[gi]
        assert m is not None  # started only for a metered gate
        every = m.check_every_h
        while True:
            self._release(gi)
            yield every

    # ---- decisions ----------------------------------------------------------------------

    def _seen_waits(self, now: float) -> array:
        """Waits as published ``info_delay_h`` before now, flat: ``[gate * n_directions + direction]``."""
        if self._fixed_waits is not None:
            return self._fixed_waits
        target = now - self.cor.choice.info_delay_h
        # the latest figure published at or before target (the first one if none yet)
        i = max(bisect_right(self.published_t, target) - 1, 0)
        m = len(self.gate_ids) * len(DIRECTIONS)
        return self.published_w[i * m : (i + 1) * m]

    def _stopped_until(self, gi: int, cargo: int, now: float) -> float:
        """End of a stop of ``cargo`` at gate ``gi`` in force now (0 if none)."""
        end = 0.0
        for g, c, t0, t1 in self.stops:
            if g == gi and c == cargo and t0 <= now < t1:
                end = max(end, t1)
        return end

    def _decide(self, k: int) -> None:
        """Choose the truck's gate now (plain Python: this runs once per corridor truck)."""
        d = self.demand
        now = self.env.now
        o, di, ci = int(d.origin[k]), int(d.direction[k]), int(d.cargo[k])
        reach = self._reach[o][di]
        if self._excluded and k in self._excluded:
            tried = self._excluded[k]
            reach = [r and g not in tried for g, r in enumerate(reach)]
        cap = int(self._captive_of[k])
        if cap >= 0 and reach[cap]:
            until = self._stopped_until(cap, ci, now) if self.stops else 0.0
            if until > now:
                self._hold_until(k, cap, until)
            else:
                self._go(k, cap)
            return
        n_g = len(self.gate_ids)
        stopped = [self._stopped_until(g, ci, now) for g in range(n_g)] if self.stops else [0.0] * n_g
        eligible = [reach[g] and stopped[g] <= now for g in range(n_g)]
        if not any(eligible):
            if any(reach):  # every reachable gate has stopped this cargo: wait for the first to take it again
                g = min((stopped[g], g) for g in range(n_g) if reach[g])[1]
                self._hold_until(k, g, stopped[g])
            return  # no gate at all: the truck never leaves (the scenario makes it unreachable)
        waits = self._seen_waits(now)
        fixed = self._fixed_cost[o][di]
        nd = len(DIRECTIONS)
        cost = [fixed[g] + waits[g * nd + di] if eligible[g] else 0.0 for g in range(n_g)]
        self._go(k, logit_pick(cost, eligible, self.cor.choice.scale_h, float(d.u["choice"][k])))

    def _reneged(self, k: int, gi: int) -> None:
        """The truck gave up at gate ``gi``: it chooses again among the gates it has not tried."""
        self._excluded.setdefault(k, set()).add(gi)
        self._decide(k)

    def _hold_until(self, k: int, gi: int, until: float) -> None:
        self._log(k, gi, _HELD)
        ev = self.env.timeout(until - self.env.now)
        ev.callbacks.append(lambda _e, k=k, gi=gi: (self._log(k, gi, _RELEASED), self._decide(k)))  # type: ignore[misc, arg-type, func-returns-value]  # a lambda run for its two calls

    def _go(self, k: int, gi: int) -> None:
        b = self.booking[gi]
        books = self._books[gi]  # see _compact_uniforms
        if books is not None and books[k] and self._book(k, gi, b):
            return
        m = self.meter[gi]
        di = int(self.demand.direction[k])
        if m is not None and self.yard_user[di, gi] and (self.hold[gi] or not self._room(gi)):
            self._log(k, gi, _HELD)
            self.hold[gi].append(k)
            return
        self._dispatch(k, gi)

    def _book(self, k: int, gi: int, b) -> bool:
        """Book the first hour with a free slot that the truck can reach; False if none is left."""
        now = self.env.now
        travel = float(self.travel_h[int(self.demand.origin[k]), gi])
        h = math.ceil(now + b.lead_h + travel)
        used = self.slots_used[gi]
        horizon = self.clock.horizon_h
        while h < horizon:
            if b.from_h <= h % 24 < b.to_h and used.get(h, 0) < b.slots_per_h:
                break
            h += 1
        else:
            return False
        used[h] = used.get(h, 0) + 1
        self._log(k, gi, _BOOKED)
        gt = self._gate_trucks[self.gate_ids[gi]]
        for sid, rank, stage_rt in self._booked_rank[gi]:  # served first where a stage ranks by booking
            gt.rank[sid][k] = rank  # the payload's priority column
            stage_rt._rank[k] = rank  # the engine's queue keeps its ranks as a list
        # arrive within the slot's hour (the truck's own uniform), leave the origin in time
        depart = h + float(self.demand.u["slot"][k]) - travel
        ev = self.env.timeout(max(depart - now, 0.0))
        ev.callbacks.append(lambda _e, k=k, gi=gi: self._dispatch(k, gi))  # type: ignore[misc]  # mypy cannot type a lambda with bound defaults
        return True

    def _room(self, gi: int) -> bool:
        """True if one more truck sent now keeps the gate within its metering thresholds."""
        m, rt = self.meter[gi], self.rts[gi]
        assert m is not None  # holding (and so release) only at a metered gate
        on_approach = self.waits[gi].on_approach()
        coming = self.en_route[gi] + 1
        if m.approach_max_trucks is not None and on_approach + coming > m.approach_max_trucks + rt.yard_free:
            return False
        if m.yard_max_trucks is not None:
            in_yard = getattr(rt, "yard_capacity", None)
            in_yard = (
                in_yard
                if in_yard is not None
                else self.scenario.gates[self.gate_ids[gi]].yard.capacity_trucks  # type: ignore[union-attr]  # yard_max_trucks: validated for a gate with a yard
            ) - rt.yard_free
            if in_yard + on_approach + coming > m.yard_max_trucks:
                return False
        return True

    def _release(self, gi: int) -> None:
        q = self.hold[gi]
        while q and self._room(gi):
            k = q.popleft()
            self._log(k, gi, _RELEASED)
            self._dispatch(k, gi)

    def _dispatch(self, k: int, gi: int) -> None:
        """The truck leaves its origin for gate ``gi``: its gate-specific draws are fixed now."""
        self._fill(k, gi)
        self._log(k, gi, _DEPARTED)
        if self.yard_user[int(self.demand.direction[k]), gi]:
            self.en_route[gi] += 1
        self.en_route_by_dir[gi][int(self.demand.direction[k])] += 1
        delay = float(self.travel_h[int(self.demand.origin[k]), gi])
        ev = self.env.timeout(delay)
        ev.callbacks.append(lambda _e, k=k, gi=gi: self._arrive(k, gi))  # type: ignore[misc]  # mypy cannot type a lambda with bound defaults

    def _arrive(self, k: int, gi: int) -> None:
        if self.yard_user[int(self.demand.direction[k]), gi]:
            self.en_route[gi] -= 1
        self.en_route_by_dir[gi][int(self.demand.direction[k])] -= 1
        self.t_arrival[k] = self.env.now
        rt = self.rts[gi]
        w = Sleeper(self.env, k)
        w.attach(rt._truck(k, w))
        w.at(self.env.now)

    def _compact_uniforms(self, u: dict[str, np.ndarray]) -> None:
        """Turn the uniforms that only decide a yes/no or a band into what they decide, and
        drop them (float64 per truck each; a year of the corridor: 6 MB a column).

        The captive gate (``captive_gate`` of the truck's uniform): the first band
        whose cumulative share, summed in gate order as there, exceeds the uniform (a
        zero share adds no band). Booking, per gate that takes bookings: the truck books
        and shows up (a no-show walks in like any other truck: its slot is lost, so a
        no-show rate of 1 is exactly the walk-in-only corridor).
        """
        totals, total = [], 0.0
        for share in self.captive:
            total += share
            totals.append(total)
        band = np.searchsorted(np.array(totals), u.pop("captive"), side="right")
        self._captive_of = np.where(band < len(totals), band, -1).astype(np.int8)
        booking, no_show = u.pop("booking"), u.pop("no_show")
        self._books = [
            None if b is None else (booking < b.share_booking) & (no_show >= b.no_show) for b in self.booking
        ]

    def _prepare_fill(self) -> None:
        """Per gate, what a truck's gate-specific draws need, so that ``_fill`` is scalar
        arithmetic: channel edges, and per stage the mean-minute parts and the mean-one
        variates of the truck's service uniform (one array per distinct stage shape)."""
        sc = self.scenario
        variates: dict[tuple, np.ndarray] = {}
        # A truck's gate-specific draws are fixed once (when it departs) unless it may choose
        # again after reneging: then one stage shape's variates per stage id can live in the
        # stage's own service column (read at k, then overwritten at k by the truck's hours):
        # a year of the corridor: 7 columns of 6 MB less.
        in_place = self.service_in_place and not self.cor.choice.rechoose_after_reneging
        self._gate_fill: list[tuple[Trucks, list[tuple]]] = []
        for g in self.gate_ids:
            gate = sc.gates[g]
            stages: list[tuple] = []
            for sid, st in gate.stages.items():
                if st.kind == "road":
                    stages.append((self.service[sid], 1.0 / st.per_lane_vehicles_per_h, 0.0, None, None))
                    continue
                svc = st.service
                key = (sid, svc.dist, svc.cv)
                if key not in variates:
                    unit = unit_variates(svc.dist, svc.cv, self.demand.u[f"service/{sid}"])
                    if in_place and not any(k[0] == sid for k in variates):
                        np.copyto(self.service[sid], unit)  # in place: the gates hold views of it
                        unit = self.service[sid]
                    variates[key] = unit
                by_ch = [svc.by_channel_min[c] for c in CHANNELS] if svc.by_channel_min else None
                trans = svc.transshipment_mean_min if svc.transshipment_steps_min else 0.0
                stages.append((self.service[sid], svc.base_mean_min, trans, by_ch, variates[key]))
            self._gate_fill.append((self._gate_trucks[g], stages))
        self._tax_rate = [
            [sc.cargo[c].tax_rate[d] * sc.economy.vnd_per_usd for c in CARGO_CLASSES] for d in DIRECTIONS
        ]
        self._infra = [sc.fees.infrastructure_vnd_per_trip[d] for d in DIRECTIONS]

    def _fill(self, k: int, gi: int) -> None:
        gt, stages = self._gate_fill[gi]
        d = self.demand
        channel = int(gt.channel[k])
        trans = bool(gt.transshipped[k])
        if gt.priority is not None:
            self.priority[k] = gt.priority[k]
        self.gate_of[k] = gi
        self.channel[k] = channel
        self.transshipped[k] = trans
        di, ci = int(d.direction[k]), int(d.cargo[k])
        self.tax[k] = d.value_usd[k] * self._tax_rate[di][ci]
        self.fee[k] = self._infra[di] + (self.scenario.fees.transshipment_vnd_per_truck if trans else 0.0)
        for out, base, trans_min, by_ch, unit in stages:
            if unit is None:  # a road: the lane's headway
                out[k] = base
                continue
            mean = base + (trans_min if trans else 0.0) + (by_ch[channel] if by_ch is not None else 0.0)
            out[k] = mean * unit[k] / 60.0

    def _log(self, k: int, gi: int, kind: int) -> None:
        part = self.log.gate(self.codes[gi])
        part.t_h.append(self.env.now)
        part.word.append(pack(k, self.codes[gi], NO_STAGE, kind))

"""The corridor's per-truck columns: one truck id space over the gates.

A truck's id in the log is its corridor index, whichever gate it uses, and
the gates share the per-truck columns: arrival instant, channel,
transshipment, service hours, tax and fee, filled with the chosen gate's
draws when the truck leaves its origin (:meth:`CorridorColumns.fill`). What a
gate's queue rules need before the run (class rank, patience) is drawn for
every corridor truck as if it came to that gate.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from gatesim.events.log import NO_PRIORITY
from gatesim.model.arrivals import Arrivals
from gatesim.model.corridor.demand import Demand, stage_ids
from gatesim.model.streams import stream
from gatesim.model.trucks import Trucks, queue_rule_draws, unit_variates
from gatesim.scenario.schema import CARGO_CLASSES, CHANNELS, DIRECTIONS, Gate, Scenario

__all__ = ["CorridorColumns", "column_view"]


def column_view(values: np.ndarray) -> memoryview[Any]:
    """A per-truck column read (and written) item by item as Python numbers, without a copy."""
    # ndarray has the buffer protocol; numpy's stubs do not declare it as Buffer
    return memoryview(np.ascontiguousarray(values))  # type: ignore[arg-type]


class StageFill(NamedTuple):
    """How a truck's service hours at one stage of a gate are made when it departs."""

    out: memoryview[Any]  # the stage id's shared service column (hours per truck)
    base: float  # base mean minutes; a road: its lane headway in hours
    transshipment_min: float  # added when the truck is transshipped
    by_channel_min: list[float] | None  # added by the truck's channel
    unit: memoryview[Any] | None  # the truck's mean-one variate (None: a road)


class GateFill(NamedTuple):
    channel: memoryview  # the gate's draws for every truck
    transshipped: memoryview
    priority: memoryview | None
    stages: list[StageFill]


class CorridorColumns:
    """The shared per-truck columns, and each gate's view of them."""

    # False: keep the service variates apart from the service columns (the tests compare both)
    service_in_place = True

    def __init__(self, scenario: Scenario, demand: Demand, seed: int, replication: int) -> None:
        n = demand.n
        self.scenario = scenario
        self.demand = demand
        self.t_arrival = np.full(n, np.nan)
        self.channel = np.zeros(n, np.uint8)
        self.transshipped = np.zeros(n, bool)
        self.tax = np.zeros(n)
        self.fee = np.zeros(n)
        self.gate_of = np.full(n, -1, np.int16)
        ids = stage_ids(scenario)
        # one matrix, a row per stage id: the compiled kernel reads it as it is (model/kernel_corridor.py)
        self.service_matrix = np.zeros((len(ids), n))
        self.service = {sid: self.service_matrix[i] for i, sid in enumerate(ids)}
        self.priority = np.full(n, NO_PRIORITY, np.uint8)
        self.arrivals = Arrivals(self.t_arrival, demand.direction, demand.cargo)
        self._seed, self._rep = seed, replication
        self.gate_trucks: dict[str, Trucks] = {}
        self._fills: list[GateFill] = []
        sc = scenario
        self._tax_rate = [
            [sc.cargo[c].tax_rate[d] * sc.economy.vnd_per_usd for c in CARGO_CLASSES] for d in DIRECTIONS
        ]
        self._infra = [sc.fees.infrastructure_vnd_per_trip[d] for d in DIRECTIONS]

    def trucks_for(self, gid: str) -> Trucks:
        """The columns a gate's runtime reads (its own channel and transshipment draws)."""
        gate = self.scenario.gates[gid]
        d = self.demand
        a = gate.arrivals
        edges = np.cumsum([a.channel_shares[c] for c in CHANNELS])[:-1]
        channel = np.searchsorted(edges, d.u["channel"], side="right").astype(np.uint8)
        transshipped = d.u["transshipment"] < a.transshipment_share
        # everyone a walk-in until it books (booking sets the rank of ``priority_by: booked`` stages)
        attrs = {
            "cargo": d.cargo,
            "channel": channel,
            "direction": d.direction,
            "booked": np.ones(d.n, np.uint8),
        }
        # patience from corridor streams: a truck's patience at a stage id is the same at any gate
        q = queue_rule_draws(gate, attrs, lambda name: stream(self._seed, self._rep, "corridor", name), d.n)
        t = Trucks(
            self.arrivals,
            channel,
            transshipped,
            d.value_usd,
            self.tax,
            self.fee,
            self.service,
            q.rank,
            q.patience_h,
            q.priority,
        )
        self.gate_trucks[gid] = t
        return t

    def prepare(self, gate_ids: list[str], rechoose: bool) -> None:
        """Per gate, what a truck's gate-specific draws need, so that :meth:`fill` is
        scalar arithmetic; then free the uniforms they were made from (a year: ~10
        arrays of 6 MB). Call once every gate has its trucks."""
        variates: dict[tuple[str, str, float], np.ndarray] = {}
        # A truck's gate-specific draws are fixed once (when it departs) unless it may choose
        # again after reneging: then one stage shape's variates per stage id can live in the
        # stage's own service column (read at k, then overwritten at k by the truck's hours):
        # a year of the corridor: 7 columns of 6 MB less.
        in_place = self.service_in_place and not rechoose
        for g in gate_ids:
            gate = self.scenario.gates[g]
            stages = [self._stage_fill(gate, sid, variates, in_place) for sid in gate.stages]
            gt = self.gate_trucks[g]
            priority = None if gt.priority is None else column_view(gt.priority)
            self._fills.append(
                GateFill(column_view(gt.channel), column_view(gt.transshipped), priority, stages)
            )
        d = self.demand
        self._direction = column_view(d.direction)
        self._cargo = column_view(d.cargo)
        self._value = column_view(d.value_usd)
        columns: dict[str, np.ndarray] = {
            "priority": self.priority,
            "gate": self.gate_of,
            "channel": self.channel,
            "transshipped": self.transshipped,
            "tax": self.tax,
            "fee": self.fee,
        }
        self._out = {name: column_view(c) for name, c in columns.items()}
        u = self.demand.u
        for key in [k for k in u if k.startswith("service/")] + ["channel", "transshipment"]:
            del u[key]

    def _stage_fill(
        self, gate: Gate, sid: str, variates: dict[tuple[str, str, float], np.ndarray], in_place: bool
    ) -> StageFill:
        st = gate.stages[sid]
        if st.kind == "road":
            return StageFill(
                column_view(self.service[sid]), 1.0 / st.per_lane_vehicles_per_h, 0.0, None, None
            )
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
        return StageFill(
            column_view(self.service[sid]), svc.base_mean_min, trans, by_ch, column_view(variates[key])
        )

    def fill(self, k: int, gi: int) -> None:
        """Truck ``k`` leaves for gate ``gi``: its gate-specific columns are fixed now."""
        channel_of, transshipped_of, priority_of, stages = self._fills[gi]
        out = self._out
        channel = channel_of[k]
        trans = transshipped_of[k]
        if priority_of is not None:
            out["priority"][k] = priority_of[k]
        out["gate"][k] = gi
        out["channel"][k] = channel
        out["transshipped"][k] = trans
        di, ci = self._direction[k], self._cargo[k]
        out["tax"][k] = self._value[k] * self._tax_rate[di][ci]
        out["fee"][k] = self._infra[di] + (self.scenario.fees.transshipment_vnd_per_truck if trans else 0.0)
        for service, base, trans_min, by_ch, unit in stages:
            if unit is None:  # a road: the lane's headway
                service[k] = base
                continue
            mean = base + (trans_min if trans else 0.0) + (by_ch[channel] if by_ch is not None else 0.0)
            service[k] = mean * unit[k] / 60.0

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

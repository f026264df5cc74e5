"""A corridor replication on the compiled kernel: SimPy decides, the kernel runs the gates.

The corridor (:mod:`gatesim.model.corridor.source`) runs on SimPy as on the booking
engine: trucks leave their origins, choose a gate, may be held or book a slot, and
are handed to their gate when they reach it. Here each gate is a kernel
(:class:`~gatesim.model.kernel_sim.GateArrays`) run lazily: when the corridor reads a
gate's state at an instant ``T`` (published waits, a meter's yard and approach), the
gate's kernel first runs its wake-ups before ``T``. SimPy runs every stage and corridor
event of an instant before any truck's (NORMAL, then trucks by id), so the state read
is the booking engine's. A truck handed over at ``T`` goes into the kernel's heap at
``T``; the calendar's and the corridor's rows reach the kernel as its stream of
stage-level rows, in the order SimPy logged them. The log is the booking engine's,
bit for bit (``tests/properties/test_engine_kernel_corridor.py``).

Every truck is at one gate at a time (no stage gives up on a truck here: a stage with
patience keeps a scenario on SimPy), so the gates share the per-truck arrays, indexed
by the corridor's truck id.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Mapping

import numpy as np
import simpy

from gatesim.events.log import EventLog, GateLog
from gatesim.memory import collect_run_garbage, release_free_memory
from gatesim.model.build import GatePlan, build_replication
from gatesim.model.kernel_load import run_gate_function
from gatesim.model.kernel_sim import GateArrays, SharedTrucks
from gatesim.model.kernel_state import STATE_WAIT_HEAD, STATE_WAIT_TAIL, STATE_YARD_FREE
from gatesim.model.metadata import run_metadata
from gatesim.model.stage import open_start
from gatesim.model.stage_rows import StageRows, start_calendar
from gatesim.model.trucks import Trucks
from gatesim.scenario.schema import Scenario

__all__ = ["simulate_corridor_kernel"]


def _view(values: array, dtype: type) -> np.ndarray:
    """A numpy view of an ``array`` column (drop it before the column grows again)."""
    return np.frombuffer(values, dtype) if len(values) else np.empty(0, dtype)


class KernelStage:
    """A booking runtime of a kernel gate, as the published wait reads it (``next_start``)."""

    __slots__ = ("gate", "r", "opens", "closes", "used", "always", "cap")

    def __init__(self, gate: KernelGate, r: int) -> None:
        a = gate.arrays
        lo, hi = int(a.cursor[r]), int(a.iv_hi[r])
        self.gate, self.r = gate, r
        self.opens = a.opens[lo:hi].tolist()
        self.closes = a.closes[lo:hi].tolist()
        self.used = a.used[lo:hi]  # a view: the kernel counts the starts per opening in it
        self.always = bool(a.always[r])
        self.cap = None if a.cap[r] < 0 else int(a.cap[r])

    def next_start(self, t: float) -> float:
        """:meth:`gatesim.model.stage.StageRuntime.next_start` on the kernel's arrays."""
        a = self.gate.synced()
        r = self.r
        if a.servers[r] > 0:
            free = float(a.free[a.free_lo[r]])
            if free > t:
                t = free
        if self.always:
            return t
        return open_start(t, self.opens, self.closes, self.used, self.cap)


class _Approach:
    """The trucks on a kernel gate's approach road, as ``len()`` reads them."""

    __slots__ = ("gate",)

    def __init__(self, gate: KernelGate) -> None:
        self.gate = gate

    def __len__(self) -> int:
        s = self.gate.synced().state
        return int(s[STATE_WAIT_TAIL] - s[STATE_WAIT_HEAD])


class KernelGate:
    """One gate on the kernel, as the corridor sees it (:class:`gatesim.model.sources.FedGate`)."""

    def __init__(
        self,
        env: simpy.Environment,
        gp: GatePlan,
        trucks: Trucks,
        rows: GateLog,
        shared: SharedTrucks,
        horizon_h: float,
    ) -> None:
        self.env = env
        self.code = gp.code
        self.yard_capacity = gp.gate.yard.capacity_trucks if gp.gate.yard is not None else 0
        self._rows = rows  # the gate's stage-level rows, as SimPy logs them
        no_rows = StageRows(np.empty(0), np.empty(0, np.int64), [])
        self.arrays = GateArrays(gp, no_rows, horizon_h, trucks, shared)
        self._adm_t = array("d")
        self._adm_k = array("q")
        self._until = 0.0  # the kernel has run every wake-up before this instant
        self._admitted = 0
        self._run = run_gate_function()
        self.stages: Mapping[tuple[str, str], KernelStage] = {
            key: KernelStage(self, r) for key, r in self.arrays.index.items()
        }
        self.waiters = _Approach(self)

    @property
    def yard_free(self) -> int:
        return int(self.synced().state[STATE_YARD_FREE])

    def admit(self, k: int, at_h: float) -> None:
        """Truck ``k`` (the corridor's id) reaches the gate at ``at_h`` (now)."""
        self._adm_t.append(at_h)
        self._adm_k.append(k)
        self._admitted += 1

    def start_arrivals(self) -> None:
        raise NotImplementedError("a kernel gate of the corridor has no arrivals of its own")

    def synced(self) -> GateArrays:
        """The gate's arrays after every wake-up before now (SimPy's instant)."""
        now = self.env.now
        if self._until < now:
            self.advance(now)
        return self.arrays

    def advance(self, until: float) -> None:
        """Run the gate's wake-ups before ``until``, with the trucks handed over and the rows logged so far."""
        a = self.arrays
        a.calendar_t = _view(self._rows.t_h, np.float64)
        a.calendar_w = _view(self._rows.word, np.int64)
        a.adm_t = _view(self._adm_t, np.float64)
        a.adm_k = _view(self._adm_k, np.int64)
        a.reserve(self._admitted, len(self._rows.word))
        self._run(*a.arguments(until))
        # drop the views: the columns grow again as SimPy runs on
        a.calendar_t, a.adm_t = np.empty(0), np.empty(0)
        a.calendar_w, a.adm_k = np.empty(0, np.int64), np.empty(0, np.int64)
        del self._adm_t[:], self._adm_k[:]
        self._until = until


def simulate_corridor_kernel(
    scenario: Scenario,
    days: int,
    replication: int,
    seed: int,
    on_day: Callable[[int, int], None] | None = None,
) -> tuple[EventLog, dict]:
    """One corridor replication: the corridor on SimPy, its gates on the kernel
    (``on_day(k, n)`` after each of the n simulated days).

    Then the run's garbage is freed: the corridor, SimPy's environment and the gates
    hold one another in reference cycles, and the gates' arrays hold the log's columns
    (without a collection now they lived on through decode: a year, ~230 MiB more).
    """
    out = _simulate(scenario, days, replication, seed, on_day)
    collect_run_garbage()
    return out


def _simulate(
    scenario: Scenario,
    days: int,
    replication: int,
    seed: int,
    on_day: Callable[[int, int], None] | None,
) -> tuple[EventLog, dict]:
    from gatesim.model.corridor.source import CorridorSource  # the corridor's modules load only when used

    plan = build_replication(scenario, days, replication, seed)
    clock = plan.clock
    env = simpy.Environment()
    rows = EventLog()  # the stage-level rows: the calendar's and the corridor's
    log = EventLog()
    source = CorridorSource(plan)
    cols = source.columns
    shared = SharedTrucks.of(cols.service_matrix, list(cols.service), source.demand.direction)
    gates: dict[str, KernelGate] = {}
    for gp in plan.gates:
        fed = source.trucks_for(gp, log)
        gates[gp.gid] = KernelGate(env, gp, fed.trucks, rows.gate(gp.code), shared, clock.horizon_h)
    start_calendar(env, rows, plan.calendar)
    source.attach(env, rows, gates)
    n = math.ceil(clock.horizon_h / 24)
    for k in range(1, n + 1):
        until = min(24.0 * k, clock.horizon_h)
        env.run(until=until)
        for gate in gates.values():
            gate.advance(until)
        release_free_memory()
        if on_day is not None:
            on_day(k, n)
    for gate in gates.values():
        gate.arrays.hand_over(log)
    meta = run_metadata(scenario, clock, days, replication, seed)
    source.finish(log, meta)
    return log, meta

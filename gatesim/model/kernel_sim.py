"""One replication on the compiled FIFO kernel: the built gates as arrays, run gate by gate.

The kernel (:mod:`gatesim.model.kernel`) runs a scenario whose stages are all on
a booking path: hours, daily quotas, servers, server schedules and outages,
split lanes, yards and the approach, travel, routing rules (a corridor's gates
too: :mod:`gatesim.model.kernel_corridor`). A stage with a state-dependent rule
(priority, patience, surges) stays on SimPy:
:func:`gatesim.model.kernel_scope.kernel_refusal` says why. The log it writes is bit-identical to the SimPy
booking engine's (``tests/properties/test_engine_kernel.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from gatesim.events.kinds import Kind
from gatesim.events.log import EventLog
from gatesim.memory import release_free_memory
from gatesim.model.build import GatePlan, StagePath, build_replication
from gatesim.model.gate import skip_rules
from gatesim.model.kernel_load import run_gate_function
from gatesim.model.kernel_scope import kernel_refusal
from gatesim.model.kernel_state import STATE_N_TIMES, STATE_N_WORDS, STATE_SIZE, STATE_YARD_FREE, WHEEL_SLOTS
from gatesim.model.metadata import run_metadata
from gatesim.model.stage_rows import StageRows, stage_rows
from gatesim.model.stage_timed import span_capacity
from gatesim.model.timeline import span_wakes
from gatesim.model.trucks import Trucks
from gatesim.scenario.schema import DIRECTIONS, Scenario

__all__ = ["GateArrays", "SharedTrucks", "simulate_kernel"]


class SharedTrucks(NamedTuple):
    """The kernel's per-truck arrays: a gate's own, or shared by a corridor's gates, indexed
    by the corridor's truck id (a truck is at one gate at a time, see
    :mod:`gatesim.model.kernel_corridor`)."""

    service: np.ndarray  # [stage id, truck] service hours (the corridor's columns, not a copy)
    service_ids: list[str]  # the stage ids of its rows
    direction: np.ndarray  # uint8 per truck
    q_next: np.ndarray
    wheel_next: np.ndarray
    wake_t: np.ndarray
    phase: np.ndarray
    step: np.ndarray

    @classmethod
    def of(cls, service: np.ndarray, service_ids: list[str], direction: np.ndarray) -> SharedTrucks:
        n = direction.size
        return cls(
            service,
            service_ids,
            np.ascontiguousarray(direction, np.uint8),
            np.empty(n, np.int64),
            np.empty(n, np.int64),
            np.empty(n, np.float64),
            np.zeros(n, np.int8),
            np.zeros(n, np.int32),
        )


class GateArrays:
    """One gate's runtimes, routes, trucks and log as the kernel's arrays."""

    def __init__(
        self,
        gp: GatePlan,
        rows: StageRows,
        horizon_h: float,
        trucks: Trucks | None = None,
        shared: SharedTrucks | None = None,
    ) -> None:
        """``rows``: the gate's stage-level rows (:func:`stage_rows`); a corridor's gate:
        ``trucks`` (the corridor's columns as this gate reads them) and ``shared``."""
        trucks = gp.trucks if trucks is None else trucks
        assert trucks is not None  # per-gate trucks, or the corridor's
        n = trucks.arrivals.t_h.size
        self.code = gp.code
        self.horizon_h = horizon_h
        self._runtimes(gp)
        columns = list(gp.stages) if shared is None else shared.service_ids
        longest = self._routes(gp, trucks, columns)
        self._words_per_truck = 5 + 3 * longest
        if shared is None:  # the gate's own trucks, which arrive by themselves
            shared = SharedTrucks.of(trucks.service_matrix(columns), columns, trucks.arrivals.direction)
            # the matrix holds the columns (a year: 36 MiB less at the peak); the payload needs none
            trucks.service_h.clear()
            self.arrival_t = np.ascontiguousarray(trucks.arrivals.t_h, np.float64)
        else:  # the corridor hands its trucks over as they arrive (adm_t, adm_k)
            self.arrival_t = np.empty(0, np.float64)
        self.service, self.direction = shared.service, shared.direction
        self.q_next, self.wheel_next, self.wake_t, self.phase, self.step = (
            shared.q_next,
            shared.wheel_next,
            shared.wake_t,
            shared.phase,
            shared.step,
        )
        self.adm_t = np.empty(0, np.float64)
        self.adm_k = np.empty(0, np.int64)
        self.first_truck = gp.first_truck
        self.calendar_t, self.calendar_w = rows.t_h, rows.word
        self.servers_counts = rows.servers
        self.heap_k = np.empty(n, np.int64)  # the early heap's trucks (kernel_pending)
        self.wheel_head = np.full(WHEEL_SLOTS, -1, np.int64)  # the wheel's lists of wake-ups
        self.q_head = np.full(self.servers.size, -1, np.int64)  # each runtime's queue of booked starts
        self.q_tail = np.full(self.servers.size, -1, np.int64)
        self.waiters = np.empty(n, np.int64)
        # at most: arrived, crossed, 3 per step, blocked / yard in / yard out (one yard per route)
        bound = n * self._words_per_truck + rows.t_h.size
        # np.empty: pages never written are never resident
        self.out_t = np.empty(bound, np.float64)
        self.out_k = np.empty(bound, np.int32)
        self.out_w = np.empty(bound, np.uint16)
        self.state = np.zeros(STATE_SIZE, np.int64)
        self.state[STATE_YARD_FREE] = gp.gate.yard.capacity_trucks if gp.gate.yard is not None else 0

    def reserve(self, trucks: int, rows: int) -> None:
        """Room in the log's columns for ``trucks`` trucks' events and ``rows`` stage-level rows
        (a corridor's rows are not known ahead: the columns grow, by copy, when they must)."""
        need = trucks * self._words_per_truck + rows
        if need > self.out_w.size:
            size = max(need, 2 * self.out_w.size)
            n_t, n_w = self.state[STATE_N_TIMES], self.state[STATE_N_WORDS]
            for name, n in (("out_t", n_t), ("out_k", n_t), ("out_w", n_w)):
                old = getattr(self, name)
                new = np.empty(size, old.dtype)
                new[:n] = old[:n]  # the written part: the rest was never touched
                setattr(self, name, new)

    def _runtimes(self, gp: GatePlan) -> None:
        """The booking runtimes: one per stage, or one per direction for a road with split lanes."""
        self.index: dict[tuple[str, str], int] = {}
        servers: list[int] = []
        cap: list[int] = []
        always: list[bool] = []
        iv_lo: list[int] = []
        iv_hi: list[int] = []
        opens: list[np.ndarray] = []
        closes: list[np.ndarray] = []
        timed: list[bool] = []
        span_lo: list[int] = []
        span_hi: list[int] = []
        span_t: list[float] = []
        span_cap: list[int] = []
        span_iv: list[int] = []
        lo = 0
        for sid, sp in gp.stages.items():
            st = sp.stage
            split = getattr(st, "lanes_by_direction", None)
            for d in DIRECTIONS:
                if split is None and d != DIRECTIONS[0]:
                    self.index[(sid, d)] = self.index[(sid, DIRECTIONS[0])]  # shared by both
                    continue
                self.index[(sid, d)] = len(servers)
                span_lo.append(len(span_t))
                if sp.path == StagePath.TIMED:  # its spans; the heap of its services' ends in `free`
                    assert sp.spans is not None  # built for every timed stage
                    caps = [span_capacity(x) for x in sp.spans]
                    servers.append(max(0, *caps))
                    span_t += span_wakes(sp.spans)
                    span_cap += caps
                    span_iv += [-1 if x.interval < 0 else lo + x.interval for x in sp.spans]
                else:
                    servers.append((split[d] if split is not None else st.servers) or 0)  # 0: unlimited
                timed.append(sp.path == StagePath.TIMED)
                span_hi.append(len(span_t))
                cap.append(-1 if st.daily_capacity is None else st.daily_capacity)
                always.append(sp.always and st.daily_capacity is None)
                iv_lo.append(lo)
                lo += sp.opens.size
                iv_hi.append(lo)
                opens.append(sp.opens)
                closes.append(sp.closes)
        self.timed = np.asarray(timed, np.bool_)
        self.n_busy = np.zeros(len(servers), np.int64)
        self.last = np.zeros(len(servers), np.float64)
        self.span_cur = np.asarray(span_lo, np.int64)
        self.span_hi = np.asarray(span_hi, np.int64)
        self.span_t = np.asarray(span_t, np.float64)
        self.span_cap = np.asarray(span_cap, np.int64)
        self.span_iv = np.asarray(span_iv, np.int64)
        self.servers = np.asarray(servers, np.int64)
        self.free_lo = np.r_[0, np.cumsum(self.servers)[:-1]].astype(np.int64)
        self.free = np.zeros(int(self.servers.sum()), np.float64)
        self.iv_hi = np.asarray(iv_hi, np.int64)
        self.cursor = np.asarray(iv_lo, np.int64)  # each runtime's current opening interval
        self.opens = np.concatenate(opens) if opens else np.empty(0)
        self.closes = np.concatenate(closes) if closes else np.empty(0)
        self.used = np.zeros(self.opens.size, np.int64)
        self.cap = np.asarray(cap, np.int64)
        self.always = np.asarray(always, np.bool_)

    def _routes(self, gp: GatePlan, trucks: Trucks, columns: list[str]) -> int:
        """The steps of each direction's route, one direction after the other (``columns``: the
        stage ids of the service matrix's rows); the longest route."""
        self.route_lo = np.zeros(len(DIRECTIONS), np.int64)
        self.route_hi = np.zeros(len(DIRECTIONS), np.int64)
        rt: list[int] = []
        col: list[int] = []
        words: list[tuple[int, int, int]] = []
        travel: list[float] = []
        takes: list[bool] = []
        frees: list[bool] = []
        skip_row: list[int] = []
        skip_from: list[float] = []
        skip_to: list[float] = []
        masks: list[np.ndarray] = []
        for di, direction in enumerate(DIRECTIONS):
            route = gp.gate.routes.get(direction)
            self.route_lo[di] = len(rt)
            if route is not None:
                skips = skip_rules(route, trucks)
                for sid in route.stages:
                    rule = skips.get(sid)
                    skip_row.append(-1 if rule is None else len(masks))
                    skip_from.append(0.0 if rule is None else rule.from_h)
                    skip_to.append(0.0 if rule is None else rule.to_h)
                    if rule is not None:
                        masks.append(np.asarray(rule.applies, np.uint8))
                    c = gp.stages[sid].code << 8
                    rt.append(self.index[(sid, direction)])
                    col.append(columns.index(sid))
                    words.append((c | Kind.QUEUED, c | Kind.STARTED, c | Kind.ENDED))
                    travel.append(gp.gate.stages[sid].travel_min / 60.0)  # as gate.py computes it
                    takes.append(sid == route.yard_from)
                    frees.append(sid == route.yard_until)
            self.route_hi[di] = len(rt)
        self.step_rt = np.asarray(rt, np.int64)
        self.step_col = np.asarray(col, np.int64)
        self.step_words = np.asarray(words, np.int64).reshape(len(rt), 3)
        self.step_travel = np.asarray(travel, np.float64)
        self.step_takes = np.asarray(takes, np.bool_)
        self.step_frees = np.asarray(frees, np.bool_)
        self.skip_row = np.asarray(skip_row, np.int64)
        self.skip_from = np.asarray(skip_from, np.float64)
        self.skip_to = np.asarray(skip_to, np.float64)
        n = trucks.arrivals.t_h.size
        self.skip_mask = np.stack(masks) if masks else np.zeros((0, n), np.uint8)
        return int((self.route_hi - self.route_lo).max()) if self.route_hi.size else 0

    def run(self, until_h: float) -> None:
        """Run the gate's wake-ups before ``until_h`` on the compiled kernel this process loaded."""
        run_gate_function()(*self.arguments(until_h))

    def arguments(self, until_h: float) -> tuple:
        """``run_gate``'s arguments, in order (``kernel_load.SIGNATURE`` gives their types)."""
        return (
            until_h,
            self.state,
            self.arrival_t,
            self.adm_t,
            self.adm_k,
            self.direction,
            self.calendar_t,
            self.calendar_w,
            self.route_lo,
            self.route_hi,
            self.step_rt,
            self.step_col,
            self.step_words,
            self.step_travel,
            self.step_takes,
            self.step_frees,
            self.skip_row,
            self.skip_from,
            self.skip_to,
            self.skip_mask,
            self.service,
            self.servers,
            self.free_lo,
            self.free,
            self.cursor,
            self.iv_hi,
            self.opens,
            self.closes,
            self.used,
            self.cap,
            self.always,
            self.timed,
            self.n_busy,
            self.last,
            self.span_cur,
            self.span_hi,
            self.span_t,
            self.span_cap,
            self.span_iv,
            self.heap_k,
            self.wheel_head,
            self.wheel_next,
            self.q_head,
            self.q_tail,
            self.q_next,
            self.wake_t,
            self.phase,
            self.step,
            self.waiters,
            self.out_t,
            self.out_k,
            self.out_w,
            self.first_truck,
            self.horizon_h,
        )

    def hand_over(self, log: EventLog) -> None:
        """Give the log its columns: views of the written part (the rest was never touched)."""
        n_t, n_w = self.state[STATE_N_TIMES], self.state[STATE_N_WORDS]
        part = log.gate(self.code)
        part.adopt(self.out_t[:n_t], self.out_k[:n_t], self.out_w[:n_w])
        part.servers.extend(self.servers_counts)


def simulate_kernel(
    scenario: Scenario,
    days: int,
    replication: int,
    seed: int,
    on_day: Callable[[int, int], None] | None = None,
) -> tuple[EventLog, dict]:
    """One replication on the kernel: the same inputs and log as ``simulate``.

    ``on_day(k, n)``: progress, called for every day k = 1..n in order as the
    gates finish (a gate runs its whole horizon at once: the day reported is
    the simulated trucks' share of the days).
    """
    reason = kernel_refusal(scenario)
    if reason is not None:
        raise ValueError(f"the compiled kernel cannot run {scenario.name}: {reason}")
    if scenario.corridor is not None:  # its decisions on SimPy, its gates on the kernel
        from gatesim.model.kernel_corridor import simulate_corridor_kernel

        return simulate_corridor_kernel(scenario, days, replication, seed, on_day)
    plan = build_replication(scenario, days, replication, seed)
    horizon = plan.clock.horizon_h
    rows = stage_rows(plan)
    log = EventLog()
    n_days = math.ceil(horizon / 24)
    total = sum(gp.trucks.arrivals.t_h.size for gp in plan.gates if gp.trucks is not None)
    done = reported = 0
    # Gate by gate (they do not interact on this path): one gate's working arrays at a time.
    for gp in plan.gates:
        assert gp.trucks is not None  # per-gate trucks (a corridor went to kernel_corridor above)
        log.add_payload(gp.first_truck, gp.trucks.payload())
        gate = GateArrays(gp, rows[gp.code], horizon)
        gate.run(horizon)
        gate.hand_over(log)
        del gate
        release_free_memory()
        done += gp.trucks.arrivals.t_h.size
        if on_day is not None:  # progress: the days' share of the trucks simulated so far
            upto = n_days if done >= total else n_days * done // max(total, 1)
            for k in range(reported + 1, upto + 1):
                on_day(k, n_days)
            reported = max(reported, upto)
    return log, run_metadata(scenario, plan.clock, days, replication, seed)

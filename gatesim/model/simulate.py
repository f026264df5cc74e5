"""One replication on the SimPy booking engine: wire the built gates, run SimPy, return the event log.

The model never formats, plots or writes files; it hands back the log and
the metadata projections need to read it (vocabularies, window, capacities).
The replication itself (stages, calendar, arrivals, trucks) is built by
:mod:`gatesim.model.build`, the same for every engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import simpy

from gatesim.events.log import EventLog
from gatesim.memory import collect_run_garbage, release_free_memory
from gatesim.model.build import GatePlan, StagePath, StagePlan, build_replication
from gatesim.model.gate import GateRuntime
from gatesim.model.general import GeneralStage
from gatesim.model.metadata import run_metadata
from gatesim.model.smart import attach_smart
from gatesim.model.sources import truck_source
from gatesim.model.stage import StageRuntime
from gatesim.model.stage_rows import follow_timeline, start_calendar
from gatesim.model.stage_timed import TimedStageRuntime
from gatesim.model.trucks import Trucks, mean_service_h
from gatesim.scenario.schema import DIRECTIONS, Scenario

__all__ = ["simulate"]


def _booking_runtimes(sp: StagePlan) -> dict[tuple[str, str], StageRuntime]:
    """A FIFO stage's booking runtime by (stage id, direction): one shared by both
    directions, or one per direction for a road with ``lanes_by_direction`` (same
    stage code: one stage in the log, its lanes split)."""
    st = sp.stage
    split = getattr(st, "lanes_by_direction", None)
    if split is not None:
        return {
            (sp.sid, d): StageRuntime(
                sp.code, sp.sid, split[d], sp.opens, sp.closes, sp.always, st.daily_capacity
            )
            for d in DIRECTIONS
        }
    shared = StageRuntime(sp.code, sp.sid, st.servers, sp.opens, sp.closes, sp.always, st.daily_capacity)
    return {(sp.sid, d): shared for d in DIRECTIONS}


def _general_runtime(
    env: simpy.Environment, log: EventLog, gp: GatePlan, sp: StagePlan, trucks: Trucks
) -> dict[tuple[str, str], GeneralStage]:
    """A stage with a state-dependent rule: one general-path queue for both directions."""
    st, sid = sp.stage, sp.sid
    assert sp.spans is not None  # built for every general-path stage
    general = GeneralStage(
        env,
        log.gate(gp.code),
        gp.code,
        sp.code,
        sid,
        sp.spans,
        st.daily_capacity,
        trucks.rank.get(sid),
        trucks.patience_h.get(sid),
        st.surge,
        log_servers=bool(st.server_schedule or st.surge),
        mean_service_h=mean_service_h(gp.gate, sid),
    )
    return {(sid, d): general for d in DIRECTIONS}


def _timed_runtime(
    env: simpy.Environment, log: EventLog, gp: GatePlan, sp: StagePlan
) -> dict[tuple[str, str], TimedStageRuntime]:
    """A FIFO stage on a timeline: one booking runtime for both directions, and the
    process logging its changes of servers and outages."""
    assert sp.spans is not None  # built for every timed stage
    follow_timeline(env, log, gp.code, sp)
    shared = TimedStageRuntime(sp.code, sp.sid, sp.spans, sp.stage.daily_capacity)
    return {(sp.sid, d): shared for d in DIRECTIONS}


Runtime = StageRuntime | TimedStageRuntime | GeneralStage


def _runtimes(
    env: simpy.Environment, log: EventLog, gp: GatePlan, trucks: Trucks
) -> dict[tuple[str, str], Runtime]:
    runtimes: dict[tuple[str, str], Runtime] = {}
    for sp in gp.stages.values():
        if sp.path == StagePath.GENERAL:
            runtimes.update(_general_runtime(env, log, gp, sp, trucks))
        elif sp.path == StagePath.TIMED:
            runtimes.update(_timed_runtime(env, log, gp, sp))
        else:
            runtimes.update(_booking_runtimes(sp))
    return runtimes


def simulate(
    scenario: Scenario,
    days: int,
    replication: int,
    seed: int,
    on_build: Callable[[dict[str, GateRuntime]], None] | None = None,
    on_day: Callable[[int, int], None] | None = None,
) -> tuple[EventLog, dict]:
    """Run one replication (see :func:`_simulate`), then free the run's garbage.

    The trucks still in the system at the horizon keep the environment, the
    gates' runtimes and every per-truck column alive through reference cycles
    (generator <-> sleeper <-> runtime): without a collection now they lived on
    through decode, projections and the write, until the collector's next full
    pass (a year: ~80 MiB of the baseline's peak, ~200 MiB of the corridor's).
    """
    out = _simulate(scenario, days, replication, seed, on_build, on_day)
    collect_run_garbage()  # and the freed columns' pages (heap, not mmap) back to the OS
    return out


# One place that wires gates, truck source and log in the order the golden test fixes.
def _simulate(
    scenario: Scenario,
    days: int,
    replication: int,
    seed: int,
    on_build: Callable[[dict[str, GateRuntime]], None] | None = None,
    on_day: Callable[[int, int], None] | None = None,
) -> tuple[EventLog, dict]:
    """Run one replication; ``on_build`` is handed the gates' runtimes before
    the run starts (to attach a :class:`~gatesim.model.live.LiveState`, or
    model components that read it); ``on_day(k, n)`` is called after each of
    the n simulated days (progress)."""
    plan = build_replication(scenario, days, replication, seed)
    clock = plan.clock
    env = simpy.Environment()
    log = EventLog()
    source = truck_source(plan)
    runtimes_by_gate: dict[str, GateRuntime] = {}
    for gp in plan.gates:
        fed = source.trucks_for(gp, log)
        stages = _runtimes(env, log, gp, fed.trucks)
        rt = GateRuntime(env, log, gp.code, gp.gate, stages, fed.trucks, fed.first_truck, source)
        attach_smart(env, log, plan, gp, rt, fed.trucks)  # an automated lane, route buffers (model/smart.py)
        runtimes_by_gate[gp.gid] = rt
    if on_build is not None:
        on_build(runtimes_by_gate)
    start_calendar(env, log, plan.calendar)
    source.attach(env, log, runtimes_by_gate)
    # Day by day: a stop at t pops before the events at t and leaves the queue's order
    # untouched, so the log is the same as one run to the horizon. After each day the
    # allocator's free pages go back to the OS: the live columns grow by realloc, and
    # below glibc's mmap threshold each move leaves a hole in the heap that glibc keeps
    # (a year of the corridor: simulate's peak 498 -> 433 MiB, benchmarks/README.md).
    n = math.ceil(clock.horizon_h / 24)
    for k in range(1, n + 1):
        env.run(until=min(24.0 * k, clock.horizon_h))
        release_free_memory()
        if on_day is not None:
            on_day(k, n)
    meta = run_metadata(scenario, clock, days, replication, seed)
    source.finish(log, meta)
    return log, meta

"""The stage-level rows of the log: the calendar (OPENED, CLOSED) and the timelines of the
timed stages (SERVERS, OUTAGE_START, OUTAGE_END), logged under the reserved truck id.

Both are SimPy processes on the booking engine (NORMAL events: at an instant they come
before every truck's). They depend on the scenario alone, so the compiled kernel takes
them as an input stream: :func:`stage_rows` runs the same processes, started in the same
order, on an environment of their own, which gives the same rows at the same instants
in the same order as the booking engine writes them among its trucks' events.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import simpy

from gatesim.events.kinds import NO_TRUCK, Kind, pack
from gatesim.events.log import EventLog, GateLog
from gatesim.model.build import ReplicationPlan, StagePath, StagePlan
from gatesim.model.process import start
from gatesim.model.timeline import span_change

__all__ = ["StageRows", "follow_timeline", "stage_rows", "start_calendar"]


class StageRows(NamedTuple):
    """One gate's stage-level rows, in the order the booking engine logs them."""

    t_h: np.ndarray  # float64, one per row
    word: np.ndarray  # int64 packed words
    servers: list[int]  # the count of each SERVERS row, in order (-1: unlimited)


def _calendar(env: simpy.Environment, log: EventLog, rows: list[tuple[float, int]]):
    for t, w in rows:
        if t > env.now:
            yield t - env.now
        part = log.gate((w >> 16) & 0xFF)
        part.t_h.append(env.now)
        part.word.append(w)


def start_calendar(env: simpy.Environment, log: EventLog, rows: list[tuple[float, int]]) -> None:
    """Log the calendar's rows (``ReplicationPlan.calendar``) at their instants."""
    start(env, lambda _resume: _calendar(env, log, rows))


def _timeline(env: simpy.Environment, part: GateLog, gate_code: int, sp: StagePlan):
    assert sp.spans is not None  # built for every timed stage
    log_servers = bool(sp.stage.server_schedule)
    previous = None
    for span in sp.spans:
        if span.t_h > env.now:
            yield span.t_h - env.now  # the wake span_wakes computes: the booking runtime's instants
        outage, servers_changed = span_change(previous, span)
        if outage is not None:
            part.t_h.append(env.now)
            part.word.append(pack(NO_TRUCK, gate_code, sp.code, outage))
        if log_servers and servers_changed:
            part.t_h.append(env.now)
            part.word.append(pack(NO_TRUCK, gate_code, sp.code, Kind.SERVERS))
            part.servers.append(-1 if span.staffed is None else span.staffed)
        previous = span


def follow_timeline(env: simpy.Environment, log: EventLog, gate_code: int, sp: StagePlan) -> None:
    """Log a timed stage's changes of servers on duty and outages as its spans begin
    (the rows the general path's queue logs, :mod:`gatesim.model.general`)."""
    part = log.gate(gate_code)
    start(env, lambda _resume: _timeline(env, part, gate_code, sp))


def stage_rows(plan: ReplicationPlan) -> list[StageRows]:
    """Per gate (in gate-code order): the stage-level rows' times, words and SERVERS
    counts, as the booking engine logs them (its processes started in its order: each
    gate's timed stages as the gate is built, then the calendar)."""
    env = simpy.Environment()
    log = EventLog()
    for gp in plan.gates:
        for sp in gp.stages.values():
            if sp.path == StagePath.TIMED:
                follow_timeline(env, log, gp.code, sp)
    start_calendar(env, log, plan.calendar)
    env.run(until=plan.clock.horizon_h)
    out = []
    for gp in plan.gates:
        part = log.gate(gp.code)
        t, w = part.columns()
        out.append(StageRows(t, w, list(part.servers)))  # the views keep the columns alive
    return out

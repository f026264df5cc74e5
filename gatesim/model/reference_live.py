"""The twin's live state: the start a truck joining a stage now would get, read
from the twin's SimPy resources (what the corridor's published wait reads).

The fast engine knows that start directly (its FIFO stages book every truck on
arrival, :meth:`gatesim.model.stage.StageRuntime.next_start`); here it is worked
out the long way, from what the twin's resources hold now:

- a FIFO stage (:class:`FifoStart`): each server frees when its truck's service
  ends (a truck holding a server while it waits for the opening: at that start
  plus its service); the trucks queued for a server take, in queue
  order, the server that frees first, and start at the first instant the stage
  is open with room in that opening's daily quota; a truck joining now comes
  after all of them;
- a stage with queue rules (:class:`RuledStart`): the fast engine's estimate
  (:func:`gatesim.model.general.estimated_wait_h`) on the twin's resource: the
  trucks ahead over the servers on duty times the mean service, after the next
  opening with servers and quota if there is none now.
"""

from __future__ import annotations

import math
from heapq import heapify, heapreplace
from typing import TYPE_CHECKING, NamedTuple

import simpy

from gatesim.model.general import QueueNow, estimated_wait_h

if TYPE_CHECKING:  # the twin imports this module
    from gatesim.model.reference import GateTwin
    from gatesim.model.reference_stages import FifoStage, RuledStage

__all__ = ["FifoStart", "RuledStart"]


def _open_start(stage: FifoStage, t: float, taken: dict[int, int]) -> float:
    """``stage.first_start(t)`` counting ``taken`` (quota units of trucks not started yet) as used."""
    if stage.always_open:
        return t
    i = stage.opening_after(t)
    cap = stage.daily_capacity
    while i < len(stage.closes):
        if cap is None or stage.used[i] + taken.get(i, 0) < cap:
            taken[i] = taken.get(i, 0) + 1
            return max(stage.opens[i], t)
        i += 1
    return math.inf


class FifoStart:
    """A FIFO stage's next start for the trucks of one direction (its servers, or its lanes)."""

    def __init__(self, env: simpy.Environment, stage: FifoStage, direction: int) -> None:
        self.env = env
        self.stage = stage
        self.direction = direction

    def next_start(self, t: float) -> float:
        stage = self.stage
        taken: dict[int, int] = {}  # quota units the trucks ahead will take
        servers = stage.servers[self.direction] if stage.servers is not None else None
        if servers is None:
            return _open_start(stage, t, taken)
        now = self.env.now
        free = [0.0] * (int(servers.capacity) - len(servers.users))  # idle servers
        for r in servers.users:
            start = stage.starts.get(r)
            if start is None:  # granted now, its start not known yet: the next opening
                start = _open_start(stage, now, taken)
            free.append(start + stage.service_h[r])
        heapify(free)
        for r in servers.queue:  # in queue order, each takes the server that frees first
            s = _open_start(stage, max(now, free[0]), taken)
            heapreplace(free, s + stage.service_h[r])
        return _open_start(stage, max(t, free[0]), taken)


class RuledStart:
    """A stage with queue rules: the fast engine's estimate of a joining truck's start."""

    def __init__(self, stage: RuledStage, mean_service_h: float) -> None:
        self.stage = stage
        self.mean_service_h = mean_service_h

    def next_start(self, t: float) -> float:
        st = self.stage
        cap = st.daily_capacity
        quota_used = cap is not None and st.used.get(st.span.interval, 0) >= cap
        q = QueueNow(st.spans, st.span, st.on_duty(), len(st.users), len(st.queue), quota_used)
        return t + estimated_wait_h(q, t, self.mean_service_h)


class Counts(NamedTuple):
    queued: int
    in_service: int


def _fifo_counts(stage: FifoStage, now: float) -> Counts:
    """(queued, in service) at a FIFO stage: a truck whose start is not known yet, or later than now, waits."""
    queued = in_service = 0
    for visit, service_h in stage.service_h.items():
        start = stage.starts.get(visit)
        if start is None or start > now:
            queued += 1
        elif start + service_h > now:
            in_service += 1
    return Counts(queued, in_service)


class TwinLiveState:
    """:class:`gatesim.model.live.LiveState`'s figures, read from the twin's gates at ``now``
    (attach it with ``simulate_reference(..., on_build=...)``); they equal the fast engine's."""

    def __init__(self, gates: dict[str, GateTwin]) -> None:
        self._gates = gates

    def _views(self, gate: str, stage: str) -> list[FifoStart | RuledStart]:
        views = [v for (sid, _d), v in self._gates[gate].stages.items() if sid == stage]
        if not views:
            raise KeyError(f"no stage {stage!r} at gate {gate!r}")
        return views

    def _counts(self, gate: str, stage: str) -> Counts:
        view = self._views(gate, stage)[0]
        if isinstance(view, RuledStart):
            return Counts(len(view.stage.queue), len(view.stage.users))
        return _fifo_counts(view.stage, self._gates[gate].env.now)

    def queued(self, gate: str, stage: str) -> int:
        return self._counts(gate, stage).queued

    def in_service(self, gate: str, stage: str) -> int:
        return self._counts(gate, stage).in_service

    def in_yard(self, gate: str) -> int:
        g = self._gates[gate]
        return g.yard_capacity - g.yard_free

    def on_approach(self, gate: str) -> int:
        return len(self._gates[gate].waiters)

    def expected_wait_h(self, gate: str, stage: str) -> float:
        """The wait a truck joining now can expect (a split road: the shorter direction's)."""
        now = self._gates[gate].env.now
        return min(v.next_start(now) for v in self._views(gate, stage)) - now

"""A stage's availability over the run: opening hours, server schedule and outages.

Pure functions of the scenario (and, for random outages, the stage's own named
stream), so the fast engine and the reference twin read the same timeline.

The timeline is a list of :class:`Span`: from ``t_h`` until the next span's
``t_h`` the stage is open (in opening interval ``interval``, or ``-1`` when
closed), has ``staffed`` servers on duty (the schedule's count, or the stage's
``servers``; ``None`` for unlimited) and is in an outage or not. Servers that
may start a truck = ``staffed`` when open and not in an outage, else 0 (a surge
adds its extra servers on top, see :mod:`gatesim.model.general`).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from typing import NamedTuple

import numpy as np

from gatesim.events.kinds import Kind
from gatesim.model.calendar import CHINA_OFFSET_H, Clock
from gatesim.model.streams import stream
from gatesim.scenario.schema import Patience, scheduled_servers

__all__ = ["Span", "draw_positive", "outage_intervals", "span_change", "span_wakes", "stage_timeline"]


class Span(NamedTuple):
    t_h: float  # sim hours: the span runs from here to the next span's t_h
    interval: int  # index of the opening interval the span is in; -1 when closed
    staffed: int | None  # servers on duty (None: unlimited)
    outage: bool


def draw_positive(spec: Patience, u: np.ndarray) -> np.ndarray:
    """Hours drawn from a patience or duration distribution, from uniforms ``u``."""
    from gatesim.model.trucks import unit_variates  # trucks imports this module's users

    if spec.dist == "fixed":
        return np.full(u.shape, spec.mean_h)
    dist = "exponential" if spec.dist == "exponential" else "lognormal"
    return spec.mean_h * unit_variates(dist, spec.cv, u)


def outage_intervals(
    stage, clock: Clock, seed: int, replication: int, gate_id: str, stage_id: str
) -> list[tuple[float, float]]:
    """The stage's outages in sim hours, scheduled and random, merged where they overlap.

    Random outages: a Poisson number over the run at ``rate_per_day``, start
    instants uniform over the run, each with a drawn duration; from the stream
    ``outages/<stage id>`` of the gate (so they change nothing else's draws).
    """
    spans = [(clock.hours_of(o.start), clock.hours_of(o.end)) for o in stage.outages]
    ro = stage.random_outages
    if ro is not None:
        rng = stream(seed, replication, gate_id, f"outages/{stage_id}")
        n = int(rng.poisson(ro.rate_per_day * clock.n_days))
        starts = np.sort(rng.random(n)) * clock.horizon_h
        durations = draw_positive(ro.duration_h, rng.random(n))
        spans += list(zip(starts.tolist(), (starts + durations).tolist()))
    spans = sorted((max(a, 0.0), min(b, clock.horizon_h)) for a, b in spans)
    merged: list[tuple[float, float]] = []
    for a, b in spans:
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _staffed_changes(stage, clock: Clock) -> list[float]:
    """Instants where the schedule may change the servers on duty (local day and hour bounds)."""
    if not stage.server_schedule:
        return []
    off = CHINA_OFFSET_H if stage.hours.tz == "china" else 0.0
    hours = sorted(
        {0.0} | {e.from_h for e in stage.server_schedule} | {e.to_h % 24 for e in stage.server_schedule}
    )
    return [24.0 * day + h - off for day in range(-1, clock.n_days + 1) for h in hours]


def _staffed_at(stage, clock: Clock, t: float) -> int | None:
    if stage.servers is None or not stage.server_schedule:
        return stage.servers
    off = CHINA_OFFSET_H if stage.hours.tz == "china" else 0.0
    local = t + off
    day = int(local // 24.0)
    date: dt.date = clock.date_of_day(day)
    return scheduled_servers(stage.server_schedule, stage.servers, date, local - 24.0 * day)


def stage_timeline(
    stage, clock: Clock, opens: np.ndarray, closes: np.ndarray, outages: list[tuple[float, float]]
) -> list[Span]:
    """The stage's spans over ``[0, horizon)``; consecutive spans differ in something.

    Each span's state is read at its midpoint, so a boundary that two sources
    put an ulp apart never makes a sliver of the wrong state.
    """
    horizon = clock.horizon_h
    opens_l, closes_l = opens.tolist(), closes.tolist()
    points = {0.0, *opens_l, *closes_l, *(a for a, _ in outages), *(b for _, b in outages)}
    points.update(_staffed_changes(stage, clock))
    cuts = sorted(p for p in points if 0.0 <= p < horizon)
    out_starts = [a for a, _ in outages]
    spans: list[Span] = []
    for i, t in enumerate(cuts):
        mid = 0.5 * (t + (cuts[i + 1] if i + 1 < len(cuts) else horizon))
        j = bisect_right(closes_l, mid)
        interval = j if j < len(closes_l) and opens_l[j] <= mid else -1
        o = bisect_right(out_starts, mid) - 1
        in_outage = o >= 0 and mid < outages[o][1]
        span = Span(t, interval, _staffed_at(stage, clock, mid), in_outage)
        if spans and spans[-1][1:] == span[1:]:
            continue
        spans.append(span)
    return spans


def span_change(previous: Span | None, span: Span) -> tuple[Kind | None, bool]:
    """What a stage logs as ``span`` begins after ``previous`` (None: the first span): an
    outage's start or end (None: neither), and whether the servers on duty changed."""
    outage = None
    if previous is None or previous.outage != span.outage:
        if span.outage:
            outage = Kind.OUTAGE_START
        elif previous is not None:
            outage = Kind.OUTAGE_END
    return outage, previous is None or previous.staffed != span.staffed


def span_wakes(spans: list[Span]) -> list[float]:
    """The instants a stage's timeline driver wakes at, one per span: SimPy's clock after
    each ``yield t - now`` is ``now + (t - now)``, which can be an ulp off ``t``. A span is
    in force from its wake (the stage's events come before the trucks' at an instant)."""
    out = []
    now = 0.0
    for span in spans:
        if span.t_h > now:
            now = now + (span.t_h - now)
        out.append(now)
    return out

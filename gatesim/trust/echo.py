"""Echo targets: a measurement that returns what the experiment put in.

A count of crossings (or of services ended at a stage) over days whose
arrivals the experiment sets can only miss its figure when the gates cannot
clear those arrivals: if the arrivals of the measured gates and direction
over the measured days equal the figure (within three times its combined
observation and discrepancy sd, the fit's own cut), the target echoes an
input. Such a target must say ``echo: true`` in the targets file; one that
does not is refused before anything runs (it would otherwise be reported as
"met" or as an out-of-sample success). A target flagged ``echo`` without the
arithmetic showing it (a multiplier fitted to the figure: F2, F3, G1) keeps
the file's word.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import numpy as np

from gatesim.errors import InputError
from gatesim.model.arrivals import hourly_rates
from gatesim.model.calendar import Clock
from gatesim.scenario.load import apply_overrides, validate
from gatesim.scenario.schema import CARGO_CLASSES, DIRECTIONS, Scenario
from gatesim.trust.targets import Target, Targets

__all__ = ["check_echoes"]

ECHO_RULES = ("crossings_per_day", "stage_ended_per_day")


def _gates(args: dict[str, Any], scenario: Scenario) -> list[str]:
    g = args.get("gates", "all")
    return list(scenario.gates) if g == "all" else ([g] if isinstance(g, str) else list(g))


def _date(v: Any) -> dt.date:
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def input_of(t: Target, scenario: Scenario, days: int) -> float | None:
    """Arrivals per day that reach what ``t`` counts over its dates (None: not a count of throughput)."""
    if t.rule not in ECHO_RULES:
        return None
    start, end = _date(t.args["start"]), _date(t.args["end"])
    clock = Clock.of(scenario, days)
    first = clock.warmup_days + (start - scenario.calendar.start_date).days
    n = (end - start).days + 1
    total = 0.0
    for gid in _gates(t.args, scenario):
        gate = scenario.gates[gid]
        rates = hourly_rates(scenario, gid, clock).reshape(-1, len(DIRECTIONS), len(CARGO_CLASSES))
        per_dir = rates[24 * first : 24 * (first + n)].sum(axis=(0, 2)) / n
        for i, d in enumerate(DIRECTIONS):
            if t.rule == "crossings_per_day" and t.args.get("direction") not in (None, d):
                continue
            if t.rule == "stage_ended_per_day":
                route = gate.routes.get(d)
                if route is None or t.args["stage"] not in route.stages:
                    continue
            total += float(per_dir[i])
    return total + float(t.args.get("plus_unmodelled", 0.0))


def is_echo(t: Target, arrivals: float | None) -> bool:
    """The figure equals the input within three times its observation and discrepancy sd."""
    if arrivals is None:
        return False
    return bool(abs(arrivals - t.value) <= 3.0 * float(np.hypot(t.sd, t.discrepancy_sd)))


def check_echoes(targets: Targets, resolved: dict) -> dict[str, float]:
    """Every throughput target's input per day; refuse one that echoes its input unflagged."""
    inputs: dict[str, float] = {}
    scenarios: dict[str, Scenario] = {}
    for i, t in enumerate(targets.targets):
        if t.rule not in ECHO_RULES:
            continue
        exp = targets.experiments[t.experiment]
        if t.experiment not in scenarios:
            data = apply_overrides(copy.deepcopy(resolved), exp.overrides())
            scenarios[t.experiment] = validate(data, file=targets.file)
        arrivals = input_of(t, scenarios[t.experiment], exp.days)
        if arrivals is None:
            continue
        inputs[t.id] = arrivals
        if is_echo(t, arrivals) and not t.echo:
            raise InputError(
                f"target {t.id} counts what its experiment sets ({arrivals:,.0f} arriving a day against "
                f"{t.value:,.0f} published): it returns an input",
                file=targets.file,
                key=f"targets.{i}.echo",
                given=False,
                allowed="echo: true (reported as a check, never as met or out of sample)",
            )
    return inputs

"""Resource guard: estimate a run's trucks, events and memory from the scenario, before simulating.

A scenario can be valid and still far too big for the machine (growth x1e4,
a million trucks a day, ten years): the simulation would run for hours and
then exhaust memory. The estimate uses the model's own expected arrival
rates (growth, weekdays, seasons, regimes) over warm-up + days + drain, and
the events a truck leaves in the log (arrival, departure, and queued /
started / ended at each stage of its route).

Bytes per event: a year of the baseline (~657,000 trucks, 11.5 million
events) peaks at ~500 MiB (README, "Performance"): ~45 bytes per event,
interpreter and libraries included. Replications run one after another, so
the peak is one replication's; sweep workers each hold one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from gatesim.errors import InputError

__all__ = ["check_memory"]

BYTES_PER_EVENT = 45  # peak RSS / events of a year's baseline run (README): an estimate
HEADROOM = 0.8  # of the memory available: the rest for the system and other programs


@dataclass(frozen=True)
class Estimate:
    trucks: float  # expected trucks per replication
    events: float  # expected events per replication
    bytes: float  # expected peak memory of one replication

    def describe(self) -> str:
        return f"~{self.trucks:,.0f} trucks and ~{self.events:,.0f} events per replication, ~{self.bytes / 2**20:,.0f} MiB"


def estimate(scenario, days: int) -> Estimate:
    """Expected trucks, events and peak bytes of one replication of ``days`` days."""
    from gatesim.model.arrivals import hourly_rates
    from gatesim.model.calendar import Clock

    clock = Clock.of(scenario, days)
    trucks = events = 0.0
    for gid, gate in scenario.gates.items():
        n = float(hourly_rates(scenario, gid, clock).sum())
        lengths = [len(r.stages) for r in gate.routes.values()] or [len(gate.stages)]
        trucks += n
        events += n * (2 + 3 * max(lengths))
    return Estimate(trucks, events, events * BYTES_PER_EVENT)


def available_bytes() -> float | None:
    """Memory this process may use: GATESIM_MEMORY_MB if set, else Linux's MemAvailable; None if unknown."""
    env = os.environ.get("GATESIM_MEMORY_MB")
    if env:
        try:
            return float(env) * 2**20
        except ValueError:
            pass
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def check_memory(scenario, days: int, concurrent: int = 1, what: str = "this run") -> Estimate:
    """Refuse (InputError) a run whose estimated peak memory exceeds what the machine has."""
    est = estimate(scenario, days)
    avail = available_bytes()
    if avail is None:
        return est
    need = est.bytes * concurrent
    budget = avail * HEADROOM
    if need > budget:
        fit = max(0, int(days * budget / need))
        way = f"--days {fit} or fewer" if fit >= 1 else "fewer trucks per day (arrivals.per_day, growth)"
        if concurrent > 1:
            way += f", or fewer workers (-j {max(1, int(budget // max(est.bytes, 1)))})"
        raise InputError(
            f"{what} would need more memory than this machine has: {est.describe()}"
            + (f" x {concurrent} workers" if concurrent > 1 else "")
            + f", {budget / 2**20:,.0f} MiB available",
            key="--days",
            given=days,
            allowed=way,
        )
    return est

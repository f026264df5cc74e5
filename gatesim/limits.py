"""Range limits of the commands and input files, in one place (issue 19).

Each limit has a name, its bounds and why: a value outside is refused with one
line (exit 2) before anything runs. The scenario schema, the sweep and study
files and every command's options read their bounds here, so that a limit is
changed once and `gatesim run --days`, a sweep file's ``days`` and a scenario's
``run.days`` cannot drift apart. ``tests/unit/test_limits.py`` checks that no other
module writes these numbers again.
"""

from __future__ import annotations

from dataclasses import dataclass

from gatesim.errors import InputError

__all__ = [
    "CI_REPLICATIONS",
    "COUNT",
    "DAYS",
    "DRAIN_DAYS",
    "GRID_POINTS",
    "Limit",
    "NAME_CHARS",
    "REPLICATIONS",
    "SEED",
    "SWEEP_POINTS",
    "TRAJECTORIES",
    "TEXT_CHARS",
    "WARMUP_DAYS",
    "WORKERS",
    "YEAR",
    "FIT_SETS",
    "FIT_WAVES",
    "WORLDS",
    "ASSESS_DAYS",
    "ASSESS_REPLICATIONS",
]


@dataclass(frozen=True)
class Limit:
    """An inclusive integer range ``low``..``high`` and the reason for it."""

    name: str
    low: int
    high: int
    why: str

    def check(self, key: str, value: int | None) -> None:
        """Refuse ``value`` (given as ``key``, e.g. ``--days``) outside the range; None passes."""
        if value is not None and not self.low <= value <= self.high:
            raise InputError("out of range", key=key, given=value, allowed=self.allowed)

    @property
    def allowed(self) -> str:
        return f"{self.low} to {self.high}"


DAYS = Limit("days", 1, 3660, "ten years of simulated days; a longer run's event log outgrows memory")
REPLICATIONS = Limit(
    "replications", 1, 1000, "independent replications; more adds nothing to a CI but hours of run time"
)
CI_REPLICATIONS = Limit(
    "replications", 2, REPLICATIONS.high, "a confidence interval (studies, calibration) needs two"
)
SEED = Limit("seed", 0, 2**63 - 1, "a non-negative 64-bit integer: numpy's SeedSequence and an int64 column")
WORKERS = Limit("workers", 1, 1024, "parallel processes; more than a machine or small cluster has")
SWEEP_POINTS = Limit(
    "points",
    1,
    10_000,
    "each sweep point holds its validated scenario (~100 kB) and takes ~40 ms to validate: "
    "100,000 exhausted memory",
)
TRAJECTORIES = Limit(
    "trajectories", 2, REPLICATIONS.high, "Morris trajectories: each costs (parameters + 1) runs"
)
GRID_POINTS = Limit("points", 1, 10_000, "a study's grid or trials: as many as a sweep's points")
WARMUP_DAYS = Limit("warmup_days", 0, 366, "a year of warm-up is more than any queue here needs")
DRAIN_DAYS = Limit("drain_days", 0, 60, "days after the window for its trucks to finish")
COUNT = Limit(
    "count", 0, 100_000, "servers, lanes, yard slots, daily capacity: 1e12 servers exhausted memory"
)
TEXT_CHARS = Limit("text", 0, 5_000, "characters of any text value (descriptions, sources, reasons)")
NAME_CHARS = Limit(
    "name", 1, 200, "characters of a name (gate, season, regime): printed in tables and charts"
)
YEAR = Limit("year", 1900, 2200, "dates: the calendar's arithmetic near year 1 or 9999 overflows")

FIT_SETS = Limit("sets", 2, 100_000, "parameter sets per wave of the fit: a Latin hypercube needs two")
FIT_WAVES = Limit(
    "waves", 1, 10, "waves of history matching; the plausible region stops moving well before ten"
)
WORLDS = Limit("worlds", 1, 100_000, "plausible worlds of an ensemble to run each proposal in")
ASSESS_DAYS = Limit("days", 1, 366, "days per run of an assessment: up to a year")
ASSESS_REPLICATIONS = Limit(
    "replications", 1, 100, "replications per world: common random numbers make a few enough"
)

"""Range limits of the commands and input files, in one place.

Each limit has a name, its bounds and why: a value outside is refused with one
line (exit 2) before anything runs. The scenario schema, the corridor, priors,
targets, sweep and study files and every command's options read their bounds
here (``Field(..., **LIMIT.bounds)``), so that a limit is changed once and
`gatesim run --days`, a sweep file's ``days`` and a scenario's ``run.days``
cannot drift apart. ``tests/unit/test_limits.py`` checks that no other module
writes these numbers again, and that every numeric field of every schema has
a lower and an upper bound.

Intervals and steps have a lower bound above 0 that keeps the work finite
(a check every 1e-9 h never lets the clock move).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from gatesim.errors import InputError

__all__ = [
    "AGV_CYCLE_MIN",
    "BATCH",
    "BOOTSTRAP",
    "CHECK_EVERY_H",
    "CV",
    "DISCREPANCY_SD",
    "DOWNTIME_SHARE",
    "DURATION_H",
    "FUEL_L_PER_H",
    "GROWTH_PER_YEAR",
    "G_PER_H",
    "HOURS",
    "HOUR_OF_DAY",
    "KG_PER_L",
    "LANE_RATE",
    "MONEY_USD",
    "MONEY_VND",
    "MORRIS_LEVELS",
    "MULTIPLIER",
    "OUTAGES_PER_DAY",
    "PARAMETERS",
    "POSITIVE_MULTIPLIER",
    "PUBLISH_EVERY_H",
    "QUEUE_COUNT",
    "RATE_PER_H",
    "SCALE_H",
    "SCHEDULE_WINDOWS",
    "SD",
    "SELECT_TOP",
    "SHARE",
    "SLACK",
    "SOBOL_N",
    "SPACING_M",
    "STEP_MIN",
    "STUDY_REPLICATIONS",
    "TRUCKS_PER_DAY",
    "VALUE",
    "VALUE_STEP",
    "VND_PER_USD",
    "WEIGHT",
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


N = TypeVar("N", int, float)


@dataclass(frozen=True)
class Limit(Generic[N]):
    """A range ``low``..``high`` (inclusive; ``low`` excluded when ``low_open``) and the reason for it.

    Integer limits stay integers (``click.IntRange(DAYS.low, DAYS.high)``).
    """

    name: str
    low: N
    high: N
    why: str
    low_open: bool = False  # a rate, an interval or a scale: 0 itself is refused

    def check(self, key: str, value: float | None) -> None:
        """Refuse ``value`` (given as ``key``, e.g. ``--days``) outside the range; None passes."""
        if value is not None and not self.holds(value):
            raise InputError("out of range", key=key, given=value, allowed=self.allowed)

    def holds(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    @property
    def allowed(self) -> str:
        if self.low_open:
            return f"above {_num(self.low)}, at most {_num(self.high)}"
        return f"{_num(self.low)} to {_num(self.high)}"

    @property
    def bounds(self) -> dict[str, Any]:
        """The bounds as pydantic ``Field`` keywords: ``Field(0.25, **PUBLISH_EVERY_H.bounds)``."""
        return {"gt" if self.low_open else "ge": self.low, "le": self.high}


def _num(x: float) -> str:
    return f"{x:,g}".replace(",", "") if isinstance(x, float) and not x.is_integer() else f"{int(x)}"


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

# --- fields of the scenario, corridor, priors, targets and study files -------------------------
# Counts and rates beyond these are not a border gate (and exhaust memory or time); values
# within are still checked against each other by the schemas (shares sum to 1, ...).
HOUR_OF_DAY = Limit("hour", 0, 24, "an hour of the day, 0 (midnight) to 24 (the next midnight)")
SHARE = Limit("share", 0, 1, "a share or probability")
CV = Limit("cv", 0, 5, "a coefficient of variation; beyond 5 a lognormal's mean rests on rare draws")
QUEUE_COUNT = Limit(
    "trucks", 1, 100_000, "a queue threshold in trucks: as many as a stage's servers may be (count)"
)
STEP_MIN = Limit("minutes", 0, 10_080, "minutes of one step, travel or service: at most a week")
HOURS = Limit("hours", 0, 8_760, "a delay, lead time, wait or patience in hours: at most a year")
DURATION_H = Limit("hours", 0, 8_760, "a mean duration in hours: above 0, at most a year", low_open=True)
OUTAGES_PER_DAY = Limit(
    "outages per day",
    0,
    100,
    "random outages a day: more than one every ~15 minutes is a closed stage; 100,000 a day "
    "took 27 s per simulated day",
    low_open=True,
)
SCHEDULE_WINDOWS = Limit(
    "windows",
    0,
    400,
    "server-schedule windows of one stage: every service start looks through them; "
    "2,000 took 51 s per simulated day",
)
TRUCKS_PER_DAY = Limit(
    "trucks per day", 0, 1_000_000, "trucks a day at a gate or origin: the memory check refuses far less"
)
WEIGHT = Limit(
    "weight",
    0,
    1_000_000,
    "a relative weight of an hour or weekday: 1e308 overflowed their sum to 0 arrivals",
)
MULTIPLIER = Limit("multiplier", 0, 1_000, "a multiplier on arrivals, volume or value")
POSITIVE_MULTIPLIER = Limit("multiplier", 0, 1_000, "a multiplier on a truck's value: above 0", low_open=True)
GROWTH_PER_YEAR = Limit("per_year", -0.99, 10, "yearly growth: -99% to +1000%")
LANE_RATE = Limit(
    "vehicles per hour", 0, 10_000, "vehicles per lane per hour: above 0, far beyond a road's", low_open=True
)
SPACING_M = Limit("metres", 0, 1_000, "metres of road a queued truck takes: above 0", low_open=True)
MONEY_VND = Limit(
    "VND",
    0,
    1e15,
    "an amount in VND (fees, costs, values of time): a quadrillion is a year of the province's trade",
)
MONEY_USD = Limit("USD", 0, 1e12, "a value in USD: above 0", low_open=True)
VND_PER_USD = Limit("VND per USD", 0, 1e7, "an exchange rate: above 0", low_open=True)
RATE_PER_H = Limit("per hour", 0, 1, "a share of value lost or held per hour")
FUEL_L_PER_H = Limit("litres per hour", 0, 1_000, "fuel an idling truck burns per hour")
KG_PER_L = Limit("kg per litre", 0, 100, "kg of CO2 per litre of fuel (diesel: ~2.7)")
G_PER_H = Limit("grams per hour", 0, 1e6, "grams of NOx or PM per idle hour")
SCALE_H = Limit(
    "hours", 0, 1_000, "the logit's cost scale in hours: above 0 (0 divides by zero)", low_open=True
)
PUBLISH_EVERY_H = Limit(
    "hours",
    1 / 60,
    168,
    "how often the platform publishes waits: at least a minute (1e-9 h never let the clock move), "
    "at most a week",
)
CHECK_EVERY_H = Limit(
    "hours",
    1 / 60,
    24,
    "how often metering checks the gate: at least a minute (1e-9 h never let the clock move), at most a day",
)
VALUE = Limit(
    "value",
    -1e15,
    1e15,
    "a scenario value in a priors, sweep or study file: checked against the scenario itself",
)
VALUE_STEP = Limit("step", 0, 1e15, "a step between values: above 0", low_open=True)
SD = Limit("sd", 0, 1e15, "a standard deviation of a target: above 0", low_open=True)
DISCREPANCY_SD = Limit("sd", 0, 1e15, "a model discrepancy sd of a target")
SELECT_TOP = Limit("top", 1, 100, "candidates rechecked with more replications")
SLACK = Limit("slack", 0, 10, "a violation within this many bounds' widths is still rechecked")
BATCH = Limit("batch", 1, 256, "candidates proposed together by the search")
MORRIS_LEVELS = Limit("levels", 2, 20, "levels of a Morris grid")
SOBOL_N = Limit("n", 4, 65_536, "the base sample of Sobol's design (n x (parameters + 2) runs)")
BOOTSTRAP = Limit("bootstrap", 10, 10_000, "bootstrap resamples of Sobol's indices")
PARAMETERS = Limit("parameters", 1, 1_000, "parameters taken on from Morris to Sobol")
STUDY_REPLICATIONS = Limit("replications", 1, 100, "replications per design point of a sensitivity study")
AGV_CYCLE_MIN = Limit(
    "minutes",
    0,
    1_440,
    "an automated vehicle's cycle out and back (loading, travel, unloading): above 0, at most a day",
    low_open=True,
)
DOWNTIME_SHARE = Limit(
    "share",
    0,
    0.9,
    "the share of an automated vehicle's time lost to breakdowns and maintenance: at 1 it never works",
)

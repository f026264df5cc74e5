"""Typed, immutable scenario: every model input, with its unit in its name.

A scenario is validated once, at the edge; the model only ever sees these
frozen objects. Unknown keys are rejected everywhere (``extra="forbid"``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, TypeVar, cast, get_args

from pydantic import (
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from gatesim.limits import (
    DAYS,
    DRAIN_DAYS,
    GROWTH_PER_YEAR,
    LANE_RATE,
    OUTAGES_PER_DAY,
    POSITIVE_MULTIPLIER,
    QUEUE_COUNT,
    REPLICATIONS,
    SCHEDULE_WINDOWS,
    SEED,
    SPACING_M,
    VND_PER_USD,
    WARMUP_DAYS,
)
from gatesim.limits import MONEY_USD as _USD
from gatesim.scenario.base import (
    Count,
    Cv,
    DelayH,
    Duration,
    Hour,
    Minutes,
    Multiplier,
    PerDay,
    PositiveCount,
    Share,
    StrictModel,
    Vnd,
    Weight,
)
from gatesim.scenario.checks import (
    cargo_mix_complete,
    end_after_start,
    end_not_before_start,
    hours24,
    sums_to_one,
)
from gatesim.scenario.corridor import Corridor
from gatesim.scenario.datetimes import HanoiDateTime
from gatesim.scenario.hours import Hours
from gatesim.scenario.outcomes import Cargo, DelayCost, Emissions, SpoilageCurve
from gatesim.scenario.smart import (
    AgvLane,
    RouteBuffer,
    check_route_buffer,
    check_smart,
    check_without_corridor,
)

__all__ = [
    "AgvLane",
    "BOOKED_VALUES",
    "CARGO_CLASSES",
    "CHANNELS",
    "DIRECTIONS",
    "Approach",
    "Arrivals",
    "Calendar",
    "CargoClass",
    "Economy",
    "Fees",
    "Gate",
    "Growth",
    "Hours",
    "Outage",
    "Patience",
    "PatienceByClass",
    "RandomOutages",
    "ScheduleEntry",
    "Surge",
    "Regime",
    "RoadStage",
    "Route",
    "RouteBuffer",
    "SkipRule",
    "RunSettings",
    "Scenario",
    "Season",
    "Service",
    "ServiceStage",
    "Source",
    "Stage",
    "Targets",
    "Yard",
    "class_values",
    "scheduled_servers",
]

Direction = Literal["export", "import"]
Channel = Literal["green", "yellow", "red"]
# The tuples are the Literals' values (written once): typed, so a loop over them indexes the
# scenario's dicts keyed by these Literals.
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
CHANNELS: tuple[Channel, ...] = get_args(Channel)
CARGO_CLASSES: tuple[Cargo, ...] = get_args(Cargo)
_Key = TypeVar("_Key", bound=str)  # a dict key: str or one of the Literals above


class _Model(StrictModel):
    """Unknown keys, true/false for numbers, texts and dates: gatesim/scenario/base.py."""


class Source(_Model):
    """Where a parameter comes from: a seed figure, a public figure, or an assumption."""

    basis: Literal["seed", "public", "assumption", "calibrated"]
    source: str = Field(min_length=1)
    reason: str = ""


class Service(_Model):
    """Service time of one truck at a stage, in minutes.

    The mean for a truck is the sum of ``steps_min`` (sequential steps every
    truck goes through), plus ``transshipment_steps_min`` if the truck's goods
    are transshipped, plus ``by_channel_min[channel]`` if given.
    """

    dist: Literal["exponential", "lognormal", "deterministic"] = "lognormal"
    cv: Cv = 0.5
    steps_min: dict[str, Minutes] = Field(default_factory=dict)
    transshipment_steps_min: dict[str, Minutes] = Field(default_factory=dict)
    by_channel_min: dict[Channel, Minutes] | None = None

    @model_validator(mode="after")
    def _complete(self) -> Service:
        if self.by_channel_min is not None and set(self.by_channel_min) != set(CHANNELS):
            raise ValueError(f"by_channel_min: needs all of {list(CHANNELS)}")
        return self

    @property
    def base_mean_min(self) -> float:
        return float(sum(self.steps_min.values()))

    @property
    def transshipment_mean_min(self) -> float:
        return float(sum(self.transshipment_steps_min.values()))


# ---- queue rules: all optional; a stage without them is FIFO with fixed servers.

PriorityAttribute = Literal["cargo", "channel", "direction", "booked"]  # booked: corridor
BOOKED_VALUES = ("booked", "walk_in")  # a truck with a corridor booking slot, or not


def class_values(attribute: str) -> tuple[str, ...]:
    """The values a truck attribute that classes trucks can take."""
    return {"cargo": CARGO_CLASSES, "channel": CHANNELS, "direction": DIRECTIONS, "booked": BOOKED_VALUES}[
        attribute
    ]


class Patience(_Model):
    """How long a truck waits in a stage's queue before it gives up (reneges), hours.

    ``fixed``: every truck waits ``mean_h``; ``exponential``: mean ``mean_h``;
    ``lognormal``: mean ``mean_h`` and coefficient of variation ``cv``.
    """

    dist: Literal["exponential", "fixed", "lognormal"] = "exponential"
    mean_h: Duration
    cv: Cv = 0.5


class PatienceByClass(_Model):
    """Patience per class of a truck attribute; a class not listed never reneges."""

    by: Literal["cargo", "channel", "direction"]
    classes: dict[str, Patience] = Field(..., min_length=1)

    @model_validator(mode="after")
    def _known(self) -> PatienceByClass:
        allowed = class_values(self.by)
        for c in self.classes:
            if c not in allowed:
                raise ValueError(f"classes.{c}: not a value of {self.by}; allowed: {', '.join(allowed)}")
        return self


def _patience_kind(v: object) -> str:
    return "by_class" if (isinstance(v, dict) and "by" in v) or isinstance(v, PatienceByClass) else "one"


PatienceRule = Annotated[
    Annotated[Patience, Tag("one")] | Annotated[PatienceByClass, Tag("by_class")],
    Discriminator(_patience_kind),
]


class ScheduleEntry(_Model):
    """Servers on duty in a window, on top of opening hours (closed stays closed).

    A window is a range of hours of the day (the stage side's local time,
    ``from_h`` to ``to_h``), a range of dates (``start`` to ``end``, both
    included, the stage side's local dates), or both. Where windows of
    different kinds cover the same instant, the more specific one applies:
    dates and hours, then dates only, then hours only, then the stage's
    ``servers``. Two windows of the same kind must not overlap.
    """

    from_h: Hour = 0.0
    to_h: Hour = 24.0
    start: dt.date | None = None
    end: dt.date | None = None
    servers: Count

    @model_validator(mode="after")
    def _order(self) -> ScheduleEntry:
        if self.to_h <= self.from_h:
            raise ValueError(f"to_h: must be after from_h ({self.from_h:g})")
        if (self.start is None) != (self.end is None):
            raise ValueError("end: start and end go together")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end: {self.end} is before start {self.start}")
        return self

    @property
    def dated(self) -> bool:
        return self.start is not None

    @property
    def all_day(self) -> bool:
        return self.from_h == 0 and self.to_h == 24

    @property
    def level(self) -> int:
        """Specificity: 3 dates and hours, 2 dates only, 1 hours only."""
        return 3 if self.dated and not self.all_day else 2 if self.dated else 1

    def covers(self, date: dt.date, hour: float) -> bool:
        if self.start is not None and self.end is not None and not (self.start <= date <= self.end):
            return False
        return self.from_h <= hour < self.to_h

    def overlaps(self, other: ScheduleEntry) -> bool:
        hours = self.from_h < other.to_h and other.from_h < self.to_h
        if self.start is None or self.end is None or other.start is None or other.end is None:
            return hours  # an undated entry covers every date
        return hours and self.start <= other.end and other.start <= self.end


def _check_schedule(entries: list[ScheduleEntry]) -> None:
    for i, a in enumerate(entries):
        for j in range(i):
            b = entries[j]
            if a.level == b.level and a.overlaps(b):
                raise ValueError(
                    f"server_schedule.{i}: overlaps entry {j}; windows of the same kind must not overlap"
                )


def scheduled_servers(entries: list[ScheduleEntry], base: int, date: dt.date, hour: float) -> int:
    """Servers on duty at local ``date`` and ``hour`` (the most specific window, else ``base``)."""
    best, level = base, 0
    for e in entries:
        if e.level > level and e.covers(date, hour):
            best, level = e.servers, e.level
    return best


class Surge(_Model):
    """Extra servers called in when the queue reaches ``queue_at_least`` trucks.

    They come ``delay_h`` after the queue first reaches the threshold (if the
    queue is then still at least ``until_queue_below``) and go when the queue
    falls below ``until_queue_below`` (a truck in service is finished first).
    They work only while the stage is open and not in an outage.
    """

    queue_at_least: int = Field(..., **QUEUE_COUNT.bounds)
    extra_servers: PositiveCount  # as many as a stage may have
    delay_h: DelayH = 0.0
    until_queue_below: int = Field(..., **QUEUE_COUNT.bounds)

    @model_validator(mode="after")
    def _order(self) -> Surge:
        if self.until_queue_below > self.queue_at_least:
            raise ValueError(f"until_queue_below: must not exceed queue_at_least ({self.queue_at_least})")
        return self


class Outage(_Model):
    """A stage closed from one instant to another (Hanoi time): no service starts;
    a truck already in service is finished (non-preemptive, like closing time).
    ``start`` and ``end`` as gatesim/scenario/datetimes.py reads them."""

    start: HanoiDateTime
    end: HanoiDateTime

    _order = model_validator(mode="after")(end_after_start)


class RandomOutages(_Model):
    """Outages at random: a Poisson process of ``rate_per_day``, each lasting a
    draw of ``duration_h``; drawn from the stage's own stream ``outages/<stage>``."""

    rate_per_day: float = Field(..., **OUTAGES_PER_DAY.bounds)
    duration_h: Patience  # same shape: dist and mean_h (and cv)


class _QueueRules(_Model):
    """Queue discipline, patience, server schedule, surge and outages of a stage."""

    discipline: Literal["fifo", "priority"] = "fifo"
    priority_by: PriorityAttribute | None = None
    priority_order: list[str] | None = None
    patience_h: PatienceRule | None = None
    server_schedule: list[ScheduleEntry] = Field(default_factory=list, max_length=int(SCHEDULE_WINDOWS.high))
    surge: Surge | None = None
    outages: list[Outage] = Field(default_factory=list)
    random_outages: RandomOutages | None = None

    @model_validator(mode="after")
    def _rules(self):
        if self.discipline == "priority":
            if self.priority_by is None or self.priority_order is None:
                raise ValueError("discipline: priority needs priority_by and priority_order")
            allowed = class_values(self.priority_by)
            missing = [v for v in allowed if v not in self.priority_order]
            unknown = [v for v in self.priority_order if v not in allowed]
            if unknown:
                raise ValueError(
                    f"priority_order: {unknown[0]!r} is not a value of {self.priority_by}; "
                    f"allowed: {', '.join(allowed)}"
                )
            if missing or len(set(self.priority_order)) != len(self.priority_order):
                raise ValueError(
                    f"priority_order: misses {', '.join(map(repr, missing)) or 'nothing but repeats one'}; "
                    f"must list every value of {self.priority_by} once: {', '.join(allowed)}"
                )
        elif self.priority_by is not None or self.priority_order is not None:
            raise ValueError("priority_by: only with discipline: priority")
        _check_schedule(self.server_schedule)
        for i in range(1, len(self.outages)):
            for j in range(i):
                a, b = self.outages[i], self.outages[j]
                if a.start < b.end and b.start < a.end:
                    raise ValueError(f"outages.{i}: overlaps outage {j}")
        # servers: a field of ServiceStage, a property of RoadStage (every subclass has it)
        if (self.server_schedule or self.surge) and getattr(self, "servers", None) is None:
            raise ValueError("server_schedule: needs a number of servers (the stage has unlimited)")
        return self

    @property
    def state_dependent(self) -> bool:
        """True if a queued truck's start depends on the queue's state (priority, patience,
        a surge): such a stage takes the general (event-driven) path."""
        return bool(self.discipline != "fifo" or self.patience_h is not None or self.surge is not None)

    @property
    def timed(self) -> bool:
        """True if the servers on duty change over time by the scenario alone (a server
        schedule, outages): a FIFO stage still books each start when the truck joins."""
        return bool(self.server_schedule or self.outages or self.random_outages is not None)

    @property
    def general(self) -> bool:
        """True if the stage has any queue rule: a state-dependent one or a timeline of its own."""
        return self.state_dependent or self.timed


class ServiceStage(_QueueRules):
    """A stage with servers (officers, counters, crews) working FIFO in opening hours."""

    kind: Literal["service"] = "service"
    role: Literal["declaration", "fees", "handover", "acceptance", "release", "other"]
    servers: PositiveCount | None = Field(..., description="None: unlimited")
    daily_capacity: Count | None = None
    hours: Hours = Hours()
    service: Service
    travel_min: Minutes = 0.0


class RoadStage(_QueueRules):
    """The dedicated road to the border marker: lanes, vehicles per lane per hour.

    ``lanes`` are shared by both directions (a truck takes the lane that frees
    first); ``lanes_by_direction`` gives each direction its own lanes instead
    (give one or the other). ``lane_use: by_direction`` with ``lanes`` splits
    them evenly (exports get the odd lane): the form a structural prior or a
    proposal ("8 lanes") can set without knowing the split.
    """

    kind: Literal["road"]
    role: Literal["road"] = "road"
    lanes: PositiveCount | None = None
    lanes_by_direction: dict[Direction, PositiveCount] | None = None  # each as many as `lanes`
    lane_use: Literal["shared", "by_direction"] = "shared"
    per_lane_vehicles_per_h: float = Field(..., **LANE_RATE.bounds)
    hours: Hours = Hours()
    travel_min: Minutes = 0.0

    @model_validator(mode="before")
    @classmethod
    def _one_lane_key(cls, data: object) -> object:
        if isinstance(data, dict):
            has_l, has_d = data.get("lanes") is not None, data.get("lanes_by_direction") is not None
            if has_l and has_d:
                raise ValueError("lanes_by_direction: give lanes or lanes_by_direction, not both")
            if not has_l and not has_d:
                raise ValueError("lanes: required (or lanes_by_direction)")
            if data.get("lane_use") == "by_direction" and has_l:
                lanes = data["lanes"]
                if isinstance(lanes, int) and not isinstance(lanes, bool) and lanes >= 1:
                    if lanes < 2:
                        raise ValueError("lane_use: by_direction needs at least 2 lanes")
                    split = {"export": lanes - lanes // 2, "import": lanes // 2}
                    data = {**data, "lanes": None, "lanes_by_direction": split}
            elif has_d:
                # explicit lanes per direction win over a `shared` inherited from a base file
                data = {**data, "lane_use": "by_direction"}
        return data

    @model_validator(mode="after")
    def _split(self) -> RoadStage:
        if self.lanes_by_direction is not None:
            if set(self.lanes_by_direction) != set(DIRECTIONS):
                raise ValueError(f"lanes_by_direction: needs both of {list(DIRECTIONS)}")
            if self.general:
                raise ValueError("lanes_by_direction: not with queue rules (give two road stages instead)")
        return self

    @property
    def servers(self) -> int:
        """All lanes (both directions' when split)."""
        if self.lanes_by_direction is not None:
            return sum(self.lanes_by_direction.values())
        assert self.lanes is not None  # _one_lane_key: lanes or lanes_by_direction
        return self.lanes

    @property
    def daily_capacity(self) -> None:
        return None


def _stage_kind(v: object) -> str:
    kind = v.get("kind", "service") if isinstance(v, dict) else getattr(v, "kind", "service")
    return kind if kind in ("service", "road") else "service"


Stage = Annotated[
    Annotated[ServiceStage, Tag("service")] | Annotated[RoadStage, Tag("road")],
    Discriminator(_stage_kind),
]


class SkipRule(_Model):
    """A routing rule: trucks of ``classes`` (by ``by``) that reach ``stage`` between
    ``from_h`` and ``to_h`` (Hanoi time of day) pass it by: no queue, no service, no
    travel after it; they go on to the route's next stage at once."""

    stage: str
    by: Literal["cargo", "channel"]
    classes: list[str] = Field(..., min_length=1)
    from_h: float = Field(..., ge=0, le=24)
    to_h: float = Field(..., ge=0, le=24)

    @model_validator(mode="after")
    def _valid(self) -> SkipRule:
        unknown = sorted(set(self.classes) - set(class_values(self.by)))
        if unknown:
            raise ValueError(f"classes: {unknown} are not {self.by} classes {list(class_values(self.by))}")
        if self.from_h >= self.to_h:
            raise ValueError("to_h: must be after from_h (a window within one day)")
        return self


class Route(_Model):
    """The stages a truck of one direction passes, in order.

    A truck holds a yard slot from just before it queues at ``yard_from``
    until its service starts at ``yard_until``; waiting for a slot happens on
    the road approach (spillback). ``skip``: routing rules, at most one per
    stage, never at the yard's ends.
    """

    stages: list[str] = Field(..., min_length=1)
    yard_from: str | None = None
    yard_until: str | None = None
    skip: list[SkipRule] = Field(default_factory=list)
    buffer: RouteBuffer | None = None  # a finite buffer between two of its stages (scenario/smart.py)

    @model_validator(mode="after")
    def _skips(self) -> Route:
        seen: set[str] = set()
        for rule in self.skip:
            if rule.stage not in self.stages or rule.stage in (self.yard_from, self.yard_until):
                raise ValueError(
                    f"skip: {rule.stage!r} is not one of stages other than yard_from and yard_until"
                )
            if rule.stage in seen:
                raise ValueError(f"skip: two rules for {rule.stage!r} (one per stage)")
            seen.add(rule.stage)
        check_route_buffer(self.stages, self.buffer, sorted(seen))
        return self

    @model_validator(mode="after")
    def _yard_span(self) -> Route:
        if (self.yard_from is None) != (self.yard_until is None):
            raise ValueError("yard_until: yard_from and yard_until go together")
        if self.yard_from is not None and self.yard_until is not None:
            for key in ("yard_from", "yard_until"):
                if getattr(self, key) not in self.stages:
                    raise ValueError(f"{key}: {getattr(self, key)!r} is not in stages {self.stages}")
            if self.stages.index(self.yard_from) > self.stages.index(self.yard_until):
                raise ValueError("yard_from: must come before yard_until")
        if len(set(self.stages)) != len(self.stages):
            raise ValueError("stages: a stage appears twice in the route")
        return self


class Yard(_Model):
    """The gate's yard. ``used_by``: the directions whose trucks hold a slot (over
    their route's ``yard_from``..``yard_until``); exports only by default
    (labelled assumption: the baseline's yards are export parking)."""

    capacity_trucks: PositiveCount
    used_by: list[Direction] = Field(default_factory=lambda: cast(list[Direction], ["export"]), min_length=1)


class Approach(_Model):
    """The public road leading to the gate, where trucks queue when the yard is full."""

    lanes: PositiveCount = 1
    truck_spacing_m: float = Field(20.0, **SPACING_M.bounds)


class Arrivals(_Model):
    per_day: PerDay
    export_share: Share
    cargo_mix: dict[Direction, dict[Cargo, Share]]
    channel_shares: dict[Channel, Share]
    transshipment_share: Share
    hourly_profile: list[Weight] = Field(default_factory=lambda: [1.0] * 24)
    # A direction listed here arrives by its own profile instead of hourly_profile.
    hourly_profile_by_direction: dict[Direction, list[Weight]] = Field(default_factory=dict)
    weekday_profile: list[Weight] = Field(default_factory=lambda: [1.0] * 7)

    _hours24 = field_validator("hourly_profile")(hours24)

    @field_validator("hourly_profile_by_direction")
    @classmethod
    def _hours24_by_direction(cls, v: dict[str, list[float]]) -> dict[str, list[float]]:
        for d, profile in v.items():
            if len(profile) != 24 or sum(profile) <= 0:
                raise ValueError(f"{d}: needs 24 non-negative weights, not all 0; got {len(profile)}")
        return v

    def profile_of(self, direction: str) -> list[float]:
        """The hour-of-day weights of a direction's arrivals."""
        return self.hourly_profile_by_direction.get(cast(Direction, direction), self.hourly_profile)

    @field_validator("weekday_profile")
    @classmethod
    def _days7(cls, v: list[float]) -> list[float]:
        if len(v) != 7 or sum(v) <= 0:
            raise ValueError(f"needs 7 non-negative weights (Mon..Sun); got {len(v)}")
        return v

    @model_validator(mode="after")
    def _all_channels(self) -> Arrivals:
        if set(self.channel_shares) != set(CHANNELS):
            missing = sorted(set(CHANNELS) - set(self.channel_shares))
            raise ValueError(f"channel_shares: needs all of {list(CHANNELS)} (0 for none); missing {missing}")
        return self

    @model_validator(mode="after")
    def _shares(self) -> Arrivals:
        cargo_mix_complete(self.cargo_mix)
        sums_to_one(self.channel_shares, "channel_shares")
        return self


class Gate(_Model):
    name: str
    arrivals: Arrivals
    value_multiplier: float = Field(1.0, **POSITIVE_MULTIPLIER.bounds)
    yard: Yard | None = None
    approach: Approach = Approach()
    stages: dict[str, Stage] = Field(..., min_length=1)
    routes: dict[Direction, Route]
    agv_lane: AgvLane | None = None  # an automated freight lane (scenario/smart.py)

    @model_validator(mode="after")
    def _consistent(self) -> Gate:
        for d, route in self.routes.items():
            self._check_route(d, route)
        check_smart(self.agv_lane, self.routes, self.stages)
        needed = {d for d in DIRECTIONS if self._direction_share(d) > 0}
        missing = needed - set(self.routes)
        if missing and self.arrivals.per_day > 0:
            raise ValueError(f"routes: missing for {sorted(missing)}")
        if self.arrivals.per_day > 0:
            for sid, st in self.stages.items():
                if st.daily_capacity == 0:
                    raise ValueError(f"stages.{sid}.daily_capacity: is 0 while arrivals.per_day > 0")
        return self

    def _check_route(self, d: str, route: Route) -> None:
        """A route names this gate's stages, and uses the yard as ``yard.used_by`` says."""
        for s in route.stages:
            if s not in self.stages:
                raise ValueError(f"routes.{d}.stages: names stage {s!r}; stages are {list(self.stages)}")
        if route.yard_from is not None and self.yard is None:
            raise ValueError(f"routes.{d}.yard_from: uses a yard but the gate has no yard")
        if self.yard is not None:
            uses = d in self.yard.used_by
            if route.yard_from is not None and not uses:
                raise ValueError(f"routes.{d}.yard_from: yard.used_by does not list {d}")
            if route.yard_from is None and uses and "used_by" in self.yard.model_fields_set:
                raise ValueError(
                    f"routes.{d}: yard.used_by lists {d}, so the route needs yard_from and yard_until"
                )

    def _direction_share(self, d: str) -> float:
        e = self.arrivals.export_share
        return e if d == "export" else 1.0 - e


class CargoClass(_Model):
    value_usd_mean: float = Field(..., **_USD.bounds)
    value_cv: Cv = 0.8
    tax_rate: dict[Direction, Share]


class Fees(_Model):
    infrastructure_vnd_per_trip: dict[Direction, Vnd]
    transshipment_vnd_per_truck: Vnd


class Season(_Model):
    """A multiplier on arrivals of some directions and cargo classes between two dates."""

    name: str
    start: dt.date
    end: dt.date
    multiplier: Multiplier
    directions: list[Direction] = Field(default_factory=lambda: list(DIRECTIONS))
    cargo: list[Cargo] = Field(default_factory=lambda: list(CARGO_CLASSES))

    _dates = model_validator(mode="after")(end_not_before_start)


class Regime(_Model):
    """A holiday regime (Tết): gates closed, or pre-registered goods only."""

    name: str
    kind: Literal["closed", "pre_registered"]
    start: dt.date
    end: dt.date
    gates: list[str]
    arrival_multiplier: Multiplier

    _dates = model_validator(mode="after")(end_not_before_start)


class Growth(_Model):
    volume_multiplier: Multiplier = 1.0
    per_year: float = Field(0.0, **GROWTH_PER_YEAR.bounds)


class Calendar(_Model):
    start_date: dt.date
    warmup_days: int = Field(0, ge=WARMUP_DAYS.low, le=WARMUP_DAYS.high)
    # Days simulated after the window so that its trucks can finish: their
    # waits are then counted whole (trucks still inside at the window's end
    # are the longest waiters). Nothing else is measured in the drain.
    drain_days: int = Field(0, ge=DRAIN_DAYS.low, le=DRAIN_DAYS.high)
    seasons: list[Season] = Field(default_factory=list)
    regimes: list[Regime] = Field(default_factory=list)


class RunSettings(_Model):
    days: int = Field(12, ge=DAYS.low, le=DAYS.high)
    replications: int = Field(5, ge=REPLICATIONS.low, le=REPLICATIONS.high)
    seed: int = Field(20260101, ge=SEED.low, le=SEED.high)


class Economy(_Model):
    vnd_per_usd: float = Field(..., **VND_PER_USD.bounds)
    # what delay costs (gatesim/scenario/outcomes.py); absent: those columns are empty
    delay_cost: DelayCost | None = None
    spoilage: dict[Cargo, SpoilageCurve] | None = None


class Targets(_Model):
    """2026 customs revenue targets of Customs Region VI, VND."""

    revenue_2026_vnd: dict[str, Vnd] = Field(default_factory=dict)


class Scenario(_Model):
    name: str = Field(..., min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    run: RunSettings = RunSettings()
    calendar: Calendar
    economy: Economy
    emissions: Emissions | None = None  # idling in queues (gatesim/scenario/outcomes.py)
    growth: Growth = Growth()
    cargo: dict[Cargo, CargoClass]
    fees: Fees
    gates: dict[str, Gate] = Field(..., min_length=1)
    targets: Targets = Targets()
    sources: dict[str, Source] = Field(default_factory=dict)
    # demand by origin and gate choice (gatesim/scenario/corridor.py)
    corridor: Corridor | None = None

    @field_validator("name")
    @classmethod
    def _folder_name(cls, v: str) -> str:
        # the name is the run's folder name: "." or ".." would write outside --out
        if v.startswith("."):
            raise ValueError("must not start with '.' (it names the run's folder)")
        return v

    @field_validator("gates")
    @classmethod
    def _gate_ids(cls, v: dict[str, Gate]) -> dict[str, Gate]:
        for gid in v:
            if not gid.replace("_", "").isalnum() or not gid.islower():
                raise ValueError(f"{gid}: gate id must be lower_snake_case")
        return v

    @model_validator(mode="after")
    def _refs(self) -> Scenario:
        if set(self.cargo) != set(CARGO_CLASSES):
            raise ValueError(f"cargo: needs all of {list(CARGO_CLASSES)}")
        for i, r in enumerate(self.calendar.regimes):
            for g in r.gates:
                if g not in self.gates:
                    raise ValueError(
                        f"calendar.regimes.{i}.gates: regime {r.name!r} names gate {g!r}; gates are {list(self.gates)}"
                    )
        if self.corridor is not None:
            check_without_corridor(self.gates)
        for key, g in self.corridor.gate_refs() if self.corridor is not None else []:
            if g not in self.gates:
                raise ValueError(f"{key}: names gate {g!r}; gates are {list(self.gates)}")
        return self

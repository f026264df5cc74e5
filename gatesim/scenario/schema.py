"""Typed, immutable scenario: every model input, with its unit in its name.

A scenario is validated once, at the edge; the model only ever sees these
frozen objects. Unknown keys are rejected everywhere (``extra="forbid"``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from gatesim.scenario.outcomes import DelayCost, Emissions, SpoilageCurve

__all__ = [
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
    "Regime",
    "RoadStage",
    "Route",
    "RunSettings",
    "Scenario",
    "Season",
    "Service",
    "ServiceStage",
    "Source",
    "Stage",
    "Targets",
    "Yard",
]

DIRECTIONS = ("export", "import")
CHANNELS = ("green", "yellow", "red")
CARGO_CLASSES = ("fruit", "electronics", "other")

Direction = Literal["export", "import"]
Channel = Literal["green", "yellow", "red"]
Cargo = Literal["fruit", "electronics", "other"]
NonNeg = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
_SHARE_TOL = 1e-6


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_sums_to_one(shares: dict[str, float], what: str) -> None:
    total = sum(shares.values())
    if abs(total - 1.0) > _SHARE_TOL:
        raise ValueError(f"{what}: must sum to 1, got {total:g}")


class Source(_Model):
    """Where a parameter comes from: a seed figure, a public figure, or an assumption."""

    basis: Literal["seed", "public", "assumption", "calibrated"]
    source: str = Field(min_length=1)
    reason: str = ""


class Hours(_Model):
    """Daily opening hours in the local time of the side that runs the stage."""

    tz: Literal["hanoi", "china"] = "hanoi"
    open_h: float = Field(0.0, ge=0, le=24)
    close_h: float = Field(24.0, ge=0, le=24)

    @model_validator(mode="after")
    def _order(self) -> Hours:
        if self.close_h < self.open_h:
            raise ValueError(f"close_h: must not be before open_h ({self.open_h:g})")
        return self

    @property
    def always_open(self) -> bool:
        return self.open_h == 0 and self.close_h == 24


class Service(_Model):
    """Service time of one truck at a stage, in minutes.

    The mean for a truck is the sum of ``steps_min`` (sequential steps every
    truck goes through), plus ``transshipment_steps_min`` if the truck's goods
    are transshipped, plus ``by_channel_min[channel]`` if given.
    """

    dist: Literal["exponential", "lognormal", "deterministic"] = "lognormal"
    cv: float = Field(0.5, ge=0, le=5)
    steps_min: dict[str, NonNeg] = Field(default_factory=dict)
    transshipment_steps_min: dict[str, NonNeg] = Field(default_factory=dict)
    by_channel_min: dict[Channel, NonNeg] | None = None

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


class ServiceStage(_Model):
    """A stage with servers (officers, counters, crews) working FIFO in opening hours."""

    kind: Literal["service"] = "service"
    role: Literal["declaration", "fees", "handover", "acceptance", "release", "other"]
    servers: int | None = Field(..., ge=1, description="None: unlimited")
    daily_capacity: int | None = Field(None, ge=0)
    hours: Hours = Hours()
    service: Service
    travel_min: NonNeg = 0.0


class RoadStage(_Model):
    """The dedicated road to the border marker: lanes, vehicles per lane per hour."""

    kind: Literal["road"]
    role: Literal["road"] = "road"
    lanes: int = Field(..., ge=1)
    per_lane_vehicles_per_h: float = Field(..., gt=0)
    hours: Hours = Hours()
    travel_min: NonNeg = 0.0

    @property
    def servers(self) -> int:
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


class Route(_Model):
    """The stages a truck of one direction passes, in order.

    A truck holds a yard slot from just before it queues at ``yard_from``
    until its service starts at ``yard_until``; waiting for a slot happens on
    the road approach (spillback).
    """

    stages: list[str] = Field(..., min_length=1)
    yard_from: str | None = None
    yard_until: str | None = None

    @model_validator(mode="after")
    def _yard_span(self) -> Route:
        if (self.yard_from is None) != (self.yard_until is None):
            raise ValueError("yard_until: yard_from and yard_until go together")
        if self.yard_from is not None:
            for key in ("yard_from", "yard_until"):
                if getattr(self, key) not in self.stages:
                    raise ValueError(f"{key}: {getattr(self, key)!r} is not in stages {self.stages}")
            if self.stages.index(self.yard_from) > self.stages.index(self.yard_until):
                raise ValueError("yard_from: must come before yard_until")
        if len(set(self.stages)) != len(self.stages):
            raise ValueError("stages: a stage appears twice in the route")
        return self


class Yard(_Model):
    capacity_trucks: int = Field(..., ge=1)


class Approach(_Model):
    """The public road leading to the gate, where trucks queue when the yard is full."""

    lanes: int = Field(1, ge=1)
    truck_spacing_m: float = Field(20.0, gt=0)


class Arrivals(_Model):
    per_day: NonNeg
    export_share: Share
    cargo_mix: dict[Direction, dict[Cargo, Share]]
    channel_shares: dict[Channel, Share]
    transshipment_share: Share
    hourly_profile: list[NonNeg] = Field(default_factory=lambda: [1.0] * 24)
    weekday_profile: list[NonNeg] = Field(default_factory=lambda: [1.0] * 7)

    @field_validator("hourly_profile")
    @classmethod
    def _hours24(cls, v: list[float]) -> list[float]:
        if len(v) != 24 or sum(v) <= 0:
            raise ValueError(f"needs 24 non-negative weights, not all 0; got {len(v)}")
        return v

    @field_validator("weekday_profile")
    @classmethod
    def _days7(cls, v: list[float]) -> list[float]:
        if len(v) != 7 or sum(v) <= 0:
            raise ValueError(f"needs 7 non-negative weights (Mon..Sun); got {len(v)}")
        return v

    @model_validator(mode="after")
    def _shares(self) -> Arrivals:
        if set(self.cargo_mix) != set(DIRECTIONS):
            raise ValueError(f"cargo_mix: needs both of {list(DIRECTIONS)}")
        for d, mix in self.cargo_mix.items():
            _check_sums_to_one(mix, f"cargo_mix.{d}")
        _check_sums_to_one(self.channel_shares, "channel_shares")
        return self


class Gate(_Model):
    name: str
    arrivals: Arrivals
    value_multiplier: float = Field(1.0, gt=0)
    yard: Yard | None = None
    approach: Approach = Approach()
    stages: dict[str, Stage] = Field(..., min_length=1)
    routes: dict[Direction, Route]

    @model_validator(mode="after")
    def _consistent(self) -> Gate:
        for d, route in self.routes.items():
            for s in route.stages:
                if s not in self.stages:
                    raise ValueError(f"routes.{d}.stages: names stage {s!r}; stages are {list(self.stages)}")
            if route.yard_from is not None and self.yard is None:
                raise ValueError(f"routes.{d}.yard_from: uses a yard but the gate has no yard")
        needed = {d for d in DIRECTIONS if self._direction_share(d) > 0}
        missing = needed - set(self.routes)
        if missing and self.arrivals.per_day > 0:
            raise ValueError(f"routes: missing for {sorted(missing)}")
        if self.arrivals.per_day > 0:
            for sid, st in self.stages.items():
                if st.daily_capacity == 0:
                    raise ValueError(f"stages.{sid}.daily_capacity: is 0 while arrivals.per_day > 0")
        return self

    def _direction_share(self, d: str) -> float:
        e = self.arrivals.export_share
        return e if d == "export" else 1.0 - e


class CargoClass(_Model):
    value_usd_mean: float = Field(..., gt=0)
    value_cv: float = Field(0.8, ge=0, le=5)
    tax_rate: dict[Direction, Share]


class Fees(_Model):
    infrastructure_vnd_per_trip: dict[Direction, NonNeg]
    transshipment_vnd_per_truck: NonNeg


class Season(_Model):
    """A multiplier on arrivals of some directions and cargo classes between two dates."""

    name: str
    start: dt.date
    end: dt.date
    multiplier: NonNeg
    directions: list[Direction] = Field(default_factory=lambda: list(DIRECTIONS))
    cargo: list[Cargo] = Field(default_factory=lambda: list(CARGO_CLASSES))

    @model_validator(mode="after")
    def _dates(self) -> Season:
        if self.end < self.start:
            raise ValueError(f"end: {self.end} is before start {self.start}")
        return self


class Regime(_Model):
    """A holiday regime (Tết): gates closed, or pre-registered goods only."""

    name: str
    kind: Literal["closed", "pre_registered"]
    start: dt.date
    end: dt.date
    gates: list[str]
    arrival_multiplier: NonNeg

    @model_validator(mode="after")
    def _dates(self) -> Regime:
        if self.end < self.start:
            raise ValueError(f"end: {self.end} is before start {self.start}")
        return self


class Growth(_Model):
    volume_multiplier: float = Field(1.0, ge=0)
    per_year: float = Field(0.0, ge=-0.99, le=10)


class Calendar(_Model):
    start_date: dt.date
    warmup_days: int = Field(0, ge=0, le=366)
    # Days simulated after the window so that its trucks can finish: their
    # waits are then counted whole (trucks still inside at the window's end
    # are the longest waiters). Nothing else is measured in the drain.
    drain_days: int = Field(0, ge=0, le=60)
    seasons: list[Season] = Field(default_factory=list)
    regimes: list[Regime] = Field(default_factory=list)


class RunSettings(_Model):
    days: int = Field(12, ge=1, le=3660)
    replications: int = Field(5, ge=1, le=1000)
    seed: int = Field(20260101, ge=0, le=2**63 - 1)


class Economy(_Model):
    vnd_per_usd: float = Field(..., gt=0)
    # what delay costs (gatesim/scenario/outcomes.py); absent: those columns are empty
    delay_cost: DelayCost | None = None
    spoilage: dict[Cargo, SpoilageCurve] | None = None


class Targets(_Model):
    """2026 customs revenue targets of Customs Region VI, VND."""

    revenue_2026_vnd: dict[str, NonNeg] = Field(default_factory=dict)


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
        return self

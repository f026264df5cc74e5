"""Scenario schema of the corridor: demand by origin, gate choice,
holding/metering, booking slots and cargo-class stops.

A scenario without ``corridor:`` is unchanged: each gate draws its own
arrivals (``gates.<id>.arrivals``). With ``corridor:``, the trucks are drawn
per origin instead, choose a gate, and the gates' ``arrivals`` keep only the
per-gate attributes of a truck that arrives there (channel shares,
transshipment share); their ``per_day``, mixes and profiles are not used.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from gatesim.limits import CHECK_EVERY_H, MONEY_VND, POSITIVE_MULTIPLIER, PUBLISH_EVERY_H, SCALE_H
from gatesim.scenario.base import (
    Count,
    DelayH,
    Hour,
    Minutes,
    PerDay,
    PositiveCount,
    Share,
    StrictModel,
    Vnd,
    Weight,
)
from gatesim.scenario.checks import cargo_mix_complete, end_after_start, hours24
from gatesim.scenario.datetimes import HanoiDateTime

__all__ = ["Corridor", "Stop"]

_CARGO = ("fruit", "electronics", "other")


class _Model(StrictModel):
    """Unknown keys, true/false for numbers, texts and dates: gatesim/scenario/base.py."""


class Origin(_Model):
    """Where trucks start: trucks/day by direction and cargo, and the road time to each gate.

    A gate missing from ``travel_min`` cannot be reached from this origin.
    """

    per_day: PerDay
    export_share: Share
    cargo_mix: dict[Literal["export", "import"], dict[Literal["fruit", "electronics", "other"], Share]]
    hourly_profile: list[Weight] = Field(default_factory=lambda: [1.0] * 24)
    value_multiplier: float = Field(1.0, **POSITIVE_MULTIPLIER.bounds)
    travel_min: dict[str, Minutes] = Field(..., min_length=1)

    _hours24 = field_validator("hourly_profile")(hours24)

    @model_validator(mode="after")
    def _mix(self) -> Origin:
        cargo_mix_complete(self.cargo_mix)
        return self


class Choice(_Model):
    """Captive shares plus a multinomial logit on a generalised cost, in hours.

    cost(gate) = travel hours (from the origin, plus any driving inside the gate's
    route, such as Chi Ma's road 236) + published expected wait (hours) + fee / value of time;
    P(gate) ∝ exp(-cost / scale_h) over the gates open to the truck.
    The platform publishes each gate's expected wait every ``publish_every_h``;
    a driver sees the figure published ``info_delay_h`` before departure.
    ``fixed_wait_h`` replaces the published wait by fixed figures (a gate not
    listed: 0), to study choice without congestion feedback.
    ``rechoose_after_reneging``: a truck that gives up at a gate (the engine's
    ``patience_h``) chooses again among the other gates, from where it is
    (travel taken as from its origin), instead of leaving the corridor.
    """

    scale_h: float = Field(..., **SCALE_H.bounds)
    value_of_time_vnd_per_h: float = Field(..., gt=0, le=MONEY_VND.high)
    fee_vnd: dict[str, Vnd] = Field(default_factory=dict)
    captive: dict[str, Share] = Field(default_factory=dict)
    publish_every_h: float = Field(0.25, **PUBLISH_EVERY_H.bounds)
    info_delay_h: DelayH = 0.0
    fixed_wait_h: dict[str, DelayH] | None = None
    rechoose_after_reneging: bool = False

    @model_validator(mode="after")
    def _captive(self) -> Choice:
        total = sum(self.captive.values())
        if total > 1.0 + 1e-9:
            raise ValueError(f"captive: shares must sum to at most 1, got {total:g}")
        return self


class StagingYard(_Model):
    """A named staging yard where metered trucks wait for the gate, in trucks."""

    name: str = Field(..., min_length=1)
    capacity_trucks: PositiveCount


class Staging(_Model):
    """Platform dispatch from staging yards (docs/corridor.md, "Platform dispatch").

    A metered truck that must wait takes a place in the first yard (in the listed
    order) with one free; when every yard is full it waits at its origin. The
    release is decided as without staging (in the order the trucks were held);
    a truck called from a staging yard then needs ``call_forward_lead_h`` before
    it sets off, with the road time of its origin (the yards' own location is not
    modelled). Booked trucks are never staged: they are called for their slot.
    """

    yards: list[StagingYard] = Field(..., min_length=1)
    call_forward_lead_h: DelayH = 0.0

    @model_validator(mode="after")
    def _names(self) -> Staging:
        names = [y.name for y in self.yards]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"yards: the name {name!r} is given twice; each staging yard needs its own")
        return self


class Metering(_Model):
    """The platform's coordination order at one gate: trucks wait at their origin
    (or a buffer parking) while the gate's approach queue (trucks waiting on the
    road for a yard slot) or its yard is at its threshold; released in
    departure order as room frees (checked every ``check_every_h``).
    ``staging``: the waiting trucks are kept in named staging yards (:class:`Staging`)."""

    approach_max_trucks: Count | None = None
    yard_max_trucks: Count | None = None
    check_every_h: float = Field(0.05, **CHECK_EVERY_H.bounds)
    staging: Staging | None = None

    @model_validator(mode="after")
    def _one(self) -> Metering:
        if self.approach_max_trucks is None and self.yard_max_trucks is None:
            if self.staging is not None:  # without a threshold no truck is ever held, so none is staged
                raise ValueError(
                    "staging: staging yards need a metering threshold: give approach_max_trucks or yard_max_trucks"
                )
            raise ValueError("approach_max_trucks: give approach_max_trucks or yard_max_trucks")
        return self


class Booking(_Model):
    """Booking slots (a virtual queue) at one gate.

    A share of the trucks that choose the gate book a slot at least
    ``lead_h`` ahead: the first hour with a free slot; they arrive at the
    start of the slot's hour (a no-show never comes; the slot is lost).
    """

    slots_per_h: Count
    share_booking: Share
    lead_h: DelayH = 0.0
    no_show: Share = 0.0
    from_h: Hour = 0.0
    to_h: Hour = 24.0

    @model_validator(mode="after")
    def _hours(self) -> Booking:
        if self.to_h <= self.from_h:
            raise ValueError(f"to_h: must be after from_h ({self.from_h:g})")
        return self


class Stop(_Model):
    """A gate stops accepting a cargo class (e.g. fruit, Feb 2022) from ``start``
    to ``end`` (Hanoi time): trucks of that class choose among the other gates;
    trucks captive to the gate wait at their origin until the stop ends."""

    gate: str
    cargo: Literal["fruit", "electronics", "other"]
    start: HanoiDateTime  # forms: gatesim/scenario/datetimes.py
    end: HanoiDateTime

    _order = model_validator(mode="after")(end_after_start)


class Corridor(_Model):
    origins: dict[str, Origin] = Field(..., min_length=1)
    choice: Choice
    metering: dict[str, Metering] = Field(default_factory=dict)
    booking: dict[str, Booking] = Field(default_factory=dict)
    stops: list[Stop] = Field(default_factory=list)

    def gate_refs(self) -> list[tuple[str, str]]:
        """(key path, gate id) of every gate this section names, to check against the gates."""
        refs = []
        for oid, o in self.origins.items():
            refs += [(f"corridor.origins.{oid}.travel_min.{g}", g) for g in o.travel_min]
        c = self.choice
        for name, d in (
            ("fee_vnd", c.fee_vnd),
            ("captive", c.captive),
            ("fixed_wait_h", c.fixed_wait_h or {}),
        ):
            refs += [(f"corridor.choice.{name}.{g}", g) for g in d]
        refs += [(f"corridor.metering.{g}", g) for g in self.metering]
        refs += [(f"corridor.booking.{g}", g) for g in self.booking]
        refs += [(f"corridor.stops.{i}.gate", s.gate) for i, s in enumerate(self.stops)]
        return refs

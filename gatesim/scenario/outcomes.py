"""What delay costs: the ``economy.delay_cost``, ``economy.spoilage`` and ``emissions:`` sections.

Every factor is a scenario parameter (units in key names) so that a planner can
state a different figure and see its effect; the baseline's values and their
sources are in ``scenarios/baseline_2026.yaml``. The projections read these
factors from the event log's metadata (:func:`outcome_factors`), so a saved log
replays to the same costs without the scenario file.
"""

from __future__ import annotations

from typing import Annotated, Literal, cast

from pydantic import Field, model_validator

from gatesim.limits import FUEL_L_PER_H, G_PER_H, HOURS, KG_PER_L, RATE_PER_H
from gatesim.scenario.base import Share, StrictModel, Vnd

__all__ = [
    "Cargo",
    "DelayCost",
    "Emissions",
    "SpoilageCurve",
    "outcome_factors",
]

Cargo = Literal["fruit", "electronics", "other"]
EuroStandard = Literal["euro1", "euro2", "euro3", "euro4", "euro5"]
RatePerH = Annotated[float, Field(**RATE_PER_H.bounds)]
WaitH = Annotated[float, Field(**HOURS.bounds)]
GramsPerH = Annotated[float, Field(**G_PER_H.bounds)]
_SHARE_TOL = 1e-6


class _Model(StrictModel):
    """Unknown keys, true/false for numbers, texts and dates: gatesim/scenario/base.py."""


class DelayCost(_Model):
    """What an hour of waiting costs, per truck, in VND.

    Time-based parts accrue per hour waited: the truck's operating cost and the
    driver's time per hour, parking and reefer fuel per day (a reefer only for
    the classes in ``reefer_cargo``), and the inventory cost of the goods held
    (declared value x a rate per hour, by cargo class).
    """

    operating_vnd_per_h: Vnd
    driver_vnd_per_h: Vnd
    parking_vnd_per_day: Vnd
    reefer_fuel_vnd_per_day: Vnd
    reefer_cargo: list[Cargo] = Field(default_factory=lambda: cast(list[Cargo], ["fruit"]))
    inventory_rate_per_h: dict[Cargo, RatePerH]


class SpoilageCurve(_Model):
    """Share of a truck's value lost after ``hours`` of waiting, piecewise linear.

    ``wait_h`` ascending from 0, ``lost_share`` non-decreasing in [0, 1] (a
    truck never regains value by waiting longer); beyond the last point the
    last share holds.
    """

    wait_h: list[WaitH] = Field(..., min_length=2)
    lost_share: list[Share] = Field(..., min_length=2)

    @model_validator(mode="after")
    def _monotone(self) -> SpoilageCurve:
        if len(self.wait_h) != len(self.lost_share):
            raise ValueError(
                f"lost_share: needs one value per wait_h point ({len(self.wait_h)}), got {len(self.lost_share)}"
            )
        if self.wait_h[0] != 0:
            raise ValueError(f"wait_h: must start at 0, got {self.wait_h[0]:g}")
        if any(b <= a for a, b in zip(self.wait_h, self.wait_h[1:], strict=False)):
            raise ValueError(f"wait_h: must be strictly increasing, got {self.wait_h}")
        if any(b < a for a, b in zip(self.lost_share, self.lost_share[1:], strict=False)):
            raise ValueError(
                f"lost_share: must not decrease as the wait grows (value lost is monotone), got {self.lost_share}"
            )
        return self


class Emissions(_Model):
    """Idling in queues: fuel, CO2, NOx and PM.

    A waiting truck idles ``idle_share`` of its queue time (the rest the engine
    is off); an idle hour burns ``idle_fuel_l_per_h``; NOx and PM per idle hour
    depend on the truck's emission standard, averaged over ``fleet_mix``.
    """

    idle_share: Share
    idle_fuel_l_per_h: float = Field(..., **FUEL_L_PER_H.bounds)
    co2_kg_per_l: float = Field(..., **KG_PER_L.bounds)
    fleet_mix: dict[EuroStandard, Share]
    nox_g_per_idle_h: dict[EuroStandard, GramsPerH]
    pm_g_per_idle_h: dict[EuroStandard, GramsPerH]

    @model_validator(mode="after")
    def _mix(self) -> Emissions:
        total = sum(self.fleet_mix.values())
        if abs(total - 1.0) > _SHARE_TOL:
            raise ValueError(f"fleet_mix: must sum to 1, got {total:g}")
        for key in ("nox_g_per_idle_h", "pm_g_per_idle_h"):
            missing = [e for e in self.fleet_mix if self.fleet_mix[e] > 0 and e not in getattr(self, key)]
            if missing:
                raise ValueError(f"{key}: needs a value for {missing} (in fleet_mix)")
        return self

    def fleet_g_per_idle_h(self, key: str) -> float:
        rates = getattr(self, key)
        return float(sum(share * rates.get(e, 0.0) for e, share in self.fleet_mix.items()))


def outcome_factors(
    vnd_per_usd: float,
    delay: DelayCost | None,
    spoilage: dict[Cargo, SpoilageCurve] | None,
    emissions: Emissions | None,
) -> dict:
    """The factors the cost projections use, as plain JSON (stored in the log's metadata).

    A missing section gives ``None``: its columns are then empty, never 0.
    """
    out: dict = {"vnd_per_usd": float(vnd_per_usd), "delay_cost": None, "spoilage": None, "emissions": None}
    if delay is not None:
        out["delay_cost"] = delay.model_dump(mode="json")
    if spoilage is not None:
        out["spoilage"] = {c: curve.model_dump(mode="json") for c, curve in spoilage.items()}
    if emissions is not None:
        out["emissions"] = {
            "idle_share": emissions.idle_share,
            "idle_fuel_l_per_h": emissions.idle_fuel_l_per_h,
            "co2_kg_per_l": emissions.co2_kg_per_l,
            "nox_g_per_idle_h": emissions.fleet_g_per_idle_h("nox_g_per_idle_h"),
            "pm_g_per_idle_h": emissions.fleet_g_per_idle_h("pm_g_per_idle_h"),
        }
    return out

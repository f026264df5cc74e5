"""The corridor's trucks: drawn per origin, before the run, from corridor streams.

Each origin's trucks come from its own streams (``corridor/<origin>/...``):
departure instants (a non-homogeneous Poisson process by hour, drawn exactly
like a gate's arrivals), direction and cargo, declared value, and the
uniforms that later fix the truck's channel, transshipment, service times,
captive band and logit pick at whichever gate it chooses. Nothing here
depends on the gates, so two scenarios that differ only at the gates see the
same trucks leave the same origins at the same instants (common random
numbers per corridor truck).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gatesim.model.arrivals import draw_arrivals
from gatesim.model.calendar import Clock
from gatesim.model.corridor.booking import slot_meta
from gatesim.model.streams import stream
from gatesim.model.trucks import unit_variates
from gatesim.scenario.corridor import Corridor
from gatesim.scenario.schema import CARGO_CLASSES, DIRECTIONS, Scenario

__all__ = ["Demand", "corridor_meta", "draw_demand", "stage_ids"]

# Per-truck uniforms, each from its own stream per origin.
UNIFORMS = ("channel", "transshipment", "captive", "choice", "booking", "no_show", "slot")


@dataclass(frozen=True)
class Demand:
    """Corridor trucks in departure order (index = corridor truck id)."""

    t_h: np.ndarray  # departure instant from the origin, sim hours (sorted)
    origin: np.ndarray  # uint8 index into the corridor's origins
    direction: np.ndarray  # uint8 index into DIRECTIONS
    cargo: np.ndarray  # uint8 index into CARGO_CLASSES
    value_usd: np.ndarray
    u: dict[str, np.ndarray]  # UNIFORMS and "service/<stage id>" -> uniforms per truck
    n_window: int  # trucks departing before the window's end

    @property
    def n(self) -> int:
        return int(self.t_h.size)


def stage_ids(scenario: Scenario) -> list[str]:
    """Every stage id of every gate, in scenario order (one service uniform each)."""
    out: list[str] = []
    for gate in scenario.gates.values():
        out += [s for s in gate.stages if s not in out]
    return out


def origin_rates(scenario: Scenario, origin_id: str, clock: Clock) -> np.ndarray:
    """Expected departures per sim hour and class, shape (hours, directions * cargo).

    Growth and seasons apply as to a gate's arrivals; weekday profiles and
    holiday regimes belong to gates and do not (a closed gate is avoided
    through its published wait, not by removing demand).
    """
    o = corridor_of(scenario).origins[origin_id]
    hp = np.asarray(o.hourly_profile, dtype=float)
    hp = hp / hp.sum()
    shares = np.zeros((len(DIRECTIONS), len(CARGO_CLASSES)))
    for di, d in enumerate(DIRECTIONS):
        ds = o.export_share if d == "export" else 1.0 - o.export_share
        for ci, c in enumerate(CARGO_CLASSES):
            shares[di, ci] = ds * o.cargo_mix[d].get(c, 0.0)
    g = scenario.growth
    dates = clock.dates()
    day = np.empty((len(dates), len(DIRECTIONS), len(CARGO_CLASSES)))
    for i, date in enumerate(dates):
        years = (i - clock.warmup_days) / 365.0
        day[i] = g.volume_multiplier * (1.0 + g.per_year) ** years
        for s in scenario.calendar.seasons:
            if s.start <= date <= s.end:
                for d in s.directions:
                    for c in s.cargo:
                        day[i, DIRECTIONS.index(d), CARGO_CLASSES.index(c)] *= s.multiplier
    rates = (day * shares * o.per_day)[:, None, :, :] * hp[None, :, None, None]
    return rates.reshape(clock.n_days * 24, len(DIRECTIONS) * len(CARGO_CLASSES))


def _draw_origin(scenario: Scenario, oid: str, clock: Clock, seed: int, rep: int, sids: list[str]):
    rng = lambda *name: stream(seed, rep, "corridor", oid, *name)  # noqa: E731
    rates = origin_rates(scenario, oid, clock)
    w = int(round(clock.window_h[1]))
    main = draw_arrivals(rates[:w], rng("departures"))
    t, d, c = main.t_h, main.direction, main.cargo
    n_window = t.size
    if w < rates.shape[0]:  # the drain's trucks from a stream of their own, as at a gate
        drain = draw_arrivals(rates[w:], rng("departures/drain"))
        t, d, c = np.r_[t, drain.t_h + w], np.r_[d, drain.direction], np.r_[c, drain.cargo]
    n = t.size
    value = np.empty(n)
    u_value = rng("value").random(n)
    for ci, cname in enumerate(CARGO_CLASSES):
        m = c == ci
        value[m] = unit_variates("lognormal", scenario.cargo[cname].value_cv, u_value[m])
    mean = np.array([scenario.cargo[x].value_usd_mean for x in CARGO_CLASSES])
    value *= mean[c] * corridor_of(scenario).origins[oid].value_multiplier
    u = {name: rng(name).random(n) for name in UNIFORMS}
    for sid in sids:
        u[f"service/{sid}"] = rng("service", sid).random(n)
    return t, d, c, value, u, n_window


def corridor_of(scenario: Scenario) -> Corridor:
    """The scenario's corridor (the corridor's code runs only for a scenario that has one)."""
    if scenario.corridor is None:
        raise ValueError(f"scenario {scenario.name!r} has no corridor")
    return scenario.corridor


def draw_demand(scenario: Scenario, clock: Clock, seed: int, replication: int) -> Demand:
    sids = stage_ids(scenario)
    parts = [
        _draw_origin(scenario, oid, clock, seed, replication, sids) for oid in corridor_of(scenario).origins
    ]
    t = np.concatenate([p[0] for p in parts])
    origin = np.concatenate([np.full(p[0].size, i, dtype=np.uint8) for i, p in enumerate(parts)])
    order = np.argsort(t, kind="stable")
    u = {k: np.concatenate([p[4][k] for p in parts])[order] for k in parts[0][4]}
    return Demand(
        t_h=t[order],
        origin=origin[order],
        direction=np.concatenate([p[1] for p in parts])[order].astype(np.uint8),
        cargo=np.concatenate([p[2] for p in parts])[order].astype(np.uint8),
        value_usd=np.concatenate([p[3] for p in parts])[order],
        u=u,
        n_window=int(sum(p[5] for p in parts)),
    )


def corridor_meta(corridor: Corridor, demand: Demand, clock: Clock) -> dict:
    """The run metadata's ``corridor`` entry: origins, trucks generated, booking slots (every engine's)."""
    return {
        "origins": list(corridor.origins),
        "generated": int(demand.n),
        "generated_in_window": int(demand.n_window),
        **slot_meta(corridor.booking, clock.window_h),
    }

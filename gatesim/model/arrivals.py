"""Truck arrivals: a non-homogeneous Poisson process with piecewise-constant rates.

The rate is constant within each hour, so the process is drawn exactly (no
thinning needed): a Poisson count per (hour, direction, cargo class), then
uniform instants within the hour. The rate of an hour is the gate's trucks
per day times the hour-of-day and weekday weights, the direction and cargo
shares, growth, seasons and holiday regimes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gatesim.model.calendar import Clock
from gatesim.scenario.schema import CARGO_CLASSES, DIRECTIONS, Gate, Scenario

__all__ = ["Arrivals", "hourly_rates", "draw_arrivals"]


@dataclass(frozen=True)
class Arrivals:
    t_h: np.ndarray  # sorted arrival instants, sim hours
    direction: np.ndarray  # uint8 index into DIRECTIONS
    cargo: np.ndarray  # uint8 index into CARGO_CLASSES


def _day_multipliers(scenario: Scenario, gate_id: str, clock: Clock) -> np.ndarray:
    """(days, directions, cargo) multiplier from growth, weekday, seasons and regimes."""
    gate = scenario.gates[gate_id]
    wd = np.asarray(gate.arrivals.weekday_profile, dtype=float)
    wd = wd / wd.mean()
    g = scenario.growth
    dates = clock.dates()
    out = np.empty((len(dates), len(DIRECTIONS), len(CARGO_CLASSES)))
    for i, date in enumerate(dates):
        years = (i - clock.warmup_days) / 365.0
        base = g.volume_multiplier * (1.0 + g.per_year) ** years * wd[date.weekday()]
        for r in scenario.calendar.regimes:
            if gate_id in r.gates and r.start <= date <= r.end:
                base *= r.arrival_multiplier
        out[i] = base
        for s in scenario.calendar.seasons:
            if s.start <= date <= s.end:
                for d in s.directions:
                    for c in s.cargo:
                        out[i, DIRECTIONS.index(d), CARGO_CLASSES.index(c)] *= s.multiplier
    return out


def _class_shares(gate: Gate) -> np.ndarray:
    a = gate.arrivals
    shares = np.zeros((len(DIRECTIONS), len(CARGO_CLASSES)))
    for di, d in enumerate(DIRECTIONS):
        dshare = a.export_share if d == "export" else 1.0 - a.export_share
        for ci, c in enumerate(CARGO_CLASSES):
            shares[di, ci] = dshare * a.cargo_mix[d].get(c, 0.0)
    return shares


def hourly_rates(scenario: Scenario, gate_id: str, clock: Clock) -> np.ndarray:
    """Expected arrivals per sim hour and class: shape (hours, directions * cargo)."""
    gate = scenario.gates[gate_id]
    # (24, directions): fraction of a direction's daily trucks arriving in each hour
    hp = np.stack([np.asarray(gate.arrivals.profile_of(d), dtype=float) for d in DIRECTIONS], axis=1)
    hp = hp / hp.sum(axis=0)
    per_day = gate.arrivals.per_day
    day = _day_multipliers(scenario, gate_id, clock) * _class_shares(gate) * per_day
    rates = day[:, None, :, :] * hp[None, :, :, None]
    return rates.reshape(clock.n_days * 24, len(DIRECTIONS) * len(CARGO_CLASSES))


def draw_arrivals(rates: np.ndarray, rng: np.random.Generator) -> Arrivals:
    counts = rng.poisson(rates)
    hour_idx, cls_idx = np.nonzero(counts)
    reps = counts[hour_idx, cls_idx]
    # repeated in their final types (a class index is small: bytes), the instants in place
    t = np.repeat(hour_idx.astype(np.float64), reps)
    t += rng.random(t.size)
    cls = np.repeat(cls_idx.astype(np.uint8), reps)
    order = np.argsort(t, kind="stable")
    cls = cls[order]
    n_cargo = np.uint8(len(CARGO_CLASSES))
    return Arrivals(t_h=t[order], direction=cls // n_cargo, cargo=cls % n_cargo)

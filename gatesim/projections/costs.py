"""What delay costs, folded from the log: delay cost in VND, spoilage, idle fuel and emissions.

The factors come from the log's metadata (``meta["outcomes"]``, written from the
scenario's ``economy:`` and ``emissions:`` sections by ``run_replication``), so
a saved log replays to the same figures on its own. A log without them (or a
scenario without a section) gives empty columns, never 0.

Definitions (window = the measured days, as in ``kpis.py``):
- Time-based costs accrue while a truck waits (a stage queue or the approach
  road): each truck-hour of waiting inside the window costs the truck's
  hourly rate: operating cost + driver time + parking/24 + reefer fuel/24
  (reefer classes only) + declared value x the class's inventory rate. The
  summary's ``delay_cost_vnd`` is the sum of its five parts over the window;
  ``timeseries.csv`` has each hour's share, so the hours add up to the summary.
- Idling: ``idle_truck_h`` = truck-hours of waiting x ``idle_share``;
  ``idle_fuel_l`` = idle hours x ``idle_fuel_l_per_h``; ``co2_kg`` = fuel x
  ``co2_kg_per_l``; NOx and PM = idle hours x the fleet's mean g per idle hour.
- Spoilage is counted when a truck crosses (in the window): its declared value
  x the class's curve at the truck's whole wait (drain included).
"""

from __future__ import annotations

import numpy as np

from gatesim.events.kinds import Kind
from gatesim.projections.base import GateView, RowSets

__all__ = [
    "DELAY_PARTS",
    "HOURLY_COST_COLUMNS",
    "SUMMARY_COST_COLUMNS",
    "cost_factors",
    "hourly_costs",
    "spoilage_per_truck",
    "summary_costs",
    "truck_waits",
    "weighted_area",
]

NAN = float("nan")
# the parts of delay_cost_vnd, in column order
DELAY_PARTS = ("operating", "driver", "parking", "reefer", "inventory")


def cost_factors(meta: dict) -> dict | None:
    """The cost factors of a log (None for a log written before they existed)."""
    return meta.get("outcomes")


def weighted_area(
    t: np.ndarray,
    truck: np.ndarray,
    steps: tuple[RowSets, RowSets],
    edges: np.ndarray,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """``A(T)`` at each edge T: the integral up to T of the level given by row sets,
    each truck counting ``weights[truck]`` (1 without weights).

    A +1 row at time t_i adds w_i (T - t_i) for T > t_i, so
    A(T) = T x sum(s w) - sum(s w t) over the rows before T: one cumulative sum
    per row set and one search per edge (each set's times ascend with its rows).
    """
    plus, minus = steps
    out = np.zeros(edges.size)
    for rows_sets, sign in ((plus, 1.0), (minus, -1.0)):
        for rows in rows_sets:
            tr = t[rows]
            w = np.ones(tr.size) if weights is None else weights[truck[rows]]
            cw = np.r_[0.0, np.cumsum(w)]
            cwt = np.r_[0.0, np.cumsum(w * tr)]
            k = np.searchsorted(tr, edges, side="left")
            out += sign * (edges * cw[k] - cwt[k])
    return out


def truck_waits(g: GateView) -> np.ndarray:
    """Each truck's summed waiting (stage queues + approach), by truck id; whole for
    the trucks that crossed. The same sums as ``kpis``' per-truck wait."""
    n = g.log.n_trucks
    wait = np.zeros(n)
    for rows, sign in (
        (g.rows_of(Kind.STARTED), 1.0),
        (g.rows_of(Kind.QUEUED), -1.0),
        (g.blocked_yard_in_rows, 1.0),
        (g.rows_of(Kind.BLOCKED), -1.0),
    ):
        wait += sign * np.bincount(g.truck[rows], weights=g.t[rows], minlength=n)
    return wait


def _truck_rates(g: GateView, f: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per truck: reefer (1/0) and inventory cost (VND per hour held)."""
    log = g.log
    dc = f["delay_cost"]
    cargo = log.payload["cargo"]
    vocab = log.meta["cargo"]
    reefer_codes = np.array([vocab.index(c) for c in dc["reefer_cargo"]], dtype=cargo.dtype)
    reefer = np.isin(cargo, reefer_codes).astype(float)
    rate = np.array([dc["inventory_rate_per_h"].get(c, 0.0) for c in vocab])
    inventory = log.payload["value_usd"] * f["vnd_per_usd"] * rate[cargo]
    return reefer, inventory


def spoilage_per_truck(g: GateView, f: dict, wait_h: np.ndarray, trucks: np.ndarray) -> np.ndarray:
    """Value lost (VND) by each of ``trucks`` after waiting ``wait_h`` hours."""
    out = np.zeros(trucks.size)
    curves = f.get("spoilage") or {}
    log = g.log
    cargo = log.payload["cargo"][trucks]
    value = log.payload["value_usd"][trucks] * f["vnd_per_usd"]
    for c, curve in curves.items():
        m = cargo == log.meta["cargo"].index(c)
        # beyond the last point the last share holds (np.interp's right value)
        out[m] = value[m] * np.interp(wait_h[m], curve["wait_h"], curve["lost_share"])
    return out


def _linear(g: GateView, f: dict, edges: np.ndarray, unit_area: np.ndarray) -> dict[str, np.ndarray]:
    """Time-based costs and idling between consecutive ``edges`` (``unit_area``:
    A(edges) of the waiting level unweighted)."""
    out: dict[str, np.ndarray] = {}
    hours = np.diff(unit_area)
    dc = f.get("delay_cost")
    if dc is not None:
        reefer, inventory = _truck_rates(g, f)
        steps = g.waiting_steps
        out["delay_cost_operating_vnd"] = hours * dc["operating_vnd_per_h"]
        out["delay_cost_driver_vnd"] = hours * dc["driver_vnd_per_h"]
        out["delay_cost_parking_vnd"] = hours * dc["parking_vnd_per_day"] / 24.0
        out["delay_cost_reefer_vnd"] = (
            np.diff(weighted_area(g.t, g.truck, steps, edges, reefer)) * dc["reefer_fuel_vnd_per_day"] / 24.0
        )
        out["delay_cost_inventory_vnd"] = np.diff(weighted_area(g.t, g.truck, steps, edges, inventory))
        out["delay_cost_vnd"] = sum(out[f"delay_cost_{p}_vnd"] for p in DELAY_PARTS)
    em = f.get("emissions")
    if em is not None:
        idle = hours * em["idle_share"]
        out["idle_truck_h"] = idle
        out["idle_fuel_l"] = idle * em["idle_fuel_l_per_h"]
        out["co2_kg"] = out["idle_fuel_l"] * em["co2_kg_per_l"]
        out["nox_kg"] = idle * em["nox_g_per_idle_h"] / 1000.0
        out["pm_kg"] = idle * em["pm_g_per_idle_h"] / 1000.0
    return out


SUMMARY_COST_COLUMNS = (
    "delay_cost_vnd",
    *(f"delay_cost_{p}_vnd" for p in DELAY_PARTS),
    "spoilage_vnd",
    "idle_truck_h",
    "idle_fuel_l",
    "co2_kg",
    "nox_kg",
    "pm_kg",
)
HOURLY_COST_COLUMNS = (
    "waiting_truck_h",
    "delay_cost_vnd",
    "spoilage_vnd",
    "idle_fuel_l",
    "co2_kg",
    "nox_kg",
    "pm_kg",
)


def summary_costs(
    g: GateView, w0: float, w1: float, wait_all: np.ndarray, crossed_in: np.ndarray
) -> dict[str, float]:
    """The cost columns of a gate's summary row.

    ``wait_all``: each truck's summed waiting (valid for trucks that crossed);
    ``crossed_in``: the gate's CROSSED rows in the window.
    """
    row = dict.fromkeys(SUMMARY_COST_COLUMNS, NAN)
    f = cost_factors(g.log.meta)
    if f is None:
        return row
    edges = np.array([w0, w1])
    unit = weighted_area(g.t, g.truck, g.waiting_steps, edges)
    row.update({k: float(v[0]) for k, v in _linear(g, f, edges, unit).items()})
    if f.get("spoilage") is not None:
        trucks = g.truck[crossed_in]
        row["spoilage_vnd"] = float(spoilage_per_truck(g, f, wait_all[trucks], trucks).sum())
    return row


def hourly_costs(g: GateView, hours: np.ndarray, per_hour) -> dict[str, np.ndarray]:
    """The cost columns of a gate's hourly rows (``per_hour(rows, weights)``: the
    timeseries' count of rows per hour, or the sum of per-row weights)."""
    out = {c: np.full(hours.size, np.nan) for c in HOURLY_COST_COLUMNS}
    edges = np.r_[hours, hours[-1:] + 1.0]
    unit = weighted_area(g.t, g.truck, g.waiting_steps, edges)
    out["waiting_truck_h"] = np.diff(unit)
    f = cost_factors(g.log.meta)
    if f is None:
        return out
    lin = _linear(g, f, edges, unit)
    for c in HOURLY_COST_COLUMNS:
        if c in lin:
            out[c] = lin[c]
    if f.get("spoilage") is not None:
        crossed = g.rows_of(Kind.CROSSED)
        trucks = g.truck[crossed]
        spoiled = spoilage_per_truck(g, f, truck_waits(g)[trucks], trucks)
        out["spoilage_vnd"] = per_hour(crossed, spoiled)
    return out

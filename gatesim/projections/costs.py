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

__all__ = ["hourly_costs", "summary_costs"]

NAN = float("nan")
# the parts of delay_cost_vnd, in column order
DELAY_PARTS = ("operating", "driver", "parking", "reefer", "inventory")


def cost_factors(meta: dict) -> dict | None:
    """The cost factors of a log (None for a log written before they existed)."""
    return meta.get("outcomes")


# Rows of a row set folded at a time: the set's times, trucks and weights are
# gathered a block at a time (a year's corridor gate has row sets of ~3M rows:
# whole, the gathers were ~90 MiB at the run's memory peak; a block is ~5 MiB).
_AREA_BLOCK = 1 << 18


def weighted_area(
    t: np.ndarray,
    truck: np.ndarray,
    steps: tuple[RowSets, RowSets],
    edges: np.ndarray,
    weights: list[np.ndarray | None],
) -> list[np.ndarray]:
    """``A(T)`` at each edge T, for each of ``weights``: the integral up to T of the
    level given by row sets, each truck counting ``w[truck]`` (1 for ``None``).

    A +1 row at time t_i adds w_i (T - t_i) for T > t_i, so
    A(T) = T x sum(s w) - sum(s w t) over the rows before T: one cumulative sum
    per row set and weight, one search per edge (each set's times ascend with
    its rows).
    """
    plus, minus = steps
    out = [np.zeros(edges.size) for _ in weights]
    for rows_sets, sign in ((plus, 1.0), (minus, -1.0)):
        for rows in rows_sets:
            if rows.size == 0:
                continue
            fold = _sums_few if edges.size <= 8 else _sums_many
            for acc, (cw, cwt) in zip(out, fold(t, truck, rows, edges, weights), strict=True):
                acc += sign * (edges * cw - cwt)
    return out


def _sums_few(t, truck, rows, edges, weights) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per weight, (sum w, sum w t) over the rows before each of a few edges (a
    summary's window): slices of the whole set."""
    tr = t[rows]
    k = np.searchsorted(tr, edges, side="left")
    trucks = truck[rows] if any(w is not None for w in weights) else None
    sums = []
    for weight in weights:
        w = np.ones(tr.size) if weight is None else weight[trucks]
        wt = tr * w
        cw = k.astype(float) if weight is None else np.array([float(w[:kj].sum()) for kj in k.tolist()])
        sums.append((cw, np.array([float(wt[:kj].sum()) for kj in k.tolist()])))
    return sums


def _sums_many(t, truck, rows, edges, weights) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per weight, (sum w, sum w t) over the rows before each of many edges (the hours).

    One cumulative sum over the set, taken a block at a time: each block's
    first value gets the sum so far added before its in-place cumsum, so every
    partial sum is the same addition, in the same order, as one cumsum of the
    whole set (numpy's accumulate adds in sequence). An edge takes its sums
    from the last block that has rows before it.
    """
    n_w = len(weights)
    cw = [np.zeros(edges.size) for _ in weights]
    cwt = [np.zeros(edges.size) for _ in weights]
    carry_w, carry_wt = [0.0] * n_w, [0.0] * n_w
    need_trucks = any(w is not None for w in weights)
    for lo in range(0, rows.size, _AREA_BLOCK):
        block = rows[lo : lo + _AREA_BLOCK]
        tr = t[block]
        k = np.searchsorted(tr, edges, side="left")
        hit = k > 0
        last = k[hit] - 1  # each edge's last row of this block before it
        trucks = truck[block] if need_trucks else truck[:0]  # unused without weights
        for i, weight in enumerate(weights):
            if weight is None:
                cw[i][hit] = (lo + k[hit]).astype(float)
                a = tr.copy()
            else:
                a = weight[trucks]
                a[0] += carry_w[i]
                np.cumsum(a, out=a)
                cw[i][hit], carry_w[i] = a[last], float(a[-1])
                np.take(weight, trucks, out=a)
                np.multiply(a, tr, out=a)
            a[0] += carry_wt[i]
            np.cumsum(a, out=a)
            cwt[i][hit], carry_wt[i] = a[last], float(a[-1])
    return list(zip(cw, cwt, strict=True))


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


def _memo(g: GateView) -> dict:
    """A per-gate-view cache: the summary row and the hourly rows of a gate share one
    fold of the waiting level (its gathers are the costly part). Kept in the view's
    ``__dict__``, as its cached properties are, and freed with the view."""
    return g.__dict__.setdefault("_costs_memo", {})


def _window_edges(meta: dict) -> np.ndarray:
    """The hour edges of ``timeseries.csv``'s rows: the window's hours and the last one's end."""
    hours = np.arange(np.floor(meta["window_start_h"]), np.ceil(meta["window_end_h"]))
    return np.r_[hours, hours[-1:] + 1.0]


def _areas(g: GateView, f: dict | None, edges: np.ndarray) -> list[np.ndarray]:
    """A(edges) of the waiting level: unweighted, then (with delay-cost factors) weighted
    by reefer and by inventory cost per hour; found once per gate view and edges."""
    key = ("areas", edges.tobytes(), f is not None and f.get("delay_cost") is not None)
    memo = _memo(g)
    if key not in memo:
        weights: list[np.ndarray | None] = [None]
        if f is not None and key[2]:
            weights += list(_truck_rates(g, f))
        memo[key] = weighted_area(g.t, g.truck, g.waiting_steps, edges, weights)
    return memo[key]


def _linear(g: GateView, f: dict | None, areas: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Truck-hours of waiting, time-based costs and idling between consecutive edges
    (``areas``: their increments, from :func:`_areas`)."""
    out: dict[str, np.ndarray] = {}
    dc = f.get("delay_cost") if f is not None else None
    hours = out["waiting_truck_h"] = areas[0]
    if dc is not None:
        reefer_h, inventory = areas[1], areas[2]
        out["delay_cost_operating_vnd"] = hours * dc["operating_vnd_per_h"]
        out["delay_cost_driver_vnd"] = hours * dc["driver_vnd_per_h"]
        out["delay_cost_parking_vnd"] = hours * dc["parking_vnd_per_day"] / 24.0
        out["delay_cost_reefer_vnd"] = reefer_h * dc["reefer_fuel_vnd_per_day"] / 24.0
        out["delay_cost_inventory_vnd"] = inventory
        out["delay_cost_vnd"] = sum(out[f"delay_cost_{p}_vnd"] for p in DELAY_PARTS)  # type: ignore[assignment]  # arrays sum to an array
    em = f.get("emissions") if f is not None else None
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
    edges = _window_edges(g.log.meta)
    if edges[0] == w0 and edges[-1] == w1:  # whole hours (always, in practice): the hourly fold's ends
        areas = [a[-1:] - a[:1] for a in _areas(g, f, edges)]
    else:
        areas = [np.diff(a) for a in _areas(g, f, np.array([w0, w1]))]
    lin = _linear(g, f, areas)
    row.update({k: float(v[0]) for k, v in lin.items() if k in row})
    if f.get("spoilage") is not None:
        trucks = g.truck[crossed_in]
        row["spoilage_vnd"] = float(spoilage_per_truck(g, f, wait_all[trucks], trucks).sum())
        _memo(g)["waits"] = wait_all  # the hourly rows' spoilage needs the same waits
    return row


def hourly_costs(g: GateView, hours: np.ndarray, per_hour) -> dict[str, np.ndarray]:
    """The cost columns of a gate's hourly rows (``per_hour(rows, weights)``: the
    timeseries' count of rows per hour, or the sum of per-row weights)."""
    out = {c: np.full(hours.size, np.nan) for c in HOURLY_COST_COLUMNS}
    f = cost_factors(g.log.meta)
    lin = _linear(g, f, [np.diff(a) for a in _areas(g, f, np.r_[hours, hours[-1:] + 1.0])])
    out.update({c: v for c, v in lin.items() if c in out})
    if f is not None and f.get("spoilage") is not None:
        crossed = g.rows_of(Kind.CROSSED)
        trucks = g.truck[crossed]
        waits = _memo(g).get("waits")
        waits = truck_waits(g) if waits is None else waits
        spoiled = spoilage_per_truck(g, f, waits[trucks], trucks)
        out["spoilage_vnd"] = per_hour(crossed, spoiled)
    return out

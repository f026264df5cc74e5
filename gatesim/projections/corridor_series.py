"""Corridor columns of ``timeseries.csv``, hour by hour per gate: a fold of the event log.

The hourly counterpart of ``kpis.py``: per gate and hour of the
window, trucks that left their origin for the gate (and their share of all
that left in the hour), trucks put on hold, held at the end of the hour and
truck-hours held, hours from origin to crossing of the trucks that crossed
in the hour, booked and walk-in trucks that crossed and their gate times,
slots offered and used, and trucks that gave up. Names, units, meanings and
how a day of hours is aggregated (a sum, a level, or a mean weighted by
another column) are the registry's (``registry.columns("corridor_timeseries")``).

Counted by the hour in which the event happens (np.histogram's bins, as the
other hourly columns: the last bin is closed), so the columns read only the
log's kinds, trucks, times and gates plus ``meta["corridor"]``: a replay
recomputes them from the saved log alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections import registry
from gatesim.projections.timeseries import window_hours

__all__ = ["with_corridor_series"]

CORRIDOR_SERIES_COLUMNS = registry.columns("corridor_timeseries")


def with_corridor_series(hourly: pd.DataFrame, log: LogData) -> pd.DataFrame:
    """``hourly`` with the corridor columns appended when the log is a corridor run's
    (the run and its replay both call this, so a replay gives the same table)."""
    if "corridor" not in log.meta or hourly.empty:
        return hourly
    extra = corridor_series(log)
    out = hourly.merge(extra, on=["gate", "t_h"], how="left", sort=False)
    return out


def _area(times_plus: np.ndarray, times_minus: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The integral up to each edge of the level that +1 rows at ``times_plus`` and -1
    rows at ``times_minus`` make (both sorted): A(T) = sum over rows before T of ±(T - t)."""
    out = np.zeros(edges.size)
    for times, sign in ((times_plus, 1.0), (times_minus, -1.0)):
        k = np.searchsorted(times, edges, side="left")
        before = np.r_[0.0, np.cumsum(times)][k]
        out += sign * (edges * k - before)
    return out


def _mean_per_hour(idx: np.ndarray, values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(count, mean of ``values``) per hour bin ``idx`` (NaN where no row)."""
    count = np.bincount(idx, minlength=n)[:n]
    total = np.bincount(idx, weights=values, minlength=n)[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        return count, np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _slots_per_hour(meta: dict, gate: str, hours: np.ndarray) -> np.ndarray:
    per_hod = meta["corridor"].get("slots_per_hour_of_day", {}).get(gate)
    if per_hod is None:
        return np.zeros(hours.size)
    return np.asarray(per_hod, dtype=float)[hours.astype(np.int64) % 24]


def corridor_series(log: LogData) -> pd.DataFrame:
    """Rows (gate, t_h) of every gate and hour of the window, with the corridor columns."""
    meta = log.meta
    hours = window_hours(log)
    nh = hours.size
    edges = np.r_[hours, hours[-1] + 1.0] if nh else np.zeros(1)
    n = max(log.n_trucks, int(log.truck.max()) + 1 if log.truck.size else 0)
    kind, truck, t = log.kind, log.truck, log.t_h
    # a truck's ready instant: its first HELD or DEPARTED, at any gate (as kpis.py). Rows by
    # kind as indices, one full-length mask at a time: a year's log has 14.5M rows, and three
    # masks alive at once put a year's corridor run over its memory budget.
    ready = np.full(n, np.inf)
    for k0 in (Kind.HELD, Kind.DEPARTED):
        rows = np.flatnonzero(kind == k0)
        np.minimum.at(ready, truck[rows], t[rows])
    arrived_t = np.full(n, np.nan)
    rows = np.flatnonzero(kind == Kind.ARRIVED)
    arrived_t[truck[rows]] = t[rows]
    del rows

    def binned(tt: np.ndarray) -> np.ndarray:
        """Hour index of each time inside the window's bins (-1 outside)."""
        i = np.searchsorted(edges, tt, side="right") - 1
        i[tt == edges[-1]] = nh - 1  # the last bin is closed
        i[(tt < edges[0]) | (tt > edges[-1])] = -1
        return i

    def count(tt: np.ndarray) -> np.ndarray:
        return np.histogram(tt, bins=edges)[0] if nh else np.zeros(0, np.int64)

    frames = []
    departed_by_gate = []
    for code, g in enumerate(meta["gates"]):
        sl = log.gate_slice(code)
        k, tr, tt = kind[sl], truck[sl], t[sl]
        held_t, rel_t = tt[k == Kind.HELD], tt[k == Kind.RELEASED]
        departed = count(tt[k == Kind.DEPARTED])
        departed_by_gate.append(departed)
        # truck-hours held in each hour: the held level's integral between the hour's edges
        area = _area(held_t, rel_t, edges)
        held_end = np.searchsorted(held_t, edges[1:], side="right") - np.searchsorted(
            rel_t, edges[1:], side="right"
        )
        booked_here = np.zeros(n, bool)
        booked_here[tr[k == Kind.BOOKED]] = True
        cross = k == Kind.CROSSED
        ct, ck = tt[cross], tr[cross]
        inside = binned(ct)
        keep = inside >= 0
        ct, ck, idx = ct[keep], ck[keep], inside[keep]
        _, origin_h = _mean_per_hour(idx, ct - ready[ck], nh)
        b = booked_here[ck]
        gate_h = ct - arrived_t[ck]
        n_booked, booked_h = _mean_per_hour(idx[b], gate_h[b], nh)
        n_walkin, walkin_h = _mean_per_hour(idx[~b], gate_h[~b], nh)
        arr = k == Kind.ARRIVED
        slots_used = count(tt[arr][booked_here[tr[arr]]])
        slots = _slots_per_hour(meta, g["id"], hours)
        with np.errstate(invalid="ignore", divide="ignore"):
            slot_use = np.where(slots > 0, slots_used / np.maximum(slots, 1), np.nan)
        frames.append(
            {
                "gate": g["id"],
                "t_h": hours,
                "corridor_departed": departed,
                "held_trucks": count(held_t),
                "held_at_origin": held_end,
                "held_truck_h": np.diff(area),
                "origin_to_crossing_h": origin_h,
                "booked": n_booked,
                "booked_wait_h": booked_h,
                "walkin": n_walkin,
                "walkin_wait_h": walkin_h,
                "slots_offered": slots,
                "slot_use": slot_use,
                "reneged": count(tt[k == Kind.RENEGED]),
            }
        )
    total = np.sum(departed_by_gate, axis=0) if departed_by_gate else np.zeros(nh)
    for f, dep in zip(frames, departed_by_gate, strict=True):
        with np.errstate(invalid="ignore", divide="ignore"):
            f["corridor_share"] = np.where(total > 0, dep / np.maximum(total, 1), np.nan)
    df = pd.concat([pd.DataFrame(f) for f in frames], ignore_index=True)
    return df[["gate", "t_h", *CORRIDOR_SERIES_COLUMNS]]

"""Corridor KPIs per gate, as a fold of the event log (appended to summary.csv).

Counted over the corridor trucks that became ready to leave their origin in
the window (first HELD or DEPARTED event in ``[window_start_h, window_end_h)``):

- ``corridor_departed``: trucks that left their origin for the gate;
- ``corridor_share``: their share of all window trucks that left (diversion
  between gates shows as a change of share between scenarios);
- ``held_trucks``: trucks held at their origin for the gate at least once;
- ``held_h_mean``: hours held per held truck (until release, or the run's end);
- ``origin_to_crossing_h``: mean hours from ready-to-leave to crossing (held +
  travel + gate), trucks that crossed;
- (trucks that gave up at the gate: the engine's own ``reneged`` column);
- ``booked``: trucks that booked a slot at the gate and crossed; ``booked_wait_h`` and
  ``walkin_wait_h``: mean hours from arriving at the gate to crossing, of
  booked and of other trucks that crossed; ``slot_use``: ``booked`` over
  the slots offered in the window (the window's trucks can use the drain's
  slots: a rough use, exact when the queue is short).
- platform dispatch (metering with ``staging``): ``staging_mean_trucks`` and
  ``staging_max_trucks``, trucks in the gate's staging yards (all yards together:
  STAGED minus CALLED) over the window; ``staging_full``: held trucks that found
  every staging yard full and waited at their origin. Staged trucks are also held
  trucks (``held_trucks``, ``held_h_mean`` count the wait in a yard as held).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.projections import registry
from gatesim.projections.base import fold_mean_max

__all__ = ["CORRIDOR_COLUMNS", "corridor_kpis", "with_corridor_kpis"]

CORRIDOR_COLUMNS = registry.columns("corridor")  # names, units and meanings: the registry


def with_corridor_kpis(summary: pd.DataFrame, log: LogData) -> pd.DataFrame:
    """``summary`` with the corridor columns appended when the log is a corridor run's
    (the run and its replay both call this, so a replay gives the same table)."""
    if "corridor" not in log.meta:
        return summary
    return summary.merge(corridor_kpis(log), on="gate", how="left", sort=False)


def _first_time(n: int, truck: np.ndarray, t: np.ndarray) -> np.ndarray:
    out = np.full(n, np.inf)
    np.minimum.at(out, truck, t)
    return out


def _booking(crossed, booked_mask, arrived_t, crossed_t, slots: int) -> dict:
    b = crossed[booked_mask[crossed]]
    w = crossed[~booked_mask[crossed]]
    gate_h = crossed_t - arrived_t
    return {
        "booked": int(b.size),
        "booked_wait_h": float(gate_h[b].mean()) if b.size else np.nan,
        "walkin_wait_h": float(gate_h[w].mean()) if w.size else np.nan,
        "slot_use": b.size / slots if slots else np.nan,
    }


def corridor_kpis(log: LogData) -> pd.DataFrame:
    """One row per gate (in gate-code order) with :data:`CORRIDOR_COLUMNS`."""
    meta = log.meta
    w0, w1, horizon = meta["window_start_h"], meta["window_end_h"], meta["horizon_h"]
    # a saved log keeps payload for trucks that reached a gate only: trucks still on the
    # road (DEPARTED, not ARRIVED) or held may have larger ids
    n = max(log.n_trucks, int(log.truck.max()) + 1 if log.truck.size else 0)
    kind, truck, t = log.kind, log.truck, log.t_h
    # Rows by kind as indices (ascending), never full-length masks or copies of the
    # log's columns: a year of the corridor is 14.5M rows, and each such temporary was
    # 15-58 MB at the run's peak. A gate's rows are one slice (the log is grouped by
    # gate), so per gate they are the indices within it, in the same order.
    start_rows = np.flatnonzero((kind == Kind.HELD) | (kind == Kind.DEPARTED))
    ready = _first_time(n, truck[start_rows], t[start_rows])
    del start_rows
    in_window = (ready >= w0) & (ready < w1)
    rows = []
    dep = np.flatnonzero(kind == Kind.DEPARTED)
    dep_win = dep[in_window[truck[dep]]]  # DEPARTED rows name a truck (id >= 0)
    total_dep = int(dep_win.size)
    cross = np.flatnonzero(kind == Kind.CROSSED)
    crossed_t = np.full(n, np.nan)
    crossed_t[truck[cross]] = t[cross]
    arr = np.flatnonzero(kind == Kind.ARRIVED)
    arrived_t = np.full(n, np.nan)
    arrived_t[truck[arr]] = t[arr]
    booked_mask = np.zeros(n, bool)
    booked_mask[truck[np.flatnonzero(kind == Kind.BOOKED)]] = True
    del dep, cross, arr
    slots = meta.get("corridor", {}).get("slots_in_window", {})
    for code, g in enumerate(meta["gates"]):
        sl = log.gate_slice(code)
        at_dep = dep_win[(dep_win >= sl.start) & (dep_win < sl.stop)]
        departed = int(at_dep.size)
        k_gate, truck_gate, t_gate = kind[sl], truck[sl], t[sl]
        held_rows = np.flatnonzero(k_gate == Kind.HELD)
        rel_rows = np.flatnonzero(k_gate == Kind.RELEASED)
        held_trucks = np.unique(truck_gate[held_rows])
        held_trucks = held_trucks[in_window[held_trucks]]
        # hours held: releases minus holds per truck (a truck still held counts to the horizon)
        h = np.zeros(n)
        np.add.at(h, truck_gate[rel_rows], t_gate[rel_rows])
        np.subtract.at(h, truck_gate[held_rows], t_gate[held_rows])
        still = np.zeros(n, int)
        np.add.at(still, truck_gate[held_rows], 1)
        np.subtract.at(still, truck_gate[rel_rows], 1)
        h += still * horizon
        staged_mean, staged_max = fold_mean_max(
            t_gate, (np.flatnonzero(k_gate == Kind.STAGED),), (np.flatnonzero(k_gate == Kind.CALLED),), w0, w1
        )
        full_rows = np.flatnonzero(k_gate == Kind.STAGING_FULL)
        gone = np.unique(truck[at_dep])
        crossed = gone[~np.isnan(crossed_t[gone])]
        rows.append(
            {
                "gate": g["id"],
                "corridor_departed": departed,
                "corridor_share": departed / total_dep if total_dep else np.nan,
                "held_trucks": int(held_trucks.size),
                "held_h_mean": float(h[held_trucks].mean()) if held_trucks.size else 0.0,
                "origin_to_crossing_h": float((crossed_t[crossed] - ready[crossed]).mean())
                if crossed.size
                else np.nan,
                **_booking(crossed, booked_mask, arrived_t, crossed_t, slots.get(g["id"], 0)),
                "staging_mean_trucks": staged_mean,
                "staging_max_trucks": staged_max,
                "staging_full": int(in_window[truck_gate[full_rows]].sum()),
            }
        )
    return pd.DataFrame(rows)

"""Helpers to compare the fast engine with the reference twin, truck by truck.

Shared by ``tests/properties/test_engine_twin.py`` and ``benchmarks/twin.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.model.reference import simulate_reference
from gatesim.model.simulate import simulate
from gatesim.model.smart_twin import smart_twin
from gatesim.projections.tables import tables
from gatesim.scenario.schema import Scenario
from gatesim.version import __version__

__all__ = [
    "TRUCK_KINDS",
    "assert_same",
    "both_logs",
    "compare_paths",
    "compare_summaries",
    "per_truck_times",
    "run_engine",
    "short_data",
    "with_green_lane_and_reneging",
]

# Kinds with a per-truck instant to compare: every truck event but the calendar's.
TRUCK_KINDS = tuple(
    k
    for k in Kind
    if k.name
    in (
        "ARRIVED",
        "BLOCKED",
        "YARD_IN",
        "QUEUED",
        "STARTED",
        "ENDED",
        "YARD_OUT",
        "CROSSED",
        "RENEGED",
        "HELD",
        "RELEASED",
        "BOOKED",
        "DEPARTED",
        "BUFFER_FULL",
        "BUFFER_IN",
        "BUFFER_OUT",
        "STAGED",
        "CALLED",
        "STAGING_FULL",
    )
)


def run_engine(engine: str, scenario: Scenario, days: int, replication: int, seed: int) -> LogData:
    if engine == "fast":
        log, meta = simulate(scenario, days, replication, seed)
    else:
        log, meta = simulate_reference(scenario, days, replication, seed, make_twin=smart_twin)
    meta["gatesim_version"] = __version__
    return log.decode(meta)


def both_logs(scenario: Scenario, days: int, replication: int = 0, seed: int = 1) -> tuple[LogData, LogData]:
    return (
        run_engine("fast", scenario, days, replication, seed),
        run_engine("reference", scenario, days, replication, seed),
    )


def short_data(scenario: Scenario) -> dict:
    """The scenario as data, with a one-day warm-up and drain (tests stay quick)."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["calendar"]["warmup_days"] = 1
    data["calendar"]["drain_days"] = 1
    return data


def assert_same(fast: LogData, twin: LogData) -> None:
    """Both engines' logs hold the same sample path and the same summary."""
    msg = compare_paths(fast, twin)
    assert msg is None, msg
    msg = compare_summaries(fast, twin)
    assert msg is None, msg


def per_truck_times(log: LogData) -> pd.DataFrame:
    """One row per truck event (truck, stage, kind) with its time, sorted: the sample path."""
    m = np.isin(log.kind, [int(k) for k in TRUCK_KINDS])
    df = pd.DataFrame(
        {
            "truck": log.truck[m].astype(np.int64),
            "stage": log.stage[m].astype(np.int64),
            "kind": log.kind[m].astype(np.int64),
            "t_h": log.t_h[m],
        }
    )
    return df.sort_values(["truck", "stage", "kind"], kind="stable").reset_index(drop=True)


def compare_paths(fast: LogData, twin: LogData, atol_h: float = 1e-9) -> str | None:
    """None if both logs hold the same truck events at the same times, else the first difference."""
    a, b = per_truck_times(fast), per_truck_times(twin)
    if len(a) != len(b):
        return f"{len(a)} truck events (fast) vs {len(b)} (twin)"
    keys = ["truck", "stage", "kind"]
    diff = (a[keys] != b[keys]).any(axis=1)
    if diff.any():
        i = int(np.argmax(diff.to_numpy()))
        return f"event sets differ at row {i}: fast {a.iloc[i].to_dict()} vs twin {b.iloc[i].to_dict()}"
    dt = np.abs(a["t_h"].to_numpy() - b["t_h"].to_numpy())
    if dt.size and dt.max() > atol_h:
        i = int(np.argmax(dt))
        return f"times differ by {dt[i]:.3g} h at {a.iloc[i].to_dict()} (twin {b.iloc[i]['t_h']!r})"
    sa, sb = stage_events(fast), stage_events(twin)
    if len(sa) != len(sb) or not np.allclose(sa.to_numpy(float), sb.to_numpy(float), rtol=0.0, atol=atol_h):
        return f"stage events differ:\n{sa.compare(sb) if len(sa) == len(sb) else (len(sa), len(sb))}"
    return None


def stage_events(log: LogData) -> pd.DataFrame:
    """The stages' own events (opened, closed, servers with the new count, outages), sorted."""
    m = ~np.isin(log.kind, [int(k) for k in TRUCK_KINDS])
    servers = np.full(int(m.sum()), -2, dtype=np.int64)  # -2: not a SERVERS row
    is_servers = log.kind[m] == getattr(Kind, "SERVERS", -1)
    servers[is_servers] = log.servers
    df = pd.DataFrame(
        {
            "gate": log.gate[m].astype(np.int64),
            "stage": log.stage[m].astype(np.int64),
            "kind": log.kind[m].astype(np.int64),
            "t_h": log.t_h[m],
            "servers": servers,
        }
    )
    return df.sort_values(["gate", "stage", "kind", "t_h", "servers"], kind="stable").reset_index(drop=True)


def compare_summaries(fast: LogData, twin: LogData, rtol: float = 1e-9) -> str | None:
    """None if ``summary.csv`` rows of both logs agree (every number to ``rtol``), else the first difference."""
    sa, _ = tables(fast)
    sb, _ = tables(twin)
    if list(sa.columns) != list(sb.columns) or len(sa) != len(sb):
        return f"summary shapes differ: {list(sa.columns)} vs {list(sb.columns)}"
    for col in sa.columns:
        x, y = sa[col].to_numpy(), sb[col].to_numpy()
        if x.dtype.kind in "fiu":
            xf, yf = x.astype(float), y.astype(float)
            same = (np.isnan(xf) & np.isnan(yf)) | np.isclose(xf, yf, rtol=rtol, atol=0.0)
            if not same.all():
                i = int(np.argmin(same))
                return f"summary {col} row {i}: fast {xf[i]!r} vs twin {yf[i]!r}"
        elif not (x == y).all():
            return f"summary {col}: {list(x)} vs {list(y)}"
    return None


def with_green_lane_and_reneging(scenario: Scenario, patience_mean_h: float = 6.0) -> Scenario:
    """The scenario with priority by cargo (fruit first) and exponential patience
    at each gate's Chinese acceptance (the benchmark's case; the 6 h mean is an
    assumption, not a measured figure)."""
    from gatesim.scenario.load import validate

    data = scenario.model_dump(mode="json", exclude_none=True)
    for gate in data["gates"].values():
        for stage in gate["stages"].values():
            if stage.get("role") == "acceptance":
                stage["discipline"] = "priority"
                stage["priority_by"] = "cargo"
                stage["priority_order"] = ["fruit", "electronics", "other"]
                stage["patience_h"] = {"dist": "exponential", "mean_h": patience_mean_h}
    return validate(data)

"""One scenario x replications: model -> event log -> projections.

``run_scenario`` returns tables and hands each replication's log to a sink
(the caller decides whether to write it); nothing here formats or prints.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from gatesim.events.log import LogData
from gatesim.memory import release_free_memory
from gatesim.model.engines import engine_refusal, run_engine
from gatesim.projections.corridor_kpis import with_corridor_kpis
from gatesim.projections.corridor_series import with_corridor_series
from gatesim.projections.kpis import SUMMARY_SCHEMA_VERSION
from gatesim.projections.smart_gate import with_smart_gate_kpis, with_smart_gate_series
from gatesim.projections.tables import tables
from gatesim.scenario.outcomes import outcome_factors
from gatesim.scenario.schema import Scenario
from gatesim.version import __version__

__all__ = [
    "OUTPUT_SCHEMA_VERSION",
    "RunResult",
    "annual_revenue",
    "run_replication",
    "run_scenario",
    "scenario_hash",
]

OUTPUT_SCHEMA_VERSION = SUMMARY_SCHEMA_VERSION
LogSink = Callable[[int, LogData], None]


@dataclass(frozen=True)
class RunResult:
    scenario: Scenario
    days: int
    replications: int
    seed: int
    summary: pd.DataFrame
    timeseries: pd.DataFrame
    wall_s: float


def scenario_hash(resolved: dict) -> str:
    text = json.dumps(resolved, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_replication(
    scenario: Scenario,
    days: int,
    replication: int,
    seed: int,
    engine: str = "auto",
    on_day: Callable[[int, int], None] | None = None,
) -> LogData:
    """One replication's decoded log; ``on_day(k, n)`` after each simulated day (kernel and
    fast engines). ``engine``: auto (the compiled kernel where it can run the scenario, else
    fast), kernel, fast or reference (gatesim.model.engines)."""
    reason = engine_refusal(scenario, engine)
    if reason is not None:
        from gatesim.errors import InputError

        raise InputError(reason, key="--engine", given=engine, allowed="auto, or fast for every scenario")
    log, meta = run_engine(engine, scenario, days, replication, seed, on_day=on_day)
    meta["gatesim_version"] = __version__
    # the cost factors ride with the log, so that a replay folds the same costs
    e = scenario.economy
    meta["outcomes"] = outcome_factors(e.vnd_per_usd, e.delay_cost, e.spoilage, scenario.emissions)
    return log.decode(meta)


def run_scenario(
    scenario: Scenario,
    days: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    on_log: LogSink | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    engine: str = "auto",
    until: Callable[[list[pd.DataFrame]], bool] | None = None,
    on_day: Callable[[int, int], None] | None = None,
) -> RunResult:
    """``until(summaries)``: called after each replication; True stops early (``replications`` is then the maximum)."""
    days = days if days is not None else scenario.run.days
    replications = replications if replications is not None else scenario.run.replications
    seed = seed if seed is not None else scenario.run.seed
    t = time.perf_counter()
    summaries, series = [], []
    for r in range(replications):
        log = run_replication(scenario, days, r, seed, engine, on_day)
        summary, hourly = tables(log)
        # the projections' freed temporaries, before the next fold and before the log is
        # written (glibc keeps them otherwise: gatesim/memory.py)
        release_free_memory()
        summary = with_corridor_kpis(summary, log)  # corridor runs' extra columns
        hourly = with_corridor_series(hourly, log)  # and their hourly ones
        summary = with_smart_gate_kpis(summary, log)  # an automated lane's, route buffers' columns
        hourly = with_smart_gate_series(hourly, log)
        release_free_memory()
        summaries.append(summary)
        series.append(hourly)
        if on_log is not None:
            on_log(r, log)
        del log
        if on_progress is not None:
            on_progress(r + 1, replications)
        if until is not None and until(summaries):
            break
    return RunResult(
        scenario=scenario,
        days=days,
        replications=len(summaries),
        seed=seed,
        summary=pd.concat(summaries, ignore_index=True),
        timeseries=pd.concat(series, ignore_index=True),
        wall_s=time.perf_counter() - t,
    )


def annual_revenue(summary: pd.DataFrame) -> pd.DataFrame:
    """Customs revenue of all gates per replication, scaled to 365 days, in VND."""
    g = summary.groupby(["scenario", "replication"], sort=False)
    out = g.agg(revenue_vnd=("revenue_vnd", "sum"), days=("days", "first")).reset_index()
    out["annual_revenue_vnd"] = out["revenue_vnd"] / out["days"] * 365.0
    return out

"""A run directory: what ``gatesim run`` writes and ``replay``/``state`` read.

Layout::

    summary.csv  summary_ci.csv  timeseries.csv  scenario.resolved.yaml
    manifest.json  events/rep_000.parquet ...
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from gatesim import __version__
from gatesim.errors import InputError
from gatesim.events.log import LogData
from gatesim.events.store import read_log, write_log
from gatesim.outputs import write_csv, write_json, write_yaml
from gatesim.projections.tables import TABLES_PAYLOAD, tables
from gatesim.stats import ci_table

if TYPE_CHECKING:  # the model is imported by run_into only: a replay does not load it
    from gatesim.run import RunResult
    from gatesim.scenario.schema import Scenario

__all__ = [
    "event_files",
    "read_manifest",
    "replay_dir",
    "replay_file",
    "replay_read",
    "replay_tables",
    "replay_threads",
    "run_into",
    "write_tables",
]

EVENTS_DIR = "events"


def _event_path(root: Path, replication: int) -> Path:
    return root / EVENTS_DIR / f"rep_{replication:03d}.parquet"


def write_tables(root: Path, summary: pd.DataFrame, series: pd.DataFrame) -> None:
    write_csv(root / "summary.csv", summary)
    write_csv(root / "summary_ci.csv", ci_table(summary))
    write_csv(root / "timeseries.csv", series)


def run_into(
    root: Path,
    scenario: Scenario,
    resolved: dict,
    days: int | None,
    replications: int | None,
    seed: int | None,
    keep_events: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    engine: str = "fast",
) -> RunResult:
    """Run a scenario and write every output into ``root`` (a scratch directory)."""
    if keep_events:
        (root / EVENTS_DIR).mkdir()

    def sink(r: int, log: LogData) -> None:
        if keep_events:
            write_log(log, _event_path(root, r))

    from gatesim.run import OUTPUT_SCHEMA_VERSION, run_scenario, scenario_hash

    result = run_scenario(
        scenario, days, replications, seed, on_log=sink, on_progress=on_progress, engine=engine
    )
    write_tables(root, result.summary, result.timeseries)
    resolved = dict(resolved)
    resolved.setdefault("run", {})
    resolved["run"] = {
        **resolved["run"],
        "days": result.days,
        "replications": result.replications,
        "seed": result.seed,
    }
    write_yaml(root / "scenario.resolved.yaml", resolved)
    write_json(
        root / "manifest.json",
        {
            "complete": True,
            "gatesim_version": __version__,
            "output_schema_version": OUTPUT_SCHEMA_VERSION,
            "scenario": scenario.name,
            "scenario_hash": scenario_hash(resolved),
            "seed": result.seed,
            "days": result.days,
            "replications": result.replications,
            "events_kept": keep_events,
            "engine": engine,
            "wall_s": round(result.wall_s, 3),
            "python": platform.python_version(),
            "finished_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
    )
    return result


def read_manifest(run_dir: Path) -> dict:
    path = Path(run_dir) / "manifest.json"
    if not path.exists():
        raise InputError("not a gatesim run directory (no manifest.json)", file=str(run_dir))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"manifest.json is not valid JSON ({e})", file=str(path)) from None
    if not manifest.get("complete"):
        raise InputError("run is incomplete (manifest says so)", file=str(path))
    return manifest


def event_files(run_dir: Path) -> list[Path]:
    read_manifest(run_dir)
    files = sorted((Path(run_dir) / EVENTS_DIR).glob("rep_*.parquet"))
    if not files:
        raise InputError("run has no event logs (run with events kept)", file=str(run_dir))
    return files


def replay_threads() -> int:
    """Threads a replay reads and folds with: the machine's cores (a replay runs
    alone), at most 4: each holds a row group or a gate's row sets in memory,
    and a run has three gates."""
    return max(1, min(4, os.cpu_count() or 1))


def replay_read(path: Path) -> LogData:
    """The part of a saved log a replay needs (the payload columns the tables use)."""
    return read_log(path, payload=TABLES_PAYLOAD, threads=replay_threads())


def replay_tables(log: LogData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summary and hourly rows of a replayed log, its gates folded side by side."""
    from gatesim.corridor.kpis import with_corridor_kpis  # issue 15: as the run appends them

    summary, hourly = tables(log, replay_threads())
    return with_corridor_kpis(summary, log), hourly


def replay_file(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summary and hourly rows of one saved log, from the file alone."""
    return replay_tables(replay_read(path))


def replay_dir(run_dir: Path, out: Path) -> None:
    """Recompute summary, CI and time series from the saved logs alone into ``out``."""
    summaries, series = [], []
    for f in event_files(run_dir):
        summary, hourly = replay_file(f)
        summaries.append(summary)
        series.append(hourly)
    write_tables(out, pd.concat(summaries, ignore_index=True), pd.concat(series, ignore_index=True))

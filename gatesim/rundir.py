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

from gatesim.errors import Described, InputError
from gatesim.events.log import LogData
from gatesim.events.store import read_log, write_log
from gatesim.outputs import write_csv, write_json, write_yaml
from gatesim.projections.tables import TABLES_PAYLOAD, tables
from gatesim.stats import ci_table
from gatesim.version import __version__

if TYPE_CHECKING:  # the model is imported by run_into only: a replay does not load it
    from gatesim.run import RunResult
    from gatesim.scenario.schema import Scenario

__all__ = [
    "check_csv_complete",
    "event_files",
    "load_log",
    "read_csv_checked",
    "read_manifest",
    "replay_dir",
    "replay_read",
    "replay_tables",
    "replay_threads",
    "run_into",
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
    engine: str = "auto",
    until: Callable[[list[pd.DataFrame]], bool] | None = None,
    on_day: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Run a scenario and write every output into ``root`` (a scratch directory)."""
    if keep_events:
        (root / EVENTS_DIR).mkdir()

    def sink(r: int, log: LogData) -> None:
        if keep_events:
            write_log(log, _event_path(root, r))

    from gatesim.run import OUTPUT_SCHEMA_VERSION, run_scenario, scenario_hash

    result = run_scenario(
        scenario,
        days,
        replications,
        seed,
        on_log=sink,
        on_progress=on_progress,
        engine=engine,
        until=until,
        on_day=on_day,
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


MAX_MANIFEST_BYTES = 1_000_000  # a manifest is ~1 kB; a bigger one is not gatesim's
_META_KEYS = ("t0", "gates", "stages", "kinds", "window_end_h")


def _schema_version() -> int:
    from gatesim.projections.kpis import SUMMARY_SCHEMA_VERSION  # not via gatesim.run: no model import

    return SUMMARY_SCHEMA_VERSION


def read_json_object(path: Path, what: str = "file") -> dict:
    """A JSON object from ``path``, or one InputError naming the file and what is wrong with it."""
    path = Path(path)
    file = str(path)
    if path.is_dir():
        raise InputError(f"{path.name} is a directory, not a {what}", file=file)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise InputError(f"not a regular file (a {what} is one)", file=file)
        if size > MAX_MANIFEST_BYTES:
            raise InputError(f"is {size} bytes; not a gatesim {what}", file=file)
        data = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise InputError(f"{what} not found", file=file) from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        reason = "empty" if not path.read_bytes().strip() else f"{type(e).__name__}: {str(e)[:80]}"
        raise InputError(f"{path.name} is damaged: not valid JSON ({reason})", file=file) from None
    if not isinstance(data, dict):
        kind = "null" if data is None else type(data).__name__
        raise InputError(f"{path.name} is damaged: a JSON {kind}, not an object", file=file)
    return data


def read_manifest(run_dir: Path) -> dict:
    """The manifest of a complete run directory (or multi-run), checked; InputError otherwise."""
    run_dir = Path(run_dir)
    if not run_dir.exists():
        raise InputError("no such directory", file=str(run_dir))
    if not run_dir.is_dir():
        raise InputError("not a directory", file=str(run_dir), allowed="a gatesim run directory")
    path = run_dir / "manifest.json"
    if not (path.exists() or path.is_symlink()):
        raise InputError("not a gatesim run directory (no manifest.json)", file=str(run_dir))
    manifest = read_json_object(path, "manifest")
    if manifest.get("complete") is not True:
        given = manifest.get("complete", Described("no 'complete' key"))
        raise InputError(
            "run is incomplete (manifest.json does not say complete: true)", file=str(path), given=given
        )
    names = manifest.get("scenarios")
    if names is not None:
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise InputError("manifest.json: scenarios is not a list of names", file=str(path), given=names)
        return manifest
    version = manifest.get("output_schema_version", Described("none"))
    if isinstance(version, bool) or version != _schema_version():
        raise InputError(
            "output schema version differs from this gatesim's",
            file=str(path),
            key="output_schema_version",
            given=version,
            allowed=f"{_schema_version()} (rerun the scenario with this gatesim)",
        )
    return manifest


def check_csv_complete(path: Path) -> None:
    """Refuse a CSV gatesim wrote that is not whole: missing, empty, header only, or cut off.

    gatesim ends every CSV with a newline; a file that does not was cut off
    mid-line, and its last cell may read as a smaller number.
    """
    path = Path(path)
    file = str(path)
    try:
        if not path.is_file():
            what = "is a directory" if path.is_dir() else "not found"
            raise InputError(f"{path.name} {what}", file=file)
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            if size == 0:
                raise InputError("file is empty (damaged?)", file=file)
            f.seek(max(0, size - 1))
            last = f.read(1)
            f.seek(0)
            head = f.read(min(size, 1 << 20))
    except PermissionError as e:
        raise InputError(f"cannot read: {e.strerror}", file=file) from None
    if b"\0" in head:
        raise InputError("not a readable CSV (binary data)", file=file)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:  # not merely a character cut at the 1 MiB boundary
            raise InputError("not a readable CSV (not UTF-8 text)", file=file) from None
    if last != b"\n":
        raise InputError(
            "is cut off (the last line is incomplete); damaged or still being written", file=file
        )
    if head.count(b"\n") < 2:
        raise InputError("has a header but no rows (damaged?)", file=file)


def read_csv_checked(path: Path, **kwargs) -> pd.DataFrame:
    """A whole CSV gatesim wrote, read with pandas; one InputError naming the file otherwise."""
    check_csv_complete(path)
    try:
        return pd.read_csv(path, **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as e:
        msg = " ".join(str(e).split())[:120] or type(e).__name__
        raise InputError(f"not a readable CSV ({msg})", file=str(path)) from None


def event_files(run_dir: Path) -> list[Path]:
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    names = manifest.get("scenarios")
    if names:
        raise InputError(
            f"holds {len(names)} scenarios ({', '.join(names[:5])}), each in its own folder",
            file=str(run_dir),
            allowed=f"one of them, e.g. {run_dir / names[0]}",
        )
    if manifest.get("events_kept") is False:
        raise InputError("run was made with --no-events: it has no event logs", file=str(run_dir))
    files = sorted((run_dir / EVENTS_DIR).glob("rep_*.parquet"))
    if not files:
        raise InputError("run has no event logs (run with events kept)", file=str(run_dir))
    reps = manifest.get("replications")
    if isinstance(reps, int) and not isinstance(reps, bool) and reps != len(files):
        raise InputError(
            f"{len(files)} event logs, but manifest.json says {reps} replications (files deleted?)",
            file=str(run_dir / EVENTS_DIR),
        )
    return files


def load_log(path: Path, payload=None, threads: int = 1) -> LogData:
    """A saved event log, or one InputError naming the file when it is damaged or not gatesim's."""
    import pyarrow as pa

    file = str(path)
    try:
        log = read_log(path, payload=payload, threads=threads)
    except FileNotFoundError:
        raise InputError("event log not found", file=file) from None
    except (pa.ArrowException, ValueError, KeyError, TypeError, IndexError) as e:
        reason = " ".join(str(e).replace(file, "").split())[:120].strip(": ") or type(e).__name__
        raise InputError(f"damaged or not a gatesim event log ({reason})", file=file) from None
    missing = [k for k in _META_KEYS if k not in log.meta]
    if missing:
        raise InputError(f"event log metadata lacks {', '.join(missing)}", file=file)
    return log


def replay_threads() -> int:
    """Threads a replay reads and folds with: the machine's cores (a replay runs
    alone), at most 4: each holds a row group or a gate's row sets in memory,
    and a run has three gates."""
    return max(1, min(4, os.cpu_count() or 1))


def replay_read(path: Path) -> LogData:
    """The part of a saved log a replay needs (the payload columns the tables use)."""
    return load_log(path, payload=TABLES_PAYLOAD, threads=replay_threads())


def replay_tables(log: LogData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summary and hourly rows of a replayed log, its gates folded side by side."""
    from gatesim.projections.corridor_kpis import with_corridor_kpis  # as the run appends them
    from gatesim.projections.corridor_series import with_corridor_series
    from gatesim.projections.smart_gate import with_smart_gate_kpis, with_smart_gate_series

    summary, hourly = tables(log, replay_threads())
    summary = with_smart_gate_kpis(with_corridor_kpis(summary, log), log)
    return summary, with_smart_gate_series(with_corridor_series(hourly, log), log)


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

"""The public API: load a scenario, run it, read a run directory's tables and log, compare runs.

Everything here is also reachable as ``from gatesim import ...`` (docs/api.md). The CLI is
built on the same modules; these functions are the small, stable set meant for a notebook or a
script. Errors in the input raise :class:`gatesim.errors.InputError` (one line, in the CLI's
words).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gatesim.errors import InputError
from gatesim.run import RunResult
from gatesim.scenario.schema import Scenario

__all__ = [
    "InputError",
    "RunResult",
    "RunTables",
    "Scenario",
    "compare_runs",
    "load_scenario",
    "read_events",
    "read_run",
    "run_scenario",
    "write_run",
]


@dataclass(frozen=True)
class RunTables:
    """A run directory's tables, as ``gatesim run`` wrote them (columns: README.md, "Outputs of gatesim run")."""

    path: Path
    manifest: dict
    summary: pd.DataFrame  # one row per (replication, gate)
    summary_ci: pd.DataFrame  # per gate and KPI: mean and 95% CI over the replications
    timeseries: pd.DataFrame  # one row per (replication, gate, hour)


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """The validated scenario of a YAML file, with ``overrides`` (``"key.path=value"``, as ``--set``)."""
    from gatesim.scenario.load import load_scenario as load

    scenario, _ = load(path, tuple(overrides))
    return scenario


def run_scenario(
    scenario: Scenario,
    *,
    days: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    engine: str = "fast",
) -> RunResult:
    """Simulate ``scenario`` in memory; ``result.summary`` and ``result.timeseries`` are DataFrames.

    Days, replications and seed default to the scenario's ``run:`` section; replication ``r``
    uses the random streams of ``(seed, r)`` whatever else changes (common random numbers).
    Nothing is written.
    """
    from gatesim.run import run_scenario as run

    return run(scenario, days, replications, seed, engine=engine)


def write_run(
    scenario_path: str | Path,
    out: str | Path,
    *,
    overrides: Iterable[str] = (),
    days: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    keep_events: bool = True,
    force: bool = False,
) -> Path:
    """Run a scenario file into the directory ``out``, as ``gatesim run FILE --out OUT`` does.

    The directory appears whole or not at all; an existing one is refused unless ``force``.
    """
    from gatesim.outputs import atomic_dir
    from gatesim.rundir import run_into
    from gatesim.scenario.load import load_scenario as load

    scenario, resolved = load(scenario_path, tuple(overrides))
    target = Path(out)
    with atomic_dir(target, force, inputs=[scenario_path]) as tmp:
        run_into(tmp, scenario, resolved, days, replications, seed, keep_events=keep_events)
    return target


def read_run(run_dir: str | Path) -> RunTables:
    """The tables of one run directory (a complete one: its manifest says so)."""
    from gatesim.rundir import read_csv_checked, read_manifest

    root = Path(run_dir)
    manifest = read_manifest(root)
    tables = {}
    for name in ("summary", "summary_ci", "timeseries"):
        path = root / f"{name}.csv"
        if not path.is_file():
            raise InputError("missing from the run directory", file=str(path))
        tables[name] = read_csv_checked(path)
    return RunTables(root, manifest, tables["summary"], tables["summary_ci"], tables["timeseries"])


def read_events(run_dir: str | Path, replication: int = 0) -> pd.DataFrame:
    """One replication's event log as a DataFrame: one row per event (time ``t_h`` in hours from
    the first warm-up day's 00:00 Hanoi time, truck, gate, stage, kind and the truck's attributes)."""
    import pyarrow.parquet as pq

    from gatesim.rundir import event_files

    files = event_files(Path(run_dir))
    if not 0 <= replication < len(files):
        raise InputError(
            "no such replication", file=str(run_dir), given=replication, allowed=f"0 to {len(files) - 1}"
        )
    return pq.read_table(files[replication]).to_pandas()


def compare_runs(
    base: str | Path | pd.DataFrame,
    others: Sequence[str | Path | pd.DataFrame],
    level: float = 0.95,
) -> pd.DataFrame:
    """Per (other, gate, KPI): both means, the difference with its CI, % change and significance.

    Each argument is a run directory or its ``summary`` table. Runs with the same seed are
    compared replication by replication (paired), as ``gatesim compare`` does.
    """
    from gatesim.compare.statistics import compare_tables

    def summary(x: str | Path | pd.DataFrame) -> pd.DataFrame:
        return x if isinstance(x, pd.DataFrame) else read_run(x).summary

    return compare_tables(summary(base), [summary(o) for o in others], level=level)

"""Reading ``gatesim compare``'s inputs: run, multi-run and sweep directories, summary / results CSVs.

Output schema: a manifest's ``output_schema_version`` must equal
:data:`gatesim.run.OUTPUT_SCHEMA_VERSION`. A CSV without a manifest beside it
is checked by its header: schema version 1 is the id and KPI columns of
``summary.csv`` plus ``util_*`` columns and a sweep's ``point``, ``error`` and
parameter (dotted key path) columns, nothing else; a ``schema_version`` or
``output_schema_version`` column, if present, must hold the current version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gatesim.errors import Described, InputError
from gatesim.projections.corridor_kpis import CORRIDOR_COLUMNS  # corridor runs' extra columns
from gatesim.projections.kpis import ID_COLUMNS, KPI_COLUMNS, is_stage_kpi
from gatesim.projections.smart_gate import SMART_GATE_COLUMNS
from gatesim.run import OUTPUT_SCHEMA_VERSION

__all__ = ["KEYS", "RunInput", "clean", "kpi_columns", "read_inputs", "select_base"]

_SWEEP_COLUMNS = {"point", "error"}
_VERSION_COLUMNS = ("schema_version", "output_schema_version")
_KEYS = ["seed", "replication"]
KEYS = _KEYS


@dataclass(frozen=True)
class RunInput:
    """One scenario's summary rows, read from ``source``."""

    label: str  # the scenario name
    source: str  # the file it came from, for messages
    summary: pd.DataFrame
    expanded: bool = False  # one of several scenarios of a multi-run directory or a sweep


def kpi_columns(summary: pd.DataFrame) -> list[str]:
    """The KPI columns of a summary table, in file order: ``KPI_COLUMNS`` then the per-stage ones."""
    return (
        [c for c in KPI_COLUMNS if c in summary.columns]
        + [c for c in summary.columns if is_stage_kpi(c)]
        + [c for c in CORRIDOR_COLUMNS if c in summary.columns]  # corridor runs
    )


def _version_error(given: object, file: str) -> InputError:
    return InputError(
        "output schema version differs from this gatesim's",
        file=file,
        key="output_schema_version",
        given=given,
        allowed=f"{OUTPUT_SCHEMA_VERSION} (rerun the scenario with this gatesim)",
    )


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"not readable JSON ({type(e).__name__})", file=str(path)) from None
    if not isinstance(data, dict):
        raise InputError("not a JSON object", file=str(path))
    return data


def _check_manifest(path: Path) -> dict:
    manifest = _read_json(path)
    if manifest.get("complete") is not True:
        raise InputError("run is incomplete (manifest.json lacks complete: true)", file=str(path))
    version = manifest.get("output_schema_version", Described("nothing"))
    if "scenarios" not in manifest and version != OUTPUT_SCHEMA_VERSION:
        raise _version_error(version, str(path))
    return manifest


def _check_columns(df: pd.DataFrame, file: str) -> None:
    missing = [c for c in ID_COLUMNS + KPI_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(
            f"missing columns {', '.join(missing)}",
            file=file,
            allowed=f"a summary.csv or sweep results.csv of output schema version {OUTPUT_SCHEMA_VERSION}",
        )
    known = (
        set(ID_COLUMNS + KPI_COLUMNS + CORRIDOR_COLUMNS + SMART_GATE_COLUMNS)
        | _SWEEP_COLUMNS
        | set(_VERSION_COLUMNS)
    )
    unknown = [c for c in df.columns if c not in known and not is_stage_kpi(c) and "." not in c]
    if unknown:
        raise InputError(
            f"unknown columns {', '.join(map(str, unknown[:5]))}: not output schema version {OUTPUT_SCHEMA_VERSION}",
            file=file,
            allowed="the columns of summary.csv (id, KPI, util_*, wait_at_*) and of a sweep's results.csv",
        )
    for col in _VERSION_COLUMNS:
        if col in df.columns:
            bad = pd.to_numeric(df[col], errors="coerce") != OUTPUT_SCHEMA_VERSION
            if bad.any():
                raise _version_error(df.loc[bad, col].iloc[0], file)


def clean(df: pd.DataFrame, file: str) -> pd.DataFrame:
    """Typed copy of a summary table; garbled cells raise InputError."""
    _check_columns(df, file)
    if df.empty:
        raise InputError("has a header but no rows", file=file, allowed="one row per replication and gate")
    df = df.copy()
    if "error" in df.columns:  # a failed sweep task: its KPIs are empty, it is not a replication
        df = df[df["error"].isna() | (df["error"].astype(str).str.strip() == "")]
    for col in ("scenario", "gate"):
        if df[col].isna().any() or (df[col].astype(str).str.strip() == "").any():
            raise InputError("empty cell", file=file, key=col, allowed="a name on every row")
        df[col] = df[col].astype(str)
    for col in [*_KEYS, *kpi_columns(df)]:
        num = pd.to_numeric(df[col], errors="coerce")
        bad = num.isna() & df[col].notna()
        if bad.any() or (col in _KEYS and num.isna().any()):
            given = df.loc[bad, col].iloc[0] if bad.any() else Described("an empty cell")
            raise InputError("not a number", file=file, key=col, given=given)
        df[col] = num
    dup = df.duplicated(["scenario", "gate", *_KEYS])
    if dup.any():
        row = df.loc[dup].iloc[0]
        raise InputError(
            "the same scenario, gate, seed and replication appear twice",
            file=file,
            given=f"{row['scenario']}/{row['gate']}/seed {row['seed']:.0f}/replication {row['replication']:.0f}",
        )
    return df


def _read_csv(path: Path, expanded: bool = False) -> list[RunInput]:
    file = str(path)
    manifest = path.with_name("manifest.json")
    if path.name == "summary.csv" and manifest.is_file():
        _check_manifest(manifest)
    if path.exists():
        from gatesim.rundir import check_csv_complete

        check_csv_complete(path)  # a cut-off last row would be compared as a smaller number
    try:
        raw = pd.read_csv(path, dtype=object, keep_default_na=True)
    except FileNotFoundError:
        raise InputError("file not found", file=file) from None
    except pd.errors.EmptyDataError:
        raise InputError("file is empty", file=file, allowed="a summary.csv or results.csv") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as e:
        msg = " ".join(str(e).split())[:120] or type(e).__name__
        raise InputError(f"not a readable CSV ({msg})", file=file) from None
    df = clean(raw, file)
    if df.empty:
        raise InputError("every row is a failed sweep task", file=file)
    groups = list(df.groupby("scenario", sort=False))
    many = expanded or len(groups) > 1
    params = [c for c in df.columns if "." in c]  # a sweep's parameter columns (dotted key paths)
    return [RunInput(point_label(str(n), g, params), file, g.reset_index(drop=True), many) for n, g in groups]


def _short_key(path: str) -> str:
    """``gates.tan_thanh.stages.road.lanes`` -> ``tan_thanh.road.lanes``."""
    parts = path.split(".")
    if parts[0] == "gates" and len(parts) > 2:
        parts = parts[1:]
    return ".".join(p for i, p in enumerate(parts) if not (p == "stages" and i > 0))


def point_label(name: str, rows: pd.DataFrame, params: list[str]) -> str:
    """A sweep point's name with its parameter values: ``baseline_2026.p3 (tan_thanh.road.lanes=8)``."""
    if not params:
        return name
    values = []
    for p in params:
        v = rows[p].dropna().unique()
        if len(v) == 1:
            x = pd.to_numeric(pd.Series(v), errors="coerce").iloc[0]
            values.append(f"{_short_key(p)}={x:g}" if pd.notna(x) else f"{_short_key(p)}={v[0]}")
    return f"{name} ({', '.join(values)})" if values else name


def read_inputs(path: str | Path) -> list[RunInput]:
    """The scenario(s) held by a run directory, a multi-run or sweep directory, or a CSV."""
    p = Path(path)
    if p.is_file():
        return _read_csv(p)
    if not p.is_dir():
        raise InputError("not found", file=str(p), allowed="a run directory, summary.csv or results.csv")
    if (p / "manifest.json").is_file():
        manifest = _check_manifest(p / "manifest.json")
        names = manifest.get("scenarios")
        if names is None:
            return _read_csv(p / "summary.csv")
        if not isinstance(names, list) or not names:
            raise InputError("scenarios: not a list of names", file=str(p / "manifest.json"), given=names)
        out: list[RunInput] = []
        for name in names:
            out += _read_csv(p / str(name) / "summary.csv", expanded=True)
        return out
    for name in ("results.csv", "summary.csv"):
        if (p / name).is_file():
            return _read_csv(p / name)
    raise InputError(
        "holds no manifest.json, summary.csv or results.csv",
        file=str(p),
        allowed="a gatesim run, multi-run or sweep directory",
    )


def select_base(inputs: list[RunInput], scenario: str | None, file: str) -> RunInput:
    """The one base scenario of BASE (``scenario`` picks one if it holds several)."""
    names = [i.label for i in inputs]
    if scenario is None:
        if len(inputs) == 1:
            return inputs[0]
        raise InputError(
            "BASE holds several scenarios", file=file, given=names, allowed="pick one with --base-scenario"
        )
    for i in inputs:
        if scenario in (i.label, i.label.split(" (")[0]):  # a sweep point: its name, with or without values
            return i
    raise InputError(
        "no such scenario in BASE", key="--base-scenario", given=scenario, allowed=", ".join(names)
    )

"""What the app lists: the shipped scenarios, and the runs in its runs folder with their
headline figures (read from each run's summary.csv, as the report reads them)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported when a run is read: the app starts without it
    import pandas as pd

__all__ = [
    "SCENARIOS_DIR",
    "headline",
    "list_runs",
    "list_scenarios",
    "newest_first",
    "scenario_parents",
    "scenario_path",
]

SCENARIOS_DIR = Path(__file__).resolve().parents[2] / "scenarios"


def list_scenarios(folder: Path = SCENARIOS_DIR) -> list[tuple[str, str, str]]:
    """(file stem, name, description) of each scenario file at the top of ``folder``."""
    return [(stem, name, desc) for stem, name, desc, _ in _read(folder)]


def scenario_parents(folder: Path = SCENARIOS_DIR) -> dict[str, str | None]:
    """Each listed scenario's stem -> the file name its ``extends:`` names (None: extends nothing)."""
    return {stem: parent for stem, _, _, parent in _read(folder)}


def _read(folder: Path) -> list[tuple[str, str, str, str | None]]:
    files = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.glob("*.yaml")))
    return _scenarios(folder, files)


@functools.lru_cache(maxsize=8)
def _scenarios(folder: Path, files: tuple[tuple[str, int], ...]) -> list[tuple[str, str, str, str | None]]:
    """Read once per state of the folder (the files' names and times are the key)."""
    from ruamel.yaml import YAML

    out = []
    for path in (folder / name for name, _ in files):
        if path.name.endswith(".priors.yaml") or path.is_symlink():
            continue
        try:
            data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - a file that does not read is simply not offered
            continue
        if isinstance(data, dict) and "name" in data:
            ext = data.get("extends")
            out.append(
                (
                    path.stem,
                    str(data["name"]),
                    " ".join(str(data.get("description", "")).split()),
                    str(ext) if ext else None,
                )
            )
    return out


def scenario_path(stem: str, folder: Path = SCENARIOS_DIR) -> Path | None:
    """The shipped scenario file of that stem, or None (only the listed files can be run)."""
    return next((folder / f"{s}.yaml" for s, _, _ in list_scenarios(folder) if s == stem), None)


def headline(summary: pd.DataFrame) -> pd.DataFrame:
    """Per gate, the mean over replications of the key figures the summary has."""
    cols = [
        c
        for c in ("throughput_per_day", "wait_mean_h", "waiting_at_20h_mean", "queue_max_km")
        if c in summary
    ]
    return summary.groupby("gate", sort=False)[cols].mean().reset_index()


def _run_row(path: Path) -> dict | None:
    from gatesim.errors import InputError
    from gatesim.rundir import read_csv_checked, read_manifest

    if (path / "manifest.json").is_symlink() or (path / "summary.csv").is_symlink():
        return None  # the app reads no file through a link
    try:
        manifest = read_manifest(path)
        if manifest.get("scenarios"):
            return None  # a multi-scenario folder: the app lists single runs
        h = headline(read_csv_checked(path / "summary.csv"))
    except (InputError, OSError, KeyError):
        return None
    return {
        "folder": path.name,
        "scenario": manifest.get("scenario", "?"),
        "date": str(manifest.get("finished_utc", ""))[:19].replace("T", " "),
        "size": f"{manifest.get('days', '?')} × {manifest.get('replications', '?')}",
        "crossings": f"{h['throughput_per_day'].sum():,.0f}" if "throughput_per_day" in h else "–",
        "wait": f"{h['wait_mean_h'].max():,.2f}" if "wait_mean_h" in h else "–",
        "queue": f"{h['queue_max_km'].max():,.2f}" if "queue_max_km" in h else "–",
        "mtime": (path / "manifest.json").stat().st_mtime,
    }


def newest_first(folder: Path, read: Callable[[Path], dict | None]) -> list[dict]:
    """``read`` of each plain folder directly in ``folder`` (no links followed, none hidden),
    the ones it reads (not None) newest first by their ``mtime``."""
    if not folder.is_dir() or folder.is_symlink():
        return []
    rows = [
        r
        for p in folder.iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
        if (r := read(p)) is not None
    ]
    return sorted(rows, key=lambda r: -r["mtime"])


def list_runs(runs_dir: Path) -> list[dict]:
    """The complete single runs directly in ``runs_dir``, newest first."""
    return newest_first(runs_dir, _run_row)

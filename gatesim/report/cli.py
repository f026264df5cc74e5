"""``gatesim report DIR``: one self-contained HTML page for a run, a multi-scenario run,
a comparison or a sweep, with its charts also saved as PNGs in ``report_png/``.

What DIR is, is read from the files in it:
- ``comparison.csv`` (or DIR is that CSV): a comparison (``gatesim compare``);
- ``results.csv``: a sweep (``gatesim sweep``);
- ``manifest.json`` listing ``scenarios``: a multi-scenario run (one run folder each);
- ``manifest.json`` + ``summary.csv``: a run.
"""

from __future__ import annotations

from pathlib import Path

import click

from gatesim.errors import InputError

__all__ = ["build_report", "command"]


def _is_result_dir(path: Path) -> bool:
    """Whether ``path`` holds a run's or a sweep's own files (and so its own report.html)."""
    return any((path / f).exists() for f in ("manifest.json", "results.csv", "sweep.json"))


def detect_kind(path: Path) -> tuple[str, Path]:
    """(kind, directory the report goes into) for a result directory or a comparison CSV.

    A folder's own files decide its kind: a run or a sweep folder that also holds a
    comparison.csv is reported as the run or sweep (its report.html); the comparison is
    reported by naming the CSV, and its page is then comparison.html beside it, so one kind of
    page never replaces another kind's."""
    path = Path(path)
    if path.is_file():
        if path.suffix.lower() == ".csv":
            return "comparison", path.parent
        raise InputError(
            "not a result directory or a comparison CSV",
            file=str(path),
            allowed="a directory or comparison.csv",
        )
    if not path.is_dir():
        raise InputError("no such directory", file=str(path))
    if (path / "comparison.csv").exists() and not _is_result_dir(path):
        return "comparison", path
    if (path / "results.csv").exists():
        return "sweep", path
    manifest = path / "manifest.json"
    if manifest.exists():
        from gatesim.rundir import read_manifest

        data = read_manifest(path)  # shape, completeness and version checked; the file named if not
        if data.get("scenarios"):
            return "multi", path
        if (path / "summary.csv").exists():
            return "run", path
    raise InputError(
        "nothing to report on",
        file=str(path),
        allowed="a run directory (manifest.json, summary.csv), a multi-scenario run, comparison.csv, or a sweep (results.csv)",
    )


def page_path(kind: str, root: Path) -> Path:
    """Where the page goes: report.html, or comparison.html for a comparison kept in a run's or
    a sweep's folder (that folder's report.html is the run's own page)."""
    if kind == "comparison" and _is_result_dir(root):
        return root / "comparison.html"
    return root / "report.html"


def build_report(dir: Path, calibration: Path | None = None, show_all: bool = False) -> Path:  # noqa: A002 - the name the CLI hook uses
    """Write ``report.html`` (and ``report_png/``) for the result at ``dir``; return the HTML path."""
    kind, root = detect_kind(Path(dir))
    target = page_path(kind, root)
    if kind == "run":
        from gatesim.report.build_run import run_page

        return run_page(root, target, calibration)
    if kind == "multi":
        from gatesim.report.build_run import multi_page

        return multi_page(root, target, calibration)
    if kind == "comparison":
        from gatesim.report.plots_compare import comparison_page

        csv = Path(dir) if Path(dir).is_file() else root / "comparison.csv"
        return comparison_page(csv, target, show_all)
    from gatesim.report.plots_sweep import sweep_page

    return sweep_page(root, target)


@click.command("report")
@click.argument("path", type=click.Path(exists=False))
@click.option(
    "--calibration",
    type=click.Path(dir_okay=False),
    help="A calibration table (gatesim calibrate) to show in a run report. Default: DIR/calibration.csv if present.",
)
@click.option(
    "--all", "show_all", is_flag=True, help="Comparison: also list the rows identical in both runs."
)
def command(path: str, calibration: str | None, show_all: bool) -> None:
    """Write PATH/report.html: the charts of a run, multi-scenario run, comparison or sweep.

    PATH is a run directory (gatesim run), a folder of several runs, a comparison
    (a folder holding comparison.csv, or the CSV itself) or a sweep directory. The
    page is self-contained (images embedded; opens offline, can be mailed); the
    charts are also saved as PNGs in report_png/ beside it.
    """
    cal = Path(calibration) if calibration else None
    if cal is not None and not cal.is_file():
        raise InputError("calibration table not found", file=str(cal), key="--calibration")
    out = build_report(Path(path), cal, show_all)
    click.echo(f"written: {out}")

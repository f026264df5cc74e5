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

__all__ = ["build_report", "command", "detect_kind"]


def detect_kind(path: Path) -> tuple[str, Path]:
    """(kind, directory the report goes into) for a result directory or a comparison CSV."""
    path = Path(path)
    if path.is_file():
        if path.suffix.lower() == ".csv":
            if any(
                (path.parent / f).exists() for f in ("manifest.json", "results.csv", "sweep.json")
            ):  # its report.html and report_png/ would replace the run's (or sweep's) own
                raise InputError(
                    "is inside a run or sweep directory; its report would overwrite that directory's report.html",
                    file=str(path),
                    allowed="the comparison CSV in a folder of its own (gatesim compare --out DIR/comparison.csv)",
                )
            return "comparison", path.parent
        raise InputError(
            "not a result directory or a comparison CSV",
            file=str(path),
            allowed="a directory or comparison.csv",
        )
    if not path.is_dir():
        raise InputError("no such directory", file=str(path))
    if (path / "comparison.csv").exists():
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


def build_report(dir: Path, calibration: Path | None = None, show_all: bool = False) -> Path:  # noqa: A002 - the name the CLI hook uses
    """Write ``report.html`` (and ``report_png/``) for the result at ``dir``; return the HTML path."""
    kind, root = detect_kind(Path(dir))
    target = root / "report.html"
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

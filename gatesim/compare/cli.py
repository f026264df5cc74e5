"""The ``gatesim compare`` command: read, compare, write the CSV, print the text."""

from __future__ import annotations

from pathlib import Path

import click

from gatesim.compare.format import format_comparison
from gatesim.compare.read import read_inputs, select_base
from gatesim.compare.statistics import compare_inputs
from gatesim.errors import InputError

__all__ = ["command"]


def _is_comparison_csv(path: Path) -> bool:
    """Whether ``path`` is a comparison gatesim wrote (its header names the comparison columns)."""
    from gatesim.compare.statistics import COMPARISON_COLUMNS
    from gatesim.outputs import csv_header_starts

    return csv_header_starts(path, COMPARISON_COLUMNS[:18])  # the first columns: older files count


@click.command("compare")
@click.argument("base")
@click.argument("others", nargs=-1, required=True, metavar="OTHER...")
@click.option(
    "--out", "out", default="comparison.csv", show_default=True,
    help="CSV file for the comparison (default: comparison.csv in the current directory).",
)  # fmt: skip
@click.option(
    "--base-scenario", help="Which scenario of BASE to use when it holds several (a multi-run or sweep)."
)
@click.option("--level", type=float, default=0.95, show_default=True, help="Family confidence level.")
@click.option("--significant-only", is_flag=True, help="Print only the significant changes.")
@click.option(
    "--all", "show_all", is_flag=True, help="Print every row, identical ones and untouched gates included."
)
@click.option(
    "--force", is_flag=True, help="Replace an existing --out file (only a comparison gatesim wrote)."
)
def command(base, others, out, base_scenario, level, significant_only, show_all, force) -> None:
    """Differences per gate and KPI between BASE and each OTHER run, with CIs.

    BASE and OTHER are run directories, multi-scenario run directories (each
    subfolder is one OTHER), sweep directories, or summary.csv / results.csv
    files. Paired t intervals when both used the same seeds and replications
    (common random numbers), Welch's otherwise. Multiplicity over proposals x
    KPIs x gates: Benjamini-Hochberg (false discovery rate 1 - level), with
    intervals at the matching false-coverage level. Writes --out (every row)
    and prints, per OTHER, a paragraph and the decision KPIs (wait, queue km,
    crossings, delay cost, revenue) at the gates it touches; --all prints all.
    """
    from gatesim.outputs import write_csv

    base_in = select_base(read_inputs(base), base_scenario, base)
    others_in = [
        o for path in others for o in read_inputs(path)
        # a multi-run or sweep that contains BASE itself: skip that one, not a self-comparison asked for
        if not (o.expanded and o.label == base_in.label and Path(o.source).resolve() == Path(base_in.source).resolve())
    ]  # fmt: skip
    if not others_in:
        raise InputError("nothing to compare: every OTHER is BASE itself", given=list(others))
    from gatesim.outputs import check_file_target, check_not_input

    target = Path(out)
    sources = {Path(i.source).resolve() for i in [base_in, *others_in]}
    if target.resolve() in sources:
        raise InputError("would overwrite an input", key="--out", given=out, allowed="another file name")
    check_not_input(target, [base, *others])
    check_file_target(target, force, _is_comparison_csv, "comparison CSV")
    table = compare_inputs(base_in, others_in, level)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_csv(target, table)
    click.echo(format_comparison(table, significant_only, show_all))
    click.echo(f"\nwritten: {target}")

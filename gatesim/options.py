"""Click option groups that several commands share, written once (names, ranges and help).

Each command says what its default is (the scenario's, the sweep file's); the option names,
short flags and the ranges from ``gatesim.limits`` are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from gatesim.limits import DAYS, REPLICATIONS

__all__ = ["ci_target_options", "out_dir_option", "run_size_options"]

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _apply(*decorators: Decorator) -> Decorator:
    def wrap(f: Callable[..., Any]) -> Callable[..., Any]:
        for d in reversed(decorators):  # as if written top to bottom above the command
            f = d(f)
        return f

    return wrap


def out_dir_option(help: str) -> Decorator:
    """A required ``--out DIR`` (a directory; the command says what it holds)."""
    return click.option("--out", "out", required=True, type=click.Path(file_okay=False), help=help)


def run_size_options(days: str, days_default: str, replications: str, replications_default: str) -> Decorator:
    """``--days`` and ``--replications``/``-r``: what they count and where their defaults come from."""
    return _apply(
        click.option("--days", type=int, help=f"{days} ({DAYS.low}-{DAYS.high}). Default: {days_default}."),
        click.option(
            "--replications",
            "-r",
            type=int,
            help=f"{replications} ({REPLICATIONS.low}-{REPLICATIONS.high}). Default: {replications_default}.",
        ),
    )


def ci_target_options(target_help: str, kpi_help: str) -> Decorator:
    """``--ci-target PCT`` and the repeatable ``--ci-kpi KPI`` (the command says what it adds)."""
    return _apply(
        click.option("--ci-target", metavar="PCT", help=target_help),
        click.option("--ci-kpi", "ci_kpis", multiple=True, metavar="KPI", help=kpi_help),
    )

"""``gatesim optimise SPEC --out DIR`` and ``gatesim sensitivity SPEC --out DIR``.

Exit codes: 0 done, 2 bad input, 1 environment failure, 3 (optimise) no
configuration meets the constraints, 130 interrupted (run again to resume).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from gatesim.errors import InputError
from gatesim.limits import DAYS

__all__ = ["optimise_command", "sensitivity_command"]

EXIT_INFEASIBLE = 3
EVAL_DIR = "evaluations"


def _check_out(study, out: Path, workers, scheduler, force: bool) -> None:
    """Options and the study directory, checked before anything is written."""
    from gatesim.sweep.cli import check_executor

    check_executor(workers, scheduler)
    if out.exists() and not out.is_dir():
        raise InputError("not a directory", key="--out", given=str(out))
    from gatesim.outputs import check_not_input

    # its outputs (report.html, best.yaml, *.csv) are written into DIR: never over an input
    check_not_input(out, [study.file, study.base_file])
    if out.is_dir() and any(out.iterdir()) and not (out / EVAL_DIR).is_dir():
        raise InputError(
            "exists and is not a study directory (no evaluations/); its files would be overwritten",
            key="--out",
            given=str(out),
            allowed="a new or empty directory, or one this command wrote (resumed)",
        )
    if force and (out / EVAL_DIR).is_dir():
        shutil.rmtree(out / EVAL_DIR)


def _evaluator(study, out: Path, workers, scheduler, quiet: bool, force: bool, linked=None):
    from gatesim.decide.evaluate import Evaluator
    from gatesim.progress import Progress

    _check_out(study, out, workers, scheduler, force)
    out.mkdir(parents=True, exist_ok=True)
    bar: list = []

    def on_start(todo: int, skipped: int, label: str) -> None:
        if todo:
            bar.append(Progress(todo, f"{study.name}: {label}", quiet).__enter__())

    def on_done(task, result) -> None:
        if bar:
            bar[-1].advance(note=f"(failed: {result['error']})" if result["error"] else "")

    def on_batch_end() -> None:
        while bar:
            bar.pop().__exit__(None, None, None)

    return Evaluator(
        root=out / EVAL_DIR,
        base_name=study.base.name,
        base_file=study.base_file,
        resolved=study.resolved,
        days=study.days,
        seed=study.seed,
        identity=study.identity,
        hash=study.hash,
        workers=workers,
        scheduler=scheduler,
        on_start=on_start,
        on_done=on_done,
        on_batch_end=on_batch_end,
        linked=linked or {},
    )


def _common(f):
    f = click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")(f)
    f = click.option("--force", is_flag=True, help="Discard the evaluations already in DIR and start over.")(
        f
    )
    f = click.option(
        "--days",
        type=click.IntRange(int(DAYS.low), int(DAYS.high)),  # days are whole
        help="Days per run. Default: the file's, else the base scenario's.",
    )(f)
    f = click.option(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="Run on this dask.distributed scheduler (gatesim[cluster]).",
    )(f)
    f = click.option("--workers", "-j", type=int, help="Local worker processes. Default: all cores.")(f)
    f = click.option(
        "--out",
        "out",
        required=True,
        type=click.Path(file_okay=False),
        help="Output directory (resumed if it holds this study).",
    )(f)
    f = click.argument("spec", type=click.Path(dir_okay=False))(f)
    return f


def _interrupted(e) -> None:
    click.echo(f"\ngatesim: {e}", err=True)
    click.get_current_context().exit(130)


def _drive(run, study, ev):
    """``run(study, ev)``: Ctrl-C ends with exit 130 after the batch is recorded, an OS error exits 1."""
    from gatesim.sweep.runner import SweepInterrupted

    try:
        return run(study, ev)
    except SweepInterrupted as e:
        ev.on_batch_end()
        _interrupted(e)
    except OSError as e:
        click.echo(f"gatesim: error: {e}", err=True)
        click.get_current_context().exit(1)


@click.command("optimise")
@_common
def optimise_command(spec, out, workers, scheduler, days, force, quiet) -> None:
    """Find the cheapest (or best) configuration meeting KPI constraints, with repeated runs.

    Writes evaluations.csv (every candidate, replication and gate), candidates.csv,
    pareto.csv (cost vs the pareto KPI), best.yaml (runnable with `gatesim run`)
    and report.html. Exit status 3 when no configuration meets the constraints.
    See docs/decisions.md.
    """
    from gatesim.decide.optimise import optimise
    from gatesim.decide.optimise_out import closest, miss_words, params_words, verdict, write_outputs
    from gatesim.decide.spec import load_study

    study = load_study(spec, "optimise", days)
    outp = Path(out)
    linked = {k: list(d.also) for k, d in study.optimise_spec.decisions.items() if d.also}
    ev = _evaluator(study, outp, workers, scheduler, quiet, force, linked)
    where = f"dask scheduler {scheduler}" if scheduler else "local processes"
    click.echo(
        f"{study.name}: base {study.base.name}, {study.days} days per run, seed {study.seed}, on {where}",
        err=True,
    )
    result = _drive(optimise, study, ev)
    paths = write_outputs(result, outp)
    click.echo(f"{len(result.candidates)} candidates ({result.method}), {result.ran} runs made now")
    click.echo(verdict(result))
    click.echo("written: " + ", ".join(str(p) for p in paths.values()))
    if result.chosen is None:
        click.echo(
            "gatesim: no configuration meets the constraints; the closest (by how far they miss, "
            "misses within their noise by cost):",
            err=True,
        )
        for i, c in enumerate(closest(result), 1):
            click.echo(
                f"  {i}. candidate {c.index} ({params_words(c)}; cost {c.cost:g}) {miss_words(c)}", err=True
            )
        click.get_current_context().exit(EXIT_INFEASIBLE)


@click.command("sensitivity")
@_common
def sensitivity_command(spec, out, workers, scheduler, days, force, quiet) -> None:
    """Morris screening, then Sobol indices with bootstrap CIs (SALib), of KPIs to the parameters named.

    Writes indices.csv (parameter, kpi, method, index, ci_low, ci_high),
    evaluations.csv, a chart and report.html. See docs/decisions.md.
    """
    from gatesim.decide.sensitivity import run_sensitivity, write_sensitivity
    from gatesim.decide.spec import load_study

    study = load_study(spec, "sensitivity", days)
    outp = Path(out)
    linked = {k: list(r.also) for k, r in study.sensitivity_spec.parameters.items() if r.also}
    ev = _evaluator(study, outp, workers, scheduler, quiet, force, linked)
    res = _drive(run_sensitivity, study, ev)
    paths = write_sensitivity(res, outp)
    for w in res.warnings:
        click.echo(f"gatesim: warning: {w}", err=True)
    click.echo(res.text())
    click.echo("written: " + ", ".join(str(p) for p in paths.values()))

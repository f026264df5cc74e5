"""``gatesim sweep SPEC --out DIR``: run a parameter sweep, resumably, locally or on dask."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from gatesim.errors import InputError
from gatesim.limits import DAYS, REPLICATIONS, WORKERS
from gatesim.options import ci_target_options, out_dir_option, run_size_options

__all__ = ["check_executor", "command"]


def _interrupt_once():
    """Ctrl-C stops the sweep once; further presses (people press it again while the pool shuts
    down) are ignored, so the exit is not broken off with tracebacks after the message.
    Returns the previous handler (None when not in the main thread: nothing changed)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def first(signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    return signal.signal(signal.SIGINT, first)


def _check_memory(sweep, workers: int | None, scheduler: str | None) -> None:
    """Refuse a sweep whose biggest points would not fit in memory side by side (local workers)."""
    from gatesim.guard import check_memory

    def volume(p) -> float:
        g = p.scenario.growth
        return (
            sum(x.arrivals.per_day for x in p.scenario.gates.values())
            * g.volume_multiplier
            * (1.0 + g.per_year) ** (sweep.days / 365)
        )

    from gatesim.sweep.runner import usable_cores

    n = workers or usable_cores()
    concurrent = 1 if scheduler else max(1, min(n, len(sweep.points) * sweep.replications))
    for p in sorted(sweep.points, key=volume, reverse=True)[:3]:  # the biggest, by a cheap proxy
        check_memory(p.scenario, sweep.days, concurrent, what=f"point {p.index} of the sweep")


def check_executor(workers: int | None, scheduler: str | None) -> None:
    """``--workers`` (a local pool) and ``--scheduler`` (a dask cluster) are one or the other."""
    WORKERS.check("--workers", workers)
    if scheduler is not None and workers is not None:
        raise InputError(
            "--workers is for local runs; dask workers are set when starting them",
            key="--workers",
            given=workers,
        )


@click.command("sweep")
@click.argument("spec", type=click.Path(dir_okay=False))
@out_dir_option("Sweep directory (created, or resumed if it holds this sweep).")
@click.option("--workers", "-j", type=int, help="Local worker processes. Default: all cores.")
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    help="Run the tasks on this dask.distributed scheduler instead (needs gatesim[cluster]).",
)
@run_size_options(
    "Days per run",
    "the sweep file's days, else the base scenario's run.days",
    "Replications per point",
    "the sweep file's, else the base scenario's",
)
@click.option(
    "--keep-events", is_flag=True, help="Keep each task's Parquet event log in DIR/events/ (large)."
)
@click.option("--force", is_flag=True, help="Delete DIR first and start over.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@ci_target_options(
    "Then add replications to each point until each --ci-kpi's 95% half-width is within PCT "
    "of its mean at every gate (maximum 50 per point); writes precision.csv.",
    "KPI for --ci-target (default wait_mean_h).",
)
def command(
    spec, out, workers, scheduler, days, replications, keep_events, force, quiet, ci_target, ci_kpis
) -> None:
    """Run every (point, replication) of the sweep file SPEC; write results.csv and results_ci.csv.

    Replication r of every point uses seed (seed, r): points share common
    random numbers, as in `gatesim run`. Each task's result is saved as it
    ends; the same command again skips finished tasks (resume after Ctrl-C or
    a crash). See docs/sweeps.md.
    """
    from gatesim.sweep.precision import ci_options
    from gatesim.sweep.spec import load_sweep

    DAYS.check("--days", days)
    REPLICATIONS.check("--replications", replications)
    check_executor(workers, scheduler)
    target = ci_options(ci_target, ci_kpis)
    sweep = load_sweep(Path(spec), days=days, replications=replications)  # validates every point first
    _check_memory(sweep, workers, scheduler)
    where = f"dask scheduler {scheduler}" if scheduler else "local processes"
    click.echo(
        f"{sweep.base_name}: {len(sweep.points)} points x {sweep.replications} replications = "
        f"{len(sweep.points) * sweep.replications} tasks, {sweep.days} days each, seed {sweep.seed}, on {where}",
        err=True,
    )
    outcome = _run_shown(sweep, Path(out), workers, scheduler, keep_events, force, quiet)
    _say_outcome(outcome, sweep, Path(out))
    if target is not None and not outcome.lost:
        _extend(
            sweep, Path(out), target, list(ci_kpis) or ["wait_mean_h"], workers, scheduler, keep_events, quiet
        )
    click.echo(f"written: {Path(out) / 'results.csv'}, {Path(out) / 'results_ci.csv'}")
    if outcome.lost:
        click.echo(
            f"gatesim: error: {len(outcome.lost)} tasks could not run (executor failure); run the same command to retry them",
            err=True,
        )
        click.get_current_context().exit(1)


def _run_shown(sweep, out: Path, workers, scheduler, keep_events: bool, force: bool, quiet: bool):
    """The sweep with its progress bar; Ctrl-C (or an interrupted executor) ends in one line, exit 130."""
    from contextlib import ExitStack

    from gatesim.progress import Progress
    from gatesim.sweep.runner import SweepInterrupted, run_sweep

    bar: list[Progress] = []

    def on_start(todo: int, skipped: int) -> None:
        if skipped:
            click.echo(f"resuming: {skipped} tasks already done in {out}, {todo} to run", err=True)
        bar.append(shown.enter_context(Progress(todo, "sweep", quiet)))

    def on_done(task, result) -> None:
        failed = f"(point {task.point} rep {task.replication} failed: {result['error']})"
        bar[0].advance(note=failed if result["error"] else "")

    previous = _interrupt_once()
    try:
        with ExitStack() as shown:  # the bar ends before anything else is said
            return run_sweep(sweep, out, workers, scheduler, keep_events, force, on_start, on_done)
    except (SweepInterrupted, KeyboardInterrupt) as e:
        text = str(e) if isinstance(e, SweepInterrupted) else "interrupted; run the same command to resume"
        click.echo(f"\ngatesim: {text}", err=True)
        click.get_current_context().exit(130)
    finally:
        if previous is not None and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            signal.signal(signal.SIGINT, previous)


def _say_outcome(outcome, sweep, out: Path) -> None:
    """Damaged task files re-run, tasks run and skipped, the best and worst points, failures."""
    if outcome.damaged:
        click.echo(
            f"{len(outcome.damaged)} task files in {out / 'tasks'} were damaged (cut off or empty) "
            "and their tasks were run again",
            err=True,
        )
    click.echo(f"{outcome.ran} tasks run, {outcome.skipped} already done")
    if outcome.results is not None and len(outcome.results):
        from gatesim.sweep.best import best_worst, format_best_worst

        click.echo(format_best_worst(best_worst(outcome.results, list(sweep.param_names))))
    if outcome.failed:
        click.echo(f"{len(outcome.failed)} tasks failed: see the error column of results.csv", err=True)


def _extend(sweep, out: Path, target: float, kpis: list[str], workers, scheduler, keep_events, quiet) -> None:
    """--ci-target: more replications where needed (gatesim.sweep.to_precision)."""
    from gatesim.progress import Progress
    from gatesim.sweep.precision import DEFAULT_MAXIMUM as CI_MAX_REPLICATIONS
    from gatesim.sweep.runner import run_sweep
    from gatesim.sweep.to_precision import extend_to_precision

    def more(sub) -> None:
        bars: list[Progress] = []
        start = lambda todo, skipped: bars.append(Progress(todo, "more replications", quiet).__enter__())
        done = lambda task, result: bars[0].advance()
        try:
            o = run_sweep(sub, out, workers, scheduler, keep_events, False, start, done)
        finally:
            for b in bars:
                b.__exit__(None, None, None)
        if o.lost:
            raise OSError(
                f"{len(o.lost)} tasks could not run (executor failure); run the same command to retry them"
            )

    try:
        _, table = extend_to_precision(sweep, out, target, kpis, CI_MAX_REPLICATIONS, more)
    except OSError as e:
        click.echo(f"gatesim: error: {e}", err=True)
        click.get_current_context().exit(1)
    met = table.groupby("point")["met"].all()
    n = table.groupby("point")["n"].max()
    short = [int(p) for p in met.index if not met[p]]
    click.echo(
        f"ci-target {target:.1%}: {int(met.sum())} of {len(met)} points met it "
        f"({int(n.min())}-{int(n.max())} replications)"
        + (f"; points {short} reached the maximum of {CI_MAX_REPLICATIONS} without it" if short else "")
        + f"; see {out / 'precision.csv'}"
    )

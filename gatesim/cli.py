"""The ``gatesim`` command: thin parsing and printing around the library.

Exit codes: 0 success, 1 a failure of the environment (disk full, read-only) or
a bug, 2 bad input; each one line on stderr (``--debug`` shows a traceback).
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import os
import sys
from pathlib import Path

import click

from gatesim.errors import InputError, bad_input_line
from gatesim.limits import DAYS, FIT_SETS, FIT_WAVES, REPLICATIONS, SEED
from gatesim.options import ci_target_options, out_dir_option, run_size_options
from gatesim.version import __version__

__all__ = ["main"]

_CI_MAX = 50  # replications with --ci-target and no --replications (gatesim.sweep.precision)

# Commands defined in their own modules, imported only when called.
_LAZY = {
    "compare": "gatesim.compare.cli:command",
    "sweep": "gatesim.sweep.cli:command",
    "report": "gatesim.report.cli:command",
    "optimise": "gatesim.decide.cli:optimise_command",
    "sensitivity": "gatesim.decide.cli:sensitivity_command",
    "assess": "gatesim.trust.assess_cli:command",
    "answer": "gatesim.answer.cli:command",
    "revenue": "gatesim.trust.revenue:command",
    "validate": "gatesim.trust.holdout_cli:command",
    "app": "gatesim.app.cli:command",
}


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *(n for n in _LAZY if self._loadable(n))])

    @staticmethod
    def _loadable(name: str) -> bool:
        try:
            return importlib.util.find_spec(_LAZY[name].split(":")[0]) is not None
        except ModuleNotFoundError:
            return False

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in _LAZY and self._loadable(name):
            module, attr = _LAZY[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (InputError, click.UsageError) as e:
            # click prints usage errors over several lines; one line, like every bad input
            click.echo(bad_input_line(e), err=True)
            ctx.exit(2)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, BrokenPipeError):
            raise
        except Exception as e:  # noqa: BLE001 - the environment or a bug: one line, exit 1
            if _debug(ctx):
                raise
            click.echo(f"gatesim: error: {_failure_line(e)}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            if _debug(ctx):
                raise
            click.echo("\ngatesim: interrupted; nothing was changed", err=True)
            ctx.exit(130)


def _debug(ctx: click.Context) -> bool:
    return bool((ctx.obj or {}).get("debug")) or bool(os.environ.get("GATESIM_DEBUG"))


def _failure_line(e: BaseException) -> str:
    """One line for a failure that is not the input's: the system's reason, or a bug to report."""
    from gatesim.errors import EnvironmentFailure, os_reason

    if isinstance(e, EnvironmentFailure):
        return str(e)
    if isinstance(e, OSError):
        return os_reason(e)
    if isinstance(e, MemoryError):
        return "out of memory; try fewer --days or --replications, or a smaller scenario"
    msg = " ".join(str(e).split())[:200]
    return (
        f"internal error ({type(e).__name__}: {msg}); run with --debug for the traceback and please report it"
    )


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gatesim")
@click.option("--debug", is_flag=True, help="Show the Python traceback of a failure (for bug reports).")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Simulate freight trucks through Lạng Sơn's border gates (Tân Thanh, Hữu Nghị, Cốc Nam, Chi Ma)."""
    ctx.ensure_object(dict)["debug"] = debug
    if not _debug(ctx):
        # numpy's RuntimeWarnings (a mean of no values, an overflow) are not the user's to read:
        # the inputs that cause them are refused by the checks; here and in worker processes
        import warnings

        warnings.filterwarnings("ignore", category=RuntimeWarning)
        os.environ.setdefault("PYTHONWARNINGS", "ignore::RuntimeWarning")


def _load(path: str, overrides: tuple[str, ...]):
    from gatesim.scenario.load import load_scenario

    return load_scenario(Path(path), overrides)


@main.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
@run_size_options(
    "Days to simulate after warm-up",
    "the scenario's run.days",
    "Independent replications",
    "run.replications",
)
@click.option(
    "--seed", type=int, help="Base seed (integer >= 0); replication r uses streams spawned from (seed, r)."
)
@click.option(
    "--out", "out", type=click.Path(file_okay=False), help="Output directory. Default: runs/<scenario name>."
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY.PATH=VALUE",
    help="Override a scenario value, e.g. gates.tan_thanh.stages.road.lanes=8. Repeatable.",
)
@click.option(
    "--name",
    "run_name",
    help="Name of the run (letters, digits, _ . -). Default: the scenario's name, plus what --set changed.",
)
@click.option("--force", is_flag=True, help="Replace an existing output directory.")
@click.option(
    "--no-events", is_flag=True, help="Do not keep the Parquet event logs (replay and state need them)."
)
@click.option(
    "--report", "make_report", is_flag=True, help="Also write report.html into the output directory."
)
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@click.option(
    "--engine",
    type=click.Choice(["auto", "kernel", "fast", "reference"]),
    default="auto",
    show_default=True,
    help="kernel: the compiled FIFO kernel (scenarios without priority, patience, surge, automated "
    "lane or route buffer; a corridor's gates, its decisions on SimPy); fast: the SimPy "
    "booking engine (every scenario); reference: the plain-SimPy twin (slower; for checking and trying "
    "rules); auto: kernel where it can, else fast. All write the same outputs.",
)
@ci_target_options(
    "Add replications until each --ci-kpi's 95% CI half-width is within PCT of its mean "
    "at every gate (e.g. 5%); --replications is then the maximum (default 50).",
    "KPI for --ci-target (repeatable; default wait_mean_h).",
)
def run(
    scenarios,
    days,
    replications,
    seed,
    out,
    overrides,
    run_name,
    force,
    no_events,
    make_report,
    quiet,
    engine,
    ci_target,
    ci_kpis,
) -> None:
    """Run SCENARIO file(s); write summary.csv, summary_ci.csv, timeseries.csv, event logs.

    Times are in hours (sim time 0 = 00:00 Hanoi time on the first warm-up day),
    money in VND or USD as the column names say. With several scenarios, each
    goes into its own subfolder of --out, all with the same seeds (common
    random numbers), so their comparison is paired.
    """
    from gatesim.naming import renamed
    from gatesim.outputs import atomic_dir
    from gatesim.progress import Progress
    from gatesim.rundir import run_into
    from gatesim.textreport import format_run

    DAYS.check("--days", days)
    REPLICATIONS.check("--replications", replications)
    SEED.check("--seed", seed)
    target_rel = _ci_target(ci_target, ci_kpis)
    loaded = [(_load(p, overrides)) for p in scenarios]  # validate all before running any
    loaded = [renamed(s, r, overrides, run_name, len(loaded)) for s, r in loaded]
    names = [s.name for s, _ in loaded]
    say = _Stdout()
    if len(set(names)) != len(names):
        raise InputError("two scenario files have the same name", key="name", given=names)
    from gatesim.outputs import check_safe_name

    for n in names:  # each becomes a folder name: it must not escape --out
        check_safe_name(n)
    from gatesim.guard import check_memory

    for scenario, _ in loaded:  # before anything is written: refuse what cannot fit in memory
        check_memory(scenario, days or scenario.run.days, what=f"{scenario.name}")
    target = Path(out) if out else Path("runs") / (names[0] if len(loaded) == 1 else "multi")
    with atomic_dir(target, force, inputs=scenarios) as tmp:
        for scenario, resolved in loaded:
            root = tmp if len(loaded) == 1 else tmp / scenario.name
            root.mkdir(exist_ok=True)
            reps = replications or (_CI_MAX if target_rel else scenario.run.replications)
            rule = _ci_rule(target_rel, ci_kpis, reps)
            with Progress(reps, f"{scenario.name}: replications", quiet) as bar:
                result = run_into(
                    root,
                    scenario,
                    resolved,
                    days,
                    reps if rule else replications,
                    seed,
                    keep_events=not no_events,
                    on_progress=lambda d, t: bar.advance(),
                    engine=engine,
                    until=rule,
                    on_day=bar.step,
                )
            say(
                f"\n{scenario.name}: {result.days} days x {result.replications} replications, "
                f"seed {result.seed}, {result.wall_s:.1f} s"
            )
            names_by_gate = {gid: g.name for gid, g in scenario.gates.items()}
            say(format_run(result.summary, names_by_gate, dict(scenario.targets.revenue_2026_vnd)))
            _after_run(root, result, rule, names_by_gate)
        if len(loaded) > 1:
            from gatesim.outputs import write_json

            write_json(
                tmp / "manifest.json", {"complete": True, "scenarios": names, "gatesim_version": __version__}
            )
    if make_report:
        from gatesim.report.cli import build_report

        page = build_report(target)
        say(f"report: {page}")
    say(f"\nwritten: {target}")
    if say.closed:  # e.g. `gatesim run ... | head -1`: the run itself is complete
        click.echo(f"gatesim: standard output was closed early; the run is complete: {target}", err=True)


BASELINE = Path("scenarios") / "baseline_2026.yaml"


def default_scenario() -> Path:
    """The baseline of the current directory if it has one, else the one beside the package."""
    if BASELINE.is_file():
        return BASELINE
    shipped = Path(__file__).resolve().parents[1] / BASELINE
    if shipped.is_file():
        return shipped
    raise InputError(
        "no scenario given and no baseline found", given=str(BASELINE), allowed="a scenario file"
    )


class _Stdout:
    """``click.echo`` that survives a closed pipe (``| head``): further output is dropped, the run goes on."""

    def __init__(self) -> None:
        self.closed = False

    def __call__(self, text: str) -> None:
        if self.closed:
            return
        try:
            click.echo(text)
        except BrokenPipeError:
            import os

            self.closed = True
            # Python would report the failed flush again at exit: point stdout at /dev/null instead.
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError):  # stdout without a file descriptor (tests)
                pass
            finally:
                os.close(devnull)


def _ci_target(ci_target: str | None, ci_kpis: tuple[str, ...]) -> float | None:
    from gatesim.sweep.precision import ci_options

    return ci_options(ci_target, ci_kpis)


def _ci_rule(target: float | None, ci_kpis: tuple[str, ...], maximum: int):
    if target is None:
        return None
    from gatesim.sweep.precision import PrecisionRule

    return PrecisionRule(target, list(ci_kpis) or ["wait_mean_h"], maximum)


def _after_run(root: Path, result, rule, names_by_gate: dict[str, str]) -> None:
    """The --ci-target verdict (and precision.csv), and the MSER-5 warm-up warnings."""
    from gatesim.decide.warmup import check_warmup

    if rule is not None:
        from gatesim.outputs import write_csv

        write_csv(root / "precision.csv", rule.table)
        click.echo(rule.text(result.replications))
    for check in check_warmup(result.timeseries, result.scenario.calendar.warmup_days):
        if check.short:
            click.echo(f"gatesim: {check.warning(names_by_gate.get(check.gate, check.gate))}", err=True)


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@out_dir_option("Directory for the recomputed tables.")
@click.option("--force", is_flag=True, help="Replace an existing output directory.")
def replay(run_dir, out, force) -> None:
    """Recompute summary.csv, summary_ci.csv and timeseries.csv from RUN_DIR's event logs alone."""
    from gatesim.outputs import atomic_dir, write_json
    from gatesim.rundir import event_files, read_manifest, replay_dir

    event_files(Path(run_dir))  # fail before creating anything
    source = read_manifest(Path(run_dir))
    with atomic_dir(Path(out), force, inputs=[run_dir]) as tmp:
        replay_dir(Path(run_dir), tmp)
        # a manifest marks the directory as gatesim's: a later --force may replace it
        write_json(
            tmp / "manifest.json",
            {
                "complete": True,
                "replay_of": str(Path(run_dir).resolve()),
                "gatesim_version": __version__,
                "output_schema_version": source.get("output_schema_version"),
            },
        )
    click.echo(f"written: {out}")


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--at", "at", required=True, help='Hanoi local time, "YYYY-MM-DD HH:MM".')
@click.option("--replication", default=0, show_default=True, type=int, help="Which replication's log.")
def state(run_dir, at, replication) -> None:
    """Trucks waiting and in service at each stage of each gate at one instant."""
    import pandas as pd

    from gatesim.projections.state import state_at
    from gatesim.rundir import event_files, load_log

    files = event_files(Path(run_dir))
    if not 0 <= replication < len(files):
        raise InputError(
            "no such replication", key="--replication", given=replication, allowed=f"0 to {len(files) - 1}"
        )
    try:
        when = dt.datetime.fromisoformat(at)
    except ValueError:
        raise InputError("not a date-time", key="--at", given=at, allowed='"YYYY-MM-DD HH:MM"') from None
    if when.tzinfo is not None:  # a time with its zone: the same instant in Hanoi time (UTC+7)
        when = when.astimezone(dt.timezone(dt.timedelta(hours=7))).replace(tzinfo=None)
    log = load_log(files[replication])
    try:
        t0 = dt.datetime.fromisoformat(str(log.meta["t0"])).replace(tzinfo=None)
    except ValueError:
        raise InputError("event log metadata: t0 is not a date-time", file=str(files[replication])) from None
    t_h = (when - t0).total_seconds() / 3600
    last_h = log.meta.get("horizon_h", log.meta["window_end_h"])  # drain included
    if not 0 <= t_h <= last_h:
        end = t0 + dt.timedelta(hours=last_h)
        raise InputError(
            "outside the simulated period",
            key="--at",
            given=at,
            allowed=f"{t0:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}",
        )
    table = state_at(log, t_h)
    with pd.option_context("display.max_rows", 500, "display.width", 120):
        click.echo(f"state at {when:%Y-%m-%d %H:%M} Hanoi time (t = {t_h:.2f} h), replication {replication}")
        click.echo(table.to_string(index=False))


@main.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--replications",
    "-r",
    type=int,
    default=None,
    help=f"Replications ({REPLICATIONS.low}-{REPLICATIONS.high}; default 5); with --fit: per parameter set (3-{REPLICATIONS.high}; default 3).",
)
@click.option("--seed", type=int, help="Base seed (integer >= 0). Default: the scenario's run.seed.")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    default="calibration.csv",
    show_default=True,
    help="CSV file for the table.",
)
@click.option(
    "--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE", help="Override a scenario value."
)
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@click.option(
    "--fit",
    "fit_dir",
    type=click.Path(file_okay=False),
    help="History matching over the priors into this directory (docs/calibration.md).",
)
@click.option(
    "--sets",
    type=int,
    default=150,
    show_default=True,
    help=f"With --fit: parameter sets per wave ({FIT_SETS.low}-{FIT_SETS.high}).",
)
@click.option(
    "--waves",
    type=int,
    default=2,
    show_default=True,
    help=f"With --fit: waves ({FIT_WAVES.low}-{FIT_WAVES.high}).",
)
@click.option("--workers", "-j", type=int, help="With --fit: local worker processes. Default: all cores.")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="With --fit: run on this dask scheduler.")
@click.option(
    "--force",
    is_flag=True,
    help="Replace an existing --out calibration CSV (only one gatesim wrote); with --fit: a directory holding another fit.",
)
def calibrate(
    scenario, replications, seed, out, overrides, quiet, fit_dir, sets, waves, workers, scheduler, force
) -> None:
    """Each seed figure beside the model's value over the same period (mean, 95% CI, ratio).

    With --fit DIR: waves of history matching over SCENARIO's priors file
    (<scenario>.priors.yaml) against seeds/congestion_targets.yaml; writes the
    plausible ensemble and calibration.md into DIR. -r is then the number of
    replications of each parameter set (its own simulation sd).

    SCENARIO defaults to scenarios/baseline_2026.yaml of the current directory, else the
    baseline shipped beside gatesim (so that it works from any directory).
    """
    from gatesim.calibrate import calibration_table, format_calibration, load_figures
    from gatesim.outputs import write_csv

    SEED.check("--seed", seed)
    if fit_dir is None:  # options of --fit alone do nothing without it: said, not ignored
        _refuse_without("--fit", ["sets", "waves", "workers", "scheduler"])
    if fit_dir is not None:
        from gatesim.calibrate import fit_command

        return fit_command(
            scenario or str(default_scenario()),
            overrides,
            fit_dir,
            sets,
            waves,
            replications,
            seed,
            workers,
            scheduler,
            force,
            quiet,
        )

    replications = 5 if replications is None else replications
    REPLICATIONS.check("--replications", replications)
    from gatesim.calibrate import FIGURES_PATH, check_calibration_out

    scenario_file = scenario or str(default_scenario())
    check_calibration_out(Path(out), force, [scenario_file, FIGURES_PATH])  # before any work
    sc, _ = _load(scenario_file, overrides)
    figures = load_figures()
    table = calibration_table(sc, figures, replications, seed, quiet=quiet)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    write_csv(Path(out), table)
    click.echo(format_calibration(table))
    click.echo(f"\nwritten: {out}")


def _refuse_without(needed: str, names: list[str]) -> None:
    """Refuse an option given on the command line that does something only with ``needed``."""
    ctx = click.get_current_context()
    for name in names:
        if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE:
            raise InputError(
                f"works only with {needed}", key=f"--{name}", allowed=f"{needed} DIR, or leave it out"
            )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

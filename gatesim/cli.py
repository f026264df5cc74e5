"""The ``gatesim`` command: thin parsing and printing around the library.

Exit codes: 0 success, 1 a bug (with traceback), 2 bad input (one line).
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import sys
from pathlib import Path

import click

from gatesim import __version__
from gatesim.errors import InputError

__all__ = ["main"]

MAX_DAYS = 3660
MAX_REPLICATIONS = 1000

# Commands defined in their own modules, imported only when called.
_LAZY = {
    "compare": "gatesim.compare.cli:command",
    "sweep": "gatesim.sweep.cli:command",
    "report": "gatesim.report.cli:command",
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
        except InputError as e:
            click.echo(f"gatesim: error: {e}", err=True)
            ctx.exit(2)
        except click.UsageError as e:
            # click prints usage errors over several lines; one line, like every bad input
            click.echo(f"gatesim: error: {e.format_message()}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gatesim")
def main() -> None:
    """Simulate freight trucks through Lạng Sơn's border gates (Tân Thanh, Hữu Nghị, Cốc Nam)."""


def check_range(name: str, value: int | None, lo: int, hi: int) -> None:
    if value is not None and not lo <= value <= hi:
        raise InputError("out of range", key=name, given=value, allowed=f"{lo} to {hi}")


def _load(path: str, overrides: tuple[str, ...]):
    from gatesim.scenario.load import load_scenario

    return load_scenario(Path(path), overrides)


@main.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--days", type=int, help="Days to simulate after warm-up (1-3660). Default: the scenario's run.days."
)
@click.option(
    "--replications", "-r", type=int, help="Independent replications (1-1000). Default: run.replications."
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
def run(  # noqa: PLR0913 - one parameter per option
    scenarios, days, replications, seed, out, overrides, run_name, force, no_events, make_report, quiet
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

    check_range("--days", days, 1, MAX_DAYS)
    check_range("--replications", replications, 1, MAX_REPLICATIONS)
    check_range("--seed", seed, 0, 2**63 - 1)
    loaded = [(_load(p, overrides)) for p in scenarios]  # validate all before running any
    loaded = [renamed(s, r, overrides, run_name, len(loaded)) for s, r in loaded]
    names = [s.name for s, _ in loaded]
    say = _Stdout()
    if len(set(names)) != len(names):
        raise InputError("two scenario files have the same name", key="name", given=names)
    target = Path(out) if out else Path("runs") / (names[0] if len(loaded) == 1 else "multi")
    with atomic_dir(target, force) as tmp:
        for scenario, resolved in loaded:
            root = tmp if len(loaded) == 1 else tmp / scenario.name
            root.mkdir(exist_ok=True)
            reps = replications or scenario.run.replications
            with Progress(reps, f"{scenario.name}: replications", quiet) as bar:
                result = run_into(
                    root,
                    scenario,
                    resolved,
                    days,
                    replications,
                    seed,
                    keep_events=not no_events,
                    on_progress=lambda d, t: bar.advance(),
                    on_day=bar.step,
                )
            say(
                f"\n{scenario.name}: {result.days} days x {result.replications} replications, "
                f"seed {result.seed}, {result.wall_s:.1f} s"
            )
            names_by_gate = {gid: g.name for gid, g in scenario.gates.items()}
            say(format_run(result.summary, names_by_gate, dict(scenario.targets.revenue_2026_vnd)))
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


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory for the recomputed tables.",
)
@click.option("--force", is_flag=True, help="Replace an existing output directory.")
def replay(run_dir, out, force) -> None:
    """Recompute summary.csv, summary_ci.csv and timeseries.csv from RUN_DIR's event logs alone."""
    from gatesim.outputs import atomic_dir
    from gatesim.rundir import event_files, replay_dir

    event_files(Path(run_dir))  # fail before creating anything
    with atomic_dir(Path(out), force) as tmp:
        replay_dir(Path(run_dir), tmp)
    click.echo(f"written: {out}")


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--at", "at", required=True, help='Hanoi local time, "YYYY-MM-DD HH:MM".')
@click.option("--replication", default=0, show_default=True, type=int, help="Which replication's log.")
def state(run_dir, at, replication) -> None:
    """Trucks waiting and in service at each stage of each gate at one instant."""
    import pandas as pd

    from gatesim.events.store import read_log
    from gatesim.projections.state import state_at
    from gatesim.rundir import event_files

    files = event_files(Path(run_dir))
    if not 0 <= replication < len(files):
        raise InputError(
            "no such replication", key="--replication", given=replication, allowed=f"0 to {len(files) - 1}"
        )
    try:
        when = dt.datetime.fromisoformat(at)
    except ValueError:
        raise InputError("not a date-time", key="--at", given=at, allowed='"YYYY-MM-DD HH:MM"') from None
    log = read_log(files[replication])
    t0 = dt.datetime.fromisoformat(log.meta["t0"])
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
@click.option("--replications", "-r", type=int, default=5, show_default=True, help="Replications (1-1000).")
@click.option("--seed", type=int, help="Base seed. Default: the scenario's run.seed.")
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
def calibrate(scenario, replications, seed, out, overrides, quiet) -> None:
    """Each seed figure beside the model's value over the same period (mean, 95% CI, ratio).

    SCENARIO defaults to scenarios/baseline_2026.yaml of the current directory, else the
    baseline shipped beside gatesim (so that it works from any directory).
    """
    from gatesim.calibrate import calibration_table, format_calibration, load_figures
    from gatesim.outputs import write_csv

    check_range("--replications", replications, 1, MAX_REPLICATIONS)
    sc, _ = _load(scenario or str(default_scenario()), overrides)
    figures = load_figures()
    table = calibration_table(sc, figures, replications, seed, quiet=quiet)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    write_csv(Path(out), table)
    click.echo(format_calibration(table))
    click.echo(f"\nwritten: {out}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``gatesim validate ENSEMBLE PERIOD... --out DIR``: the plausible worlds predict held-out periods.

For each historical period of ``seeds/regimes.yaml`` (its scenario: the baseline's structure, the
period's volumes, its regimes), every chosen world of the ensemble is run and measured at the
period's published points (:mod:`gatesim.trust.holdout`); the scores are the 90% band's coverage
and the error in changes (:mod:`gatesim.trust.holdout_score`). Everything is checked before a
directory is created; a refusal writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from gatesim.errors import InputError
from gatesim.limits import ASSESS_DAYS, ASSESS_REPLICATIONS, SEED, WORKERS, WORLDS

__all__ = ["command"]

DEFAULT_WORLDS = 40  # as many members as the fit's own held-out predictions use (docs/calibration.md)


def format_scores(summary: pd.DataFrame) -> str:
    """One line per period: coverage and the error in changes beside the changes' own size."""
    lines = []
    for _, r in summary.iterrows():
        cov = f"{r['inside_band']}/{r['points_held_out']} held-out points inside the 90% band"
        if r["changes"]:
            ch = (
                f"changes: mean abs error {r['change_mae']:.0f} vehicles against published changes of "
                f"{r['published_change_mean_abs']:.0f} on average ({r['changes']} change{'s' if r['changes'] > 1 else ''})"
            )
        else:
            ch = "no change between published points to compare"
        failed = f", {r['worlds_failed']} failed" if r["worlds_failed"] else ""
        lines.append(f"{r['period']}: {cov}; {ch}; {r['worlds_ok']} worlds{failed}")
    return "\n".join(lines)


def _check_out(out: str) -> Path:
    """``--out``: new, empty, or a previous validation's directory (its runs are resumed when
    their identity is this one's, else refused by the sweep runner)."""
    from gatesim.resumable import check_resumable

    p = Path(out)
    empty = p.is_dir() and not any(p.iterdir())
    held: dict | None = {} if (p / "runs").is_dir() else None
    check_resumable(
        p, key="--out", kind="validation", held=held, same=True, empty=empty, force=False, differs=""
    )
    return p


@click.command("validate")
@click.argument("ensemble", type=click.Path(dir_okay=False))
@click.argument("periods", nargs=-1, required=True)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Output directory.")
@click.option(
    "--worlds",
    type=int,
    default=DEFAULT_WORLDS,
    show_default=True,
    help=f"Plausible sets spread evenly over the ensemble ({WORLDS.low}-{WORLDS.high}).",
)
@click.option("--replications", "-r", type=int, default=2, show_default=True, help="Replications per world.")
@click.option("--days", type=int, help="Simulate only the period's first N days. Default: the whole period.")
@click.option("--seed", type=int, help="Base seed (integer >= 0). Default: the baseline's run.seed.")
@click.option("--regimes", type=click.Path(dir_okay=False), help="Regimes file. Default: seeds/regimes.yaml.")
@click.option(
    "--bulletins", type=click.Path(dir_okay=False), help="Bulletins file. Default: seeds/bulletins.csv."
)
@click.option("--workers", "-j", type=int, help="Local worker processes. Default: all cores.")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Run the tasks on this dask scheduler.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
def command(
    ensemble, periods, out, worlds, replications, days, seed, regimes, bulletins, workers, scheduler, quiet
):
    """Predict the published series of historical PERIODS with the plausible worlds of ENSEMBLE.

    ENSEMBLE is an ensemble.csv fitted on the baseline (the shipped one on targets of 2025-26
    run with 2026 rules, so every period of seeds/regimes.yaml is out of sample for it). Writes scores.csv (per period: the share of held-out
    published points inside the worlds' 5-95% band, the mean absolute error of the median's
    changes between successive published points beside the published changes' mean size),
    points.csv, changes.csv, days.csv (each series' band on every day, for charts), worlds.csv
    (every world, replication and point; failed worlds with their error) and runs/ (task files:
    a rerun resumes). See docs/validation.md.
    """
    from gatesim.evidence.bulletins import load_bulletins
    from gatesim.evidence.history import historical_scenario
    from gatesim.evidence.regimes import BASELINE_PATH, load_regimes
    from gatesim.outputs import write_csv
    from gatesim.scenario.load import load_scenario
    from gatesim.trust.assess import check_base
    from gatesim.trust.checks import check_ensemble, check_worlds
    from gatesim.trust.ensemble import load_ensemble
    from gatesim.trust.evaluate import Runner
    from gatesim.trust.holdout import HELD_OUT, published_points, run_period, scores, track_bands, tracks
    from gatesim.trust.priors import default_priors_path, load_priors

    SEED.check("--seed", seed)
    WORLDS.check("--worlds", worlds)
    ASSESS_DAYS.check("--days", days)
    ASSESS_REPLICATIONS.check("--replications", replications)
    WORKERS.check("--workers", workers)
    out_dir = _check_out(out)
    reg = load_regimes(regimes)
    rows = load_bulletins(bulletins) if bulletins else load_bulletins()
    plan = []
    for name in dict.fromkeys(periods):
        if name not in reg.periods:
            raise InputError("no such period", file=reg.file, given=name, allowed=", ".join(reg.periods))
        p = reg.periods[name]
        if days is not None and days > p.days:
            raise InputError(f"period {name} has {p.days} days", key="--days", given=days)
        points = published_points(name, p, rows, reg.file, days)
        if not any(x.role == HELD_OUT for x in points):
            raise InputError(
                f"period {name} has no published count left out of its inputs"
                + (f" in its first {days} days" if days else ""),
                file=reg.file,
                key=f"periods.{name}",
                allowed="a period with a held-out count of vehicles waiting or cleared in seeds/bulletins.csv",
            )
        plan.append((name, p, points))
    ens = load_ensemble(ensemble)
    base_sc, base_res = load_scenario(BASELINE_PATH)
    priors = load_priors(default_priors_path(BASELINE_PATH), base_sc, base_res)
    check_base(ens, base_res, str(BASELINE_PATH), priors)
    check_worlds(ens, worlds, lambda m: click.echo(m, err=True))
    chosen = ens.worlds(priors, worlds)
    check_ensemble(ens, priors, base_res, chosen)
    scenarios = {name: historical_scenario(name, reg, BASELINE_PATH)[1] for name, _, _ in plan}
    seed = base_sc.run.seed if seed is None else seed
    runner = Runner(workers, scheduler, quiet)
    tables, changes, summaries, values, bands = [], [], [], [], []
    for name, p, points in plan:
        n = days or p.days
        click.echo(
            f"validate {name}: {len(chosen)} worlds x {replications} replications, {n} days "
            f"(+{p.warmup_days} warm-up), {len(points)} published points",
            err=True,
        )
        track = tracks(points, p.start, n)
        try:
            v = run_period(
                name,
                scenarios[name],
                base_res,
                priors,
                chosen,
                points,
                track,
                n,
                replications,
                seed,
                out_dir / "runs" / name,
                runner,
                lambda m: click.echo(m, err=True),
            )
        except InputError as e:
            if e.key != "--out":
                raise
            raise InputError(
                "holds the runs of another validation (worlds, days, replications, seed or the period differ)",
                key="--out",
                given=out,
                allowed="the same options to resume it, or another directory",
            ) from None
        table, ch, summary = scores(name, points, v, replications)
        tables.append(table)
        changes.append(ch)
        summaries.append(summary)
        values.append(v.assign(period=name))
        bands.append(track_bands(name, track, v, replications))
    summary_df = pd.DataFrame(summaries)
    write_csv(out_dir / "points.csv", pd.concat(tables, ignore_index=True))
    write_csv(out_dir / "changes.csv", pd.concat(changes, ignore_index=True))
    write_csv(out_dir / "worlds.csv", pd.concat(values, ignore_index=True))
    write_csv(out_dir / "days.csv", pd.concat(bands, ignore_index=True))
    write_csv(out_dir / "scores.csv", summary_df)
    click.echo(format_scores(summary_df))
    click.echo(f"written: {out_dir / 'scores.csv'}, points.csv, changes.csv, days.csv, worlds.csv")

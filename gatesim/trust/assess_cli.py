"""``gatesim assess ENSEMBLE BASE PROPOSAL... --out DIR``: proposals across plausible worlds."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import click
import numpy as np
import pandas as pd

from gatesim.errors import InputError
from gatesim.limits import ASSESS_DAYS, ASSESS_REPLICATIONS, SEED, WORKERS, WORLDS

__all__ = ["command", "effects_markdown", "prepare_out_dir"]


def paired_bases(base, variants: list) -> tuple[list, dict[str, str]]:
    """(extra base variants to run, proposal name -> the variant it is paired against).

    A proposal that changes the context too (growth, season) is paired against
    the root base with that context (:mod:`gatesim.compare.pairing`); a base
    that is itself one of the proposals is run once.
    """
    from gatesim.compare.pairing import own_base
    from gatesim.trust.assess import BASE, Variant

    extra: list = []
    pairs: dict[str, str] = {}
    names = {v.name for v in variants}
    for v in variants:
        own = own_base(v.resolved, v.file, base.resolved, base.file)
        if own.resolved is None:
            pairs[v.name] = BASE
            continue
        if own.name not in names and own.name not in [e.name for e in extra]:
            extra.append(Variant(own.name, own.file, own.resolved))
        pairs[v.name] = own.name
    return extra, pairs


def depends_on(per_world: pd.DataFrame, worlds: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Per (proposal, gate, kpi): the parameter whose value ranks the effect across worlds best (Spearman)."""
    from scipy.stats import spearmanr

    rows = []
    w = worlds.set_index("set_id")
    for (p, g, k), grp in per_world.groupby(["proposal", "gate", "kpi"], sort=False):
        e = grp.set_index("world")["effect"]
        best, best_r = "", 0.0
        if e.notna().sum() >= 5 and e.std() > 0:
            for n in names:
                x = w.loc[e.index, n]
                if not np.issubdtype(np.asarray(x).dtype, np.number):
                    x = pd.Series(pd.factorize(x)[0], index=x.index)
                if np.std(x.to_numpy(float)) == 0:
                    continue
                r = spearmanr(x.to_numpy(float), e.to_numpy(float), nan_policy="omit").statistic
                if np.isfinite(r) and abs(r) > abs(best_r):
                    best, best_r = n, float(r)
        rows.append({"proposal": p, "gate": g, "kpi": k, "depends_on": best, "spearman": best_r})
    return pd.DataFrame(rows)


def format_effects(eff: pd.DataFrame, kpis: list[str]) -> str:
    lines = []
    for (p, g), grp in eff[eff["kpi"].isin(kpis)].groupby(["proposal", "gate"], sort=False):
        lines.append(f"{p} @ {g}")
        for _, r in grp.iterrows():
            tag = r["verdict"] + (f", {r['size']}" if r.get("size") else "")
            if r.get("worlds_left_out"):
                tag += f"; {int(r['worlds_left_out'])} saturated worlds left out"
            dep = (
                f"; depends most on {r['depends_on']} (rho {r['spearman']:+.2f})"
                if r.get("depends_on")
                else ""
            )
            lines.append(
                f"  {r['kpi']:<20} median {r['effect_median']:+.4g} [5-95%: {r['effect_p05']:+.4g} .. {r['effect_p95']:+.4g}]"
                f" same sign in {r['same_sign_share']:.0%} of {r['worlds']} worlds, within-world ±{r['within_world_ci95_half']:.3g}"
                f" ({tag}{dep})"
            )
    return "\n".join(lines)


def effects_markdown(eff: pd.DataFrame, kpis: list[str], gates: dict[str, str] | None = None) -> str:
    """A Markdown table of ``effects.csv`` rows for ``kpis`` (rows with no effect in any world left out).

    Values are in the registry's shown units (its scale), headed by its short labels.
    """
    from gatesim.projections import registry
    from gatesim.trust.page import fmt_number

    rows = eff[eff["kpi"].isin(kpis) & (eff["verdict"] != "no effect")]
    lines = [
        "| proposal | gate | KPI | base: median over worlds | effect: median [5%, 95%] over worlds "
        "| same sign | within-world ±95% | verdict | depends most on |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in rows.iterrows():
        k, sc = r["kpi"], registry.scale(r["kpi"])
        dep = r.get("depends_on")
        dep = f"{dep} (ρ {r['spearman']:+.2f})" if isinstance(dep, str) and dep else "-"
        gate = (gates or {}).get(r["gate"], r["gate"])
        lines.append(
            f"| `{r['proposal']}` | {gate} | {registry.short(k)} | {fmt_number(r['base_median'] * sc)} | "
            f"{r['effect_median'] * sc:+.3g} [{r['effect_p05'] * sc:+.3g}, {r['effect_p95'] * sc:+.3g}] | "
            f"{r['same_sign_share']:.0%} of {int(r['worlds'])} | {fmt_number(r['within_world_ci95_half'] * sc)} | "
            f"{r['verdict']} | {dep} |"
        )
    return "\n".join(lines)


def _check_ranges(worlds, days, replications, workers, seed=None) -> None:
    SEED.check("--seed", seed)
    WORLDS.check("--worlds", worlds)
    ASSESS_DAYS.check("--days", days)
    ASSESS_REPLICATIONS.check("--replications", replications)
    WORKERS.check("--workers", workers)


def _load_variants(proposals, base_sc) -> list:
    """The proposals as variants: distinct names (not 'base'), the same gates as BASE."""
    from gatesim.scenario.load import load_scenario
    from gatesim.trust.assess import BASE, Variant

    variants: list[Variant] = []
    for p in proposals:
        sc, res = load_scenario(Path(p))
        if sc.name == BASE or sc.name in [v.name for v in variants]:
            raise InputError(
                "two proposals have the same name (or the name 'base')", file=p, key="name", given=sc.name
            )
        if set(sc.gates) != set(base_sc.gates):
            raise InputError(
                "proposal's gates differ from BASE's", file=p, key="gates", given=sorted(sc.gates)
            )
        variants.append(Variant(sc.name, p, res))
    return variants


def remove_empty_dirs(root: Path) -> None:
    """Remove ``root`` and its sub-folders if they hold no file at all (nothing of anyone's is lost)."""
    if not root.is_dir() or any(p.is_file() or p.is_symlink() for p in root.rglob("*")):
        return
    for folder in sorted(
        (p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True
    ):
        folder.rmdir()
    root.rmdir()


@contextlib.contextmanager
def no_empty_out(out_dir: Path, existed: bool) -> Iterator[None]:
    """A failure (a silent dask scheduler, a full disk) before any task was kept leaves no empty
    ``--out`` behind when the command made it; an interruption keeps what it has, to resume."""
    from gatesim.sweep.runner import SweepInterrupted  # the runner is imported when a command runs

    try:
        yield
    except SweepInterrupted:
        raise
    except Exception:
        if not existed:
            remove_empty_dirs(out_dir)
        raise


def prepare_out_dir(out: str, force: bool) -> Path:
    """``--out``: new, or an assessment's directory (resumed; replaced with ``--force``).

    ``--force`` deletes nothing here: the sweep runner builds the new runs in a
    hidden sibling of ``runs/`` and swaps them in once complete (the old
    assessment stays whole until then); effects.csv files are then replaced
    atomically.
    """
    out_dir = Path(out)
    for p in [out_dir, *out_dir.parents]:  # the nearest existing one must be a directory
        if p.exists():
            if not p.is_dir():
                raise InputError("is a file, not a directory", key="--out", given=str(p))
            break
    ours = (out_dir / "runs" / "sweep.json").exists()
    if force and out_dir.exists() and not ours and any(out_dir.iterdir()):
        raise InputError("--force only replaces an assessment directory", key="--out", given=out)
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / "runs").exists():
        raise InputError("exists and is not an assessment directory", key="--out", given=out)
    return out_dir


@click.command("assess")
@click.argument("ensemble", type=click.Path(dir_okay=False))
@click.argument("base", type=click.Path(dir_okay=False))
@click.argument("proposals", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False), help="Output directory (resumable)."
)
@click.option(
    "--worlds",
    type=int,
    help=f"Use N plausible sets spread evenly over the ensemble ({WORLDS.low}-{WORLDS.high}; "
    "above the ensemble's size: all, and said). Default: all.",
)
@click.option(
    "--days", type=int, help=f"Days per run ({ASSESS_DAYS.low}-{ASSESS_DAYS.high}). Default: BASE's run.days."
)
@click.option(
    "--replications",
    "-r",
    type=int,
    default=3,
    show_default=True,
    help=f"Replications per world ({ASSESS_REPLICATIONS.low}-{ASSESS_REPLICATIONS.high}).",
)
@click.option("--seed", type=int, help="Base seed (integer >= 0). Default: BASE's run.seed.")
@click.option("--workers", "-j", type=int, help="Local worker processes. Default: all cores.")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Run the tasks on this dask scheduler.")
@click.option("--force", is_flag=True, help="Replace a directory holding another assessment.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
def command(
    ensemble, base, proposals, out, worlds, days, replications, seed, workers, scheduler, force, quiet
):
    """Run BASE and each PROPOSAL on every plausible world of ENSEMBLE (ensemble.csv of a fit).

    Common random numbers: replication r of every world and variant uses seed
    (seed, r). Writes effects.csv (per proposal, gate and KPI: median effect
    across worlds, 5-95% range, share of worlds with the same sign, median
    within-world 95% CI, the parameter it depends on most), effects_by_world.csv
    and runs/ (the sweep's task files and results.csv). See docs/calibration.md.
    """
    from gatesim.outputs import write_csv
    from gatesim.progress import Progress
    from gatesim.scenario.load import load_scenario
    from gatesim.sweep.runner import SweepInterrupted
    from gatesim.trust.assess import BASE, HEADLINE_KPIS, Variant, build_sweep, check_base, run_assess
    from gatesim.trust.ensemble import load_ensemble
    from gatesim.trust.priors import default_priors_path, load_priors

    _check_ranges(worlds, days, replications, workers, seed)
    from gatesim.outputs import check_not_input

    # --force clears the directory: never one holding (or inside) an input
    check_not_input(Path(out), [ensemble, base, default_priors_path(base), *proposals])
    if Path(out).exists() and not Path(out).is_dir():
        raise InputError("not a directory", key="--out", given=out)
    ens = load_ensemble(ensemble)
    base_sc, base_res = load_scenario(Path(base))
    priors = load_priors(default_priors_path(base), base_sc, base_res)
    check_base(ens, base_res, base, priors)
    variants = _load_variants(proposals, base_sc)
    extra, pairs = paired_bases(Variant(BASE, base, base_res), variants)
    from gatesim.trust.checks import check_ensemble, check_worlds

    check_worlds(ens, worlds, lambda m: click.echo(m, err=True))
    check_ensemble(ens, priors, base_res)  # every row, before anything is written
    chosen = ens.worlds(priors, worlds)
    check_ensemble(ens, priors, base_res, chosen)
    sweep = build_sweep(
        Variant(BASE, base, base_res),
        variants,
        priors,
        chosen,
        days or base_sc.run.days,
        replications,
        base_sc.run.seed if seed is None else seed,
        bases=extra,
    )
    out_dir = prepare_out_dir(out, force)
    existed = out_dir.exists()
    click.echo(
        f"assess: {len(chosen)} worlds x {1 + len(extra) + len(variants)} variants x {replications} replications = "
        f"{len(sweep.tasks)} tasks, {sweep.days} days each",
        err=True,
    )
    bar: list[Progress] = []

    def on_start(todo, skipped):
        bar.append(Progress(todo, "assess", quiet).__enter__())

    def on_done(task, result):
        bar[0].advance(note=f"({result['error']})" if result["error"] else "")

    try:
        with no_empty_out(out_dir, existed):
            outcome, results, per_world, eff = run_assess(
                sweep,
                out_dir,
                [v.name for v in variants],
                workers,
                scheduler,
                on_start,
                on_done,
                force,
                pairs,
            )
    except SweepInterrupted as e:
        if bar:
            bar[0].__exit__(None, None, None)
        click.echo(f"\ngatesim: {e}", err=True)
        click.get_current_context().exit(130)
    if bar:
        bar[0].__exit__(None, None, None)
    dep = depends_on(per_world, pd.DataFrame(chosen), priors.names)
    if not eff.empty:
        eff = eff.merge(dep, on=["proposal", "gate", "kpi"], how="left")
    write_csv(out_dir / "effects_by_world.csv", per_world)
    write_csv(out_dir / "effects.csv", eff)
    if not eff.empty:
        click.echo(format_effects(eff, HEADLINE_KPIS))
    if outcome.failed:
        click.echo(f"{len(outcome.failed)} tasks failed: see runs/results.csv's error column", err=True)
    click.echo(f"written: {out_dir / 'effects.csv'}, {out_dir / 'effects_by_world.csv'}")

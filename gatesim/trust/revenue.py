"""A full-year revenue projection over plausible worlds, per gate and against the 2026 targets.

Each world (a plausible parameter set of the ensemble) runs the whole of
2026 with the scenario's seasons and Tết regimes, and a truck-volume growth
rate drawn from the priors' ``growth`` range (stratified over the worlds).
Customs tax is summed per gate over the year. Tax per truck has its own
growth over 2026 (``seeds/revenue_2025.yaml``: from 2025's level held to
2025's per-truck rise again), stratified over the worlds in the reverse
order, so volume and per-truck growth are not tied; the simulated year is at
January 2026's tax per truck and is scaled by the year's mean growth factor.
"% of target" is :mod:`gatesim.trust.revenue_basis`'s one definition (the
same as ``gatesim run``'s): the gates whose 2025 share is published, over the
target times that share. The seeds' disagreement on the region's run-rate is
printed with the table. Runs on the sweep runner (resumable; local processes
or dask).

    gatesim revenue ENSEMBLE BASE --out DIR [--worlds N] [-j J]
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import click
import numpy as np
import pandas as pd

from gatesim.errors import InputError
from gatesim.trust.revenue_basis import RevenueBasis, load_revenue_basis, mean_growth_factor

__all__ = ["command", "revenue_summary", "tax_growth_by_world"]


def tax_growth_by_world(worlds: list[int], low: float, high: float) -> dict[int, float]:
    """Per-truck tax growth over 2026 for each world: stratified over [low, high] in reverse order."""
    n = len(worlds)
    return {w: round(low + (n - i - 0.5) / n * (high - low), 4) for i, w in enumerate(worlds)}


def revenue_summary(
    results: pd.DataFrame,
    targets_vnd: dict[str, float],
    basis: RevenueBasis | None = None,
    tax_growth: dict[int, float] | None = None,
) -> pd.DataFrame:
    """Per gate, the basis gates and all modelled gates: annual tax over worlds (median, 5%, 95%),
    and the basis gates against each target (:func:`share_of_target`'s definition)."""
    basis = basis or load_revenue_basis()
    df = results.copy()
    df["revenue_vnd"] = pd.to_numeric(df["revenue_vnd"], errors="coerce")
    df["days"] = pd.to_numeric(df["days"], errors="coerce")
    df["annual_vnd"] = df["revenue_vnd"] / df["days"] * 365.0
    if tax_growth:
        factor = df["world"].map(lambda w: mean_growth_factor(tax_growth.get(int(w), 0.0)))
        df["annual_vnd"] = df["annual_vnd"] * factor
    per_world = df.groupby(["world", "gate"])["annual_vnd"].mean().unstack("gate")
    have = [g for g in basis.gates if g in per_world.columns]
    basis_col = "+".join(basis.gates)
    if len(have) == len(basis.gates):
        per_world[basis_col] = per_world[have].sum(axis=1)
    per_world["all_modelled"] = per_world[[c for c in per_world.columns if c != basis_col]].sum(axis=1)
    rows = []
    for gate in per_world.columns:
        v = per_world[gate].to_numpy(float)
        rows.append(
            {
                "gate": gate,
                "worlds": int(v.size),
                "annual_tax_median_vnd": float(np.median(v)),
                "annual_tax_p05_vnd": float(np.quantile(v, 0.05)),
                "annual_tax_p95_vnd": float(np.quantile(v, 0.95)),
            }
        )
    out = pd.DataFrame(rows)
    if basis_col not in per_world:
        return out  # the published share's gates are not all modelled: no comparison
    total = per_world[basis_col].to_numpy(float)
    rng = np.random.default_rng(0)  # only to propagate the share's uncertainty (not a model input)
    share = np.clip(rng.normal(basis.share, basis.share_sd, (4000, 1)), 0.05, 1.0)
    for name, target in targets_vnd.items():
        # share_of_target's definition, over the share's uncertainty
        ratio = (total[None, :] / (target * share)).ravel()
        row = out["gate"] == basis_col
        out[f"vs_{name}_median"] = np.where(row, float(np.median(ratio)), np.nan)
        out[f"vs_{name}_p05"] = np.where(row, float(np.quantile(ratio, 0.05)), np.nan)
        out[f"vs_{name}_p95"] = np.where(row, float(np.quantile(ratio, 0.95)), np.nan)
    return out


@click.command()
@click.argument("ensemble", type=click.Path(dir_okay=False))
@click.argument("base", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False))
@click.option(
    "--worlds",
    type=int,
    default=8,
    show_default=True,
    help="Plausible worlds, spread evenly over the ensemble.",
)
@click.option("--workers", "-j", type=int)
@click.option("--scheduler", metavar="tcp://HOST:PORT")
@click.option("--quiet", "-q", is_flag=True)
def command(ensemble, base, out, worlds, workers, scheduler, quiet) -> None:
    """Project 2026's customs tax per gate over plausible worlds and growth (see the module docstring)."""
    from gatesim.outputs import write_csv
    from gatesim.progress import Progress
    from gatesim.scenario.load import load_scenario
    from gatesim.sweep.runner import run_sweep
    from gatesim.sweep.spec import Point, Sweep
    from gatesim.trust.assess import BASE, Variant, check_base, world_scenario
    from gatesim.trust.ensemble import load_ensemble
    from gatesim.trust.priors import default_priors_path, load_priors

    if not 1 <= worlds <= 10_000:
        raise InputError("out of range", key="--worlds", given=worlds, allowed="1 to 10000")
    from gatesim.outputs import check_not_input

    out_dir = Path(out)
    check_not_input(out_dir, [ensemble, base, default_priors_path(base)])
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("not a directory", key="--out", given=out)
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / "runs").is_dir():
        # revenue_2026.csv would be written over whatever the folder holds
        raise InputError(
            "exists and is not a revenue directory (no runs/)",
            key="--out",
            given=out,
            allowed="a new or empty directory, or one an earlier revenue run wrote (resumed)",
        )
    ens = load_ensemble(ensemble)
    sc, res = load_scenario(Path(base))
    priors = load_priors(default_priors_path(base), sc, res)
    check_base(ens, res, base, priors)
    growth = priors.ranges.get("growth")
    lo, hi = (growth.low, growth.high) if growth is not None else (0.0, 0.0)
    year = [
        f"calendar.start_date={sc.calendar.start_date.isoformat()}",
        "calendar.drain_days=0",
    ]
    chosen = ens.worlds(priors, worlds)
    points = []
    for i, w in enumerate(chosen):
        g = round(lo + (i + 0.5) / len(chosen) * (hi - lo), 4)  # stratified over the growth range
        from gatesim.scenario.load import apply_overrides

        variant = Variant(
            BASE,
            base,
            apply_overrides(copy.deepcopy(res), [*year, f"growth.per_year={g}"]),
        )
        points.append(
            Point(
                i, {"world": w["set_id"], "growth_per_year": g}, world_scenario(variant, variant, priors, w)
            )
        )
    identity = {
        "revenue": True,
        "base": res,
        "points": [p.params for p in points],
        "days": 365,
        "seed": sc.run.seed,
    }
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:16]
    sweep = Sweep(
        # no sweep spec file: the points are built here (nothing downstream reads ``spec``)
        "revenue",
        None,  # type: ignore[arg-type]
        sc.name,
        ["growth_per_year", "world"],
        points,
        365,
        1,
        sc.run.seed,
        identity,
        digest,
    )
    bar: list[Progress] = []
    outcome = run_sweep(
        sweep,
        Path(out) / "runs",
        workers,
        scheduler,
        on_start=lambda todo, skipped: bar.append(Progress(todo, "revenue year", quiet).__enter__()),
        on_done=lambda t, r: bar[0].advance(),
    )
    if bar:
        bar[0].__exit__(None, None, None)
    basis = load_revenue_basis()
    t_lo, t_hi = basis.per_truck_growth.get("tax", (0.0, 0.0))
    tax_growth = tax_growth_by_world([int(p.params["world"]) for p in points], t_lo, t_hi)
    summary = revenue_summary(outcome.results, dict(sc.targets.revenue_2026_vnd), basis, tax_growth)
    write_csv(Path(out) / "revenue_2026.csv", summary)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        click.echo(summary.to_string(index=False))
    click.echo(
        f"tax per truck grows {t_lo:.0%}-{t_hi:.0%} over 2026 across the worlds (seeds/revenue_2025.yaml); "
        f"vs_<target>: {' + '.join(basis.gates)} over the target x their 2025 share ({basis.share:.3f} ± {basis.share_sd})"
    )
    click.echo(basis.disagreement())
    click.echo(f"written: {Path(out) / 'revenue_2026.csv'}")

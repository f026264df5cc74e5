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
from gatesim.projections.registry import gate_name
from gatesim.trust.revenue_basis import RevenueBasis, load_revenue_basis, mean_growth_factor

__all__ = ["command"]


def tax_growth_by_world(worlds: list[int], low: float, high: float) -> dict[int, float]:
    """Per-truck tax growth over 2026 for each world: stratified over [low, high] in reverse order."""
    n = len(worlds)
    return {w: round(low + (n - i - 0.5) / n * (high - low), 4) for i, w in enumerate(worlds)}


def _per_world(df: pd.DataFrame, column: str, growth: dict[int, float] | None) -> pd.DataFrame:
    """(world, gate) annual totals of ``column``, scaled by the world's per-truck growth over the year."""
    annual = pd.to_numeric(df[column], errors="coerce") / df["days"] * 365.0
    if growth:
        annual = annual * df["world"].map(lambda w: mean_growth_factor(growth.get(int(w), 0.0)))
    return df.assign(annual=annual).groupby(["world", "gate"])["annual"].mean().unstack("gate")


def _spread(per_world: pd.DataFrame, name: str, unit: str) -> dict[str, dict[str, float]]:
    return {
        g: {
            f"annual_{name}_median_{unit}": float(np.median(v)),
            f"annual_{name}_p05_{unit}": float(np.quantile(v, 0.05)),
            f"annual_{name}_p95_{unit}": float(np.quantile(v, 0.95)),
        }
        for g, v in ((g, per_world[g].to_numpy(float)) for g in per_world.columns)
    }


def revenue_summary(
    results: pd.DataFrame,
    targets_vnd: dict[str, float],
    basis: RevenueBasis | None = None,
    growth: dict[str, dict[int, float]] | None = None,
) -> pd.DataFrame:
    """Per gate, the basis gates and all modelled gates: annual tax (and declared value, when the
    results have it) over worlds (median, 5%, 95%), each with its own per-truck growth
    (``growth["tax"]``, ``growth["value"]``: world -> rate), and the basis gates against each
    target (:func:`share_of_target`'s definition)."""
    basis = basis or load_revenue_basis()
    growth = growth or {}
    df = results.copy()
    df["days"] = pd.to_numeric(df["days"], errors="coerce")
    per_world = _per_world(df, "revenue_vnd", growth.get("tax"))
    have = [g for g in basis.gates if g in per_world.columns]
    basis_col = "+".join(basis.gates)
    if len(have) == len(basis.gates):
        per_world[basis_col] = per_world[have].sum(axis=1)
    per_world["all_modelled"] = per_world[[c for c in per_world.columns if c != basis_col]].sum(axis=1)
    tax = _spread(per_world, "tax", "vnd")
    value: dict[str, dict[str, float]] = {}
    if "value_usd" in df:
        pv = _per_world(df, "value_usd", growth.get("value"))
        if len(have) == len(basis.gates):
            pv[basis_col] = pv[have].sum(axis=1)
        pv["all_modelled"] = pv[[c for c in pv.columns if c != basis_col]].sum(axis=1)
        value = _spread(pv, "value", "usd")
    rows = [
        {"gate": g, "worlds": int(per_world[g].size), **tax[g], **value.get(g, {})} for g in per_world.columns
    ]
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


FEW_WORLDS = 20  # a 5-95% range from fewer worlds rests on one or two worlds at each end


def format_revenue(summary: pd.DataFrame, targets_vnd: dict[str, float], n_worlds: int) -> str:
    """The terminal's words: annual customs tax in billion VND (median and 5-95% over the
    worlds) per gate, then each 2026 target as a percentage, and a warning for a range from few
    worlds. The CSV keeps every column in VND."""
    names = {"huu_nghi+tan_thanh": "Hữu Nghị + Tân Thanh", "all_modelled": "all modelled gates"}
    lines = [f"2026 customs tax across {n_worlds} plausible worlds, billion VND: median [5%-95%]"]
    for _, r in summary.iterrows():
        bn = [r[f"annual_tax_{q}_vnd"] / 1e9 for q in ("median", "p05", "p95")]
        label = names.get(str(r["gate"]), gate_name(str(r["gate"])))
        lines.append(f"  {label:<24} {bn[0]:>9,.0f} [{bn[1]:,.0f}-{bn[2]:,.0f}]")
    for name, target in targets_vnd.items():
        col = f"vs_{name}_median"
        if col in summary:
            row = summary.dropna(subset=[col]).iloc[0]
            who = names.get(str(row["gate"]), str(row["gate"]))
            lines.append(
                f"  against the {name} 2026 target ({target / 1e9:,.0f} bn VND): {who} at {row[col]:.0%} "
                f"[{row[f'vs_{name}_p05']:.0%}-{row[f'vs_{name}_p95']:.0%}] of their part"
            )
    if n_worlds < FEW_WORLDS:
        lines.append(
            f"  warning: the 5-95% range is from {n_worlds} worlds only: each end rests on one or two worlds "
            f"(--worlds {FEW_WORLDS} or more for a range to quote)"
        )
    return "\n".join(lines)


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
    from gatesim.trust.checks import check_ensemble, check_worlds

    check_worlds(ens, worlds, lambda m: click.echo(m, err=True))
    check_ensemble(ens, priors, res, ens.worlds(priors, worlds))  # every row, before anything is written
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
    worlds = [int(p.params["world"]) for p in points]
    v_lo, v_hi = basis.per_truck_growth.get("value", (0.0, 0.0))
    # value and tax per truck rose together in 2025: stratified in the same order
    per_truck = {
        "tax": tax_growth_by_world(worlds, t_lo, t_hi),
        "value": tax_growth_by_world(worlds, v_lo, v_hi),
    }
    summary = revenue_summary(outcome.results, dict(sc.targets.revenue_2026_vnd), basis, per_truck)
    write_csv(Path(out) / "revenue_2026.csv", summary)
    click.echo(format_revenue(summary, dict(sc.targets.revenue_2026_vnd), len(worlds)))
    click.echo(
        f"per truck over 2026, across the worlds: tax {t_lo:.0%}-{t_hi:.0%}, declared value "
        f"{v_lo:.0%}-{v_hi:.0%} (seeds/revenue_2025.yaml); "
        f"vs_<target>: {' + '.join(basis.gates)} over the target x their 2025 share ({basis.share:.3f} ± {basis.share_sd})"
    )
    click.echo(basis.disagreement())
    click.echo(f"written: {Path(out) / 'revenue_2026.csv'}")

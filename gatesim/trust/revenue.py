"""A full-year revenue projection over plausible worlds, per gate and for the modelled gates' share.

Each world (a plausible parameter set of the ensemble) runs the whole of
2026 with the scenario's seasons and Tết regimes, and a volume growth rate
drawn from the priors' ``growth`` range (stratified over the worlds, so the
projection carries that uncertainty too). Customs tax is summed per gate over
the year. The region's targets are for all of Customs Region VI; the modelled
gates' part of them is set by their share of the region's 2025 revenue
(Hữu Nghị 6,044 + Tân Thanh 4,237 of 12,144.9 billion VND to 30 Nov 2025,
CAND via vietnam.vn: 0.847; Cốc Nam's part is not published, so 0.85 ± 0.03).
Runs on the sweep runner (resumable; local processes or dask).

    python -m gatesim.trust.revenue ENSEMBLE BASE --out DIR [--worlds N] [-j J]
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from pathlib import Path

import click
import numpy as np
import pandas as pd

from gatesim.errors import InputError

__all__ = ["MODELLED_SHARE", "MODELLED_SHARE_SD", "main", "revenue_summary"]

MODELLED_SHARE = (6044.0 + 4237.0) / 12144.9  # 2025 to 30 Nov, CAND via vietnam.vn
MODELLED_SHARE_SD = 0.03  # Cốc Nam's part unknown; 2026 split may move


def revenue_summary(results: pd.DataFrame, targets_vnd: dict[str, float]) -> pd.DataFrame:
    """Per gate and for all modelled gates: annual tax over worlds (median, 5%, 95%) and against targets."""
    df = results.copy()
    df["revenue_vnd"] = pd.to_numeric(df["revenue_vnd"], errors="coerce")
    df["days"] = pd.to_numeric(df["days"], errors="coerce")
    df["annual_vnd"] = df["revenue_vnd"] / df["days"] * 365.0
    per_world = df.groupby(["world", "gate"])["annual_vnd"].mean().unstack("gate")
    per_world["all_modelled"] = per_world.sum(axis=1)
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
    total = per_world["all_modelled"].to_numpy(float)
    rng = np.random.default_rng(0)  # only to propagate the share's uncertainty (not a model input)
    share = np.clip(rng.normal(MODELLED_SHARE, MODELLED_SHARE_SD, (4000, 1)), 0.5, 1.0)
    for name, target in targets_vnd.items():
        part = target * share  # the modelled gates' part of the region's target
        ratio = (total[None, :] / part).ravel()
        out[f"vs_{name}_median"] = np.where(out["gate"] == "all_modelled", float(np.median(ratio)), np.nan)
        out[f"vs_{name}_p05"] = np.where(
            out["gate"] == "all_modelled", float(np.quantile(ratio, 0.05)), np.nan
        )
        out[f"vs_{name}_p95"] = np.where(
            out["gate"] == "all_modelled", float(np.quantile(ratio, 0.95)), np.nan
        )
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
    summary = revenue_summary(outcome.results, dict(sc.targets.revenue_2026_vnd))
    write_csv(Path(out) / "revenue_2026.csv", summary)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        click.echo(summary.to_string(index=False))
    click.echo(f"written: {Path(out) / 'revenue_2026.csv'}")


def main() -> None:
    """``python -m gatesim.trust.revenue ARGS`` = ``gatesim revenue ARGS``: the gatesim group
    runs it, so its failures end as every command's do (one line; exit 2 or 1)."""
    from gatesim.cli import main as gatesim

    gatesim.main(args=["revenue", *sys.argv[1:]], prog_name="gatesim")


if __name__ == "__main__":
    main()

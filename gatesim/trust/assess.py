"""Proposals over the plausible ensemble: effects across plausible worlds.

Every (world, variant, replication) is one sweep task: the variant (the base
scenario or a proposal) with the world's parameter values set on every key
the proposal itself does not change (a proposal's own values win), run with
replication r's seed for every world and variant: common random numbers, so
an effect within a world is a paired difference. Per proposal, gate and KPI:
the median effect across worlds and its 5-95% range, the share of worlds in
which the effect has the median's sign, the stochastic 95% CI within a world
(the paired differences' variance pooled over worlds: ``pooled_ci95_half``),
and the verdict and size class of :mod:`gatesim.compare.verdict` (noise first,
Benjamini-Hochberg over the rows, saturated worlds left out and counted).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gatesim.compare.verdict import BACKLOG_KPI, Thresholds, add_backlog_growth, unstable_worlds, verdict_rows
from gatesim.errors import InputError
from gatesim.projections.kpis import KPI_COLUMNS, is_stage_kpi
from gatesim.run import scenario_hash
from gatesim.scenario.load import apply_overrides, validate
from gatesim.sweep.runner import run_sweep
from gatesim.sweep.spec import Point, Sweep
from gatesim.trust.ensemble import Ensemble
from gatesim.trust.experiment import experiment_identity, experiment_sweep
from gatesim.trust.priors import Priors

__all__ = ["BASELINE_WORLD", "HEADLINE_KPIS", "Variant", "build_sweep", "paired_per_world", "run_assess"]

HEADLINE_KPIS = [
    "wait_mean_h",
    "wait_p95_h",
    "queue_max_km",
    "waiting_at_20h_mean",
    "throughput_per_day",
    "truck_hours_delay",
    "revenue_vnd",
]
BASE = "base"
BASELINE_WORLD = -1  # the world id of the scenario as shipped (no plausible set applied)


@dataclass(frozen=True)
class Variant:
    name: str  # "base" or the proposal scenario's name
    file: str
    resolved: dict


def _get(data: Any, path: str) -> Any:
    node = data
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return KeyError
    return node


def check_base(ensemble: Ensemble, base_resolved: dict, base_file: str, priors: Priors) -> None:
    """Refuse an ensemble fitted on another scenario or with other priors (one line)."""
    h = scenario_hash(base_resolved)
    if ensemble.scenario_hash != h or ensemble.scenario != base_resolved.get("name"):
        raise InputError(
            f"the ensemble was fitted on another scenario ({ensemble.scenario}, hash {ensemble.scenario_hash})",
            file=ensemble.file,
            key="scenario_hash",
            given=f"{base_resolved.get('name')} (hash {h}) from {base_file}",
            allowed="BASE = the scenario the fit used, unchanged",
        )
    if ensemble.priors_digest != priors.digest:
        raise InputError(
            "the ensemble was fitted with another priors file",
            file=ensemble.file,
            key="priors",
            given=priors.digest,
            allowed=ensemble.priors_digest,
        )
    missing = [n for n in priors.names if n not in ensemble.sets.columns]
    if missing:
        raise InputError("ensemble lacks parameter columns", file=ensemble.file, given=missing)


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def world_scenario(variant: Variant, base: Variant, priors: Priors, world: dict[str, Any]):
    """The variant in a plausible world.

    On every varied path the variant does not change, the world's value. Where
    the variant changes a varied number (a coordinated yard: 350 -> 440 slots),
    the change is carried as a ratio to the base's value (the world's yard
    x 440/350), so a proposal never undoes a world's own value; a changed
    choice (a list, such as an hourly profile) is the variant's.
    """
    overrides = []
    for name in priors.names:
        p = priors.varied[name]
        for path, value in p.path_values(world[name]):
            mine, theirs = _get(variant.resolved, path), _get(base.resolved, path)
            if mine == theirs:
                overrides.append(f"{path}={json.dumps(value)}")
            elif _number(mine) and _number(theirs) and theirs != 0 and _number(value):
                scaled = value * mine / theirs
                scaled = (
                    max(1, round(scaled)) if isinstance(theirs, int) and p.integer else float(f"{scaled:.6g}")
                )
                overrides.append(f"{path}={json.dumps(scaled)}")
    data = apply_overrides(copy.deepcopy(variant.resolved), overrides)
    return validate(data, file=variant.file)


def build_sweep(
    base: Variant,
    proposals: list[Variant],
    priors: Priors,
    worlds: list[dict[str, Any]],
    days: int,
    replications: int,
    seed: int,
    baseline_world: bool = False,
    bases: list[Variant] | None = None,
    run_base: bool = True,
) -> Sweep:
    """Every (world, variant) as a sweep point; ``bases``: extra paired bases (a growth base, say).

    ``baseline_world``: the variants as shipped too, as world :data:`BASELINE_WORLD`.
    ``run_base``: False when no proposal is paired with ``base`` (it still defines the worlds).
    """
    import hashlib

    points: list[Point] = []
    variants = [*([base] if run_base else []), *(bases or []), *proposals]
    if baseline_world:
        for v in variants:
            points.append(
                Point(
                    len(points),
                    {"world": BASELINE_WORLD, "variant": v.name},
                    validate(v.resolved, file=v.file),
                )
            )
    for w in worlds:
        for v in variants:
            points.append(
                Point(
                    len(points), {"world": w["set_id"], "variant": v.name}, world_scenario(v, base, priors, w)
                )
            )
    fields = {
        "assess": True,
        "proposals": [p.resolved for p in proposals],
        **({"bases": [b.resolved for b in bases]} if bases else {}),
        **({"baseline_world": True} if baseline_world else {}),
        "worlds": worlds,
    }
    identity = experiment_identity(fields, base.resolved, points, days, replications, seed)
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:16]
    name = str(base.resolved.get("name"))
    return experiment_sweep(
        "assess", name, ["variant", "world"], points, days, replications, seed, identity, digest
    )


def pooled_ci95_half(ss: np.ndarray, n: np.ndarray) -> float:
    """The 95% CI half-width of one world's mean paired effect, its variance pooled over worlds.

    Why pooled: with 2-3 replications a world's own CI rests on 1-2 degrees of
    freedom (Student's t of 12.7 or 4.3), so the median of those CIs calls
    nearly every effect noise. Pooling the replications' spread over all
    worlds (df = sum of n - 1) assumes the stochastic noise of the paired
    difference is similar across plausible worlds; it is the noise of one
    world's estimate at the typical number of replications.
    """
    from scipy.stats import t as student_t

    ok = ~np.isnan(ss) & (n >= 2)
    df = float((n[ok] - 1).sum())
    if df < 1:
        return float("nan")
    return float(student_t.ppf(0.975, df) * np.sqrt(ss[ok].sum() / df / np.median(n[ok])))


def per_world_effects(name: str, diff: pd.DataFrame, base: pd.DataFrame, kpis: list[str]) -> pd.DataFrame:
    """Per (world, gate, KPI): replications' paired differences folded (one vectorised pass).

    n counts the non-missing differences; effect is their mean, ci95_half the
    Student-t half-width (NaN under 2), ss the sum of squared deviations (for
    the pooled noise); base_mean the base's mean over the same rows.
    """
    from scipy.stats import t as student_t

    by = diff.groupby(level=["world", "gate"], sort=True)
    n, mean = by.count(), by.mean()
    var = by.var(ddof=1)
    ss = (by.var(ddof=0) * n).where(n > 0)
    base_mean = base.groupby(level=["world", "gate"], sort=True).mean()
    long = {
        "n": n.stack(future_stack=True),
        "base_mean": base_mean.stack(future_stack=True),
        "effect": mean.stack(future_stack=True),
        "ss": ss.stack(future_stack=True),
        "var": var.stack(future_stack=True),
    }
    out = pd.DataFrame(long).reset_index().rename(columns={"level_2": "kpi"})
    nn = out["n"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = student_t.ppf(0.975, nn - 1) * np.sqrt(out["var"].to_numpy(float) / nn)
    out["ci95_half"] = np.where(nn >= 2, half, np.nan)
    out["n"] = out["n"].astype(int)
    out.insert(0, "proposal", name)
    order = {k: i for i, k in enumerate(kpis)}
    out = out.sort_values(["world", "gate", "kpi"], key=lambda c: c.map(order) if c.name == "kpi" else c)
    return out[["proposal", "gate", "kpi", "world", "n", "base_mean", "effect", "ci95_half", "ss"]]


def paired_per_world(
    results: pd.DataFrame,
    proposals: list[str],
    bases: dict[str, str] | None = None,
    thresholds: Thresholds | None = None,
) -> tuple[pd.DataFrame, dict[tuple[str, str], list[int]]]:
    """(per world: each proposal's mean paired effect against its own base; per (proposal, gate):
    the worlds where that base is saturated).

    ``bases`` pairs each proposal with its own base variant (default: ``base``).
    The queue's growth per day (``backlog_growth_per_day``) is added to the KPIs.
    """
    df = add_backlog_growth(results)
    kpis = [c for c in df.columns if c in KPI_COLUMNS or is_stage_kpi(c) or c == BACKLOG_KPI]
    kpis = [k for k in kpis if k != "days"]
    for k in kpis:
        df[k] = pd.to_numeric(df[k], errors="coerce")
    key = ["world", "replication", "gate"]
    bases = bases or {}
    parts, left_out = [], {}
    for name in proposals:
        own = bases.get(name, BASE)
        base = df[df["variant"] == own].set_index(key)[kpis]
        prop = df[df["variant"] == name].set_index(key)[kpis]
        common = prop.index.intersection(base.index)
        parts.append(per_world_effects(name, prop.loc[common] - base.loc[common], base.loc[common], kpis))
        for gate, worlds in unstable_worlds(df, own, thresholds).items():
            left_out[(name, gate)] = worlds
    return (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()), left_out


def effects(
    results: pd.DataFrame,
    proposals: list[str],
    bases: dict[str, str] | None = None,
    level: float = 0.95,
    thresholds: Thresholds | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per world: mean paired effect and its CI; across worlds: the verdict rows of
    :func:`gatesim.compare.verdict.verdict_rows`).

    Worlds where a proposal's base is saturated at a gate are left out of that
    gate's level KPIs and counted (:func:`paired_per_world`).
    """
    pw, left_out = paired_per_world(results, proposals, bases, thresholds)
    if pw.empty:
        return pw, pd.DataFrame()
    return pw, verdict_rows(pw, level, thresholds, left_out=left_out)


def run_assess(
    sweep: Sweep,
    out: Path,
    proposals: list[str],
    workers,
    scheduler,
    on_start,
    on_done,
    force: bool = False,
    bases: dict[str, str] | None = None,
):
    """Run (resumably; ``force``: replace another assessment's runs once the new ones are complete)
    and return (results, per-world effects, effects)."""
    outcome = run_sweep(
        sweep, out / "runs", workers, scheduler, force=force, on_start=on_start, on_done=on_done
    )
    results = outcome.results
    pw, eff = effects(results, proposals, bases)
    return outcome, results, pw, eff

"""``gatesim calibrate --fit``: history matching in waves over the priors.

Why history matching (not ABC or a likelihood): the targets are few, from
different reports and periods, with uncertainties that are judgements, and
the model is known to lack some mechanisms. History matching only asks which
parameter sets are *not ruled out* by each target, allows explicitly for the
model's discrepancy, and names the targets no set can meet instead of letting
them drag the fit (Craig et al. 1997; Vernon et al. 2010; Andrianakis et al. 2015).

For a set x and target t: I_t(x) = |z_t - f_t(x)| / sqrt(sd_t^2 + s_t^2 + d_t^2),
with z the published figure, sd its observation sd, s the set's own
simulation sd (its replications' spread, as s^2 (1 + 1/r): the published day
is one draw, the mean of r replications another estimate) and d the model
discrepancy sd (targets file); an upper bound counts only a model value above
it. A set is non-implausible when max_t I_t(x) <= cut (3, by Pukelsheim's
three-sigma rule), it can clear its arrivals by capacity arithmetic (ruled
out before it is simulated) and no gate's backlog grows in the long
experiment (gatesim.trust.stability). Wave 1 is a Latin hypercube over the priors;
each later wave a Latin hypercube over the box of the previous waves'
non-implausible sets (widened by 5% of each prior range). A fit target that no
set of wave 1 meets is named model discrepancy and left out of the cut.
No emulator: every set is simulated (docs/calibration.md says why).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gatesim.errors import InputError
from gatesim.outputs import clear_scratch, write_csv, write_json, write_text
from gatesim.resumable import check_resumable
from gatesim.run import scenario_hash
from gatesim.sweep.spec import latin_hypercube
from gatesim.trust.evaluate import Runner, evaluate
from gatesim.trust.implausibility import implausibility
from gatesim.trust.priors import Priors
from gatesim.trust.targets import Targets
from gatesim.version import __version__

__all__ = ["FitConfig", "run_fit", "spread"]

FIT_FILE = "fit.json"


@dataclass(frozen=True)
class FitConfig:
    sets_per_wave: int = 150
    waves: int = 2
    cut: float = 3.0
    replications: int = 3  # per set: each set's own simulation sd
    max_draws: int = 10  # screened batches of sets_per_wave draws per wave, at most
    predict_members: int = 40
    seed: int = 20260101


@dataclass
class FitResult:
    design: pd.DataFrame  # every simulated set: wave, parameters, values, I per fit target, I_max, plausible
    ensemble: pd.DataFrame  # the non-implausible sets
    predictions: pd.DataFrame  # holdout/check values for ensemble members (set_id, target, value)
    sim_sd: dict[str, float]
    discrepant: list[str]  # fit targets no set of wave 1 meets
    fit_targets: list[str]
    replications: int = 1  # per set (each set's own simulation sd)


def _identity(resolved: dict, priors: Priors, targets: Targets, cfg: FitConfig) -> dict[str, Any]:
    """What the simulations depend on: scenario, priors, experiments and measurement rules, settings.

    Observed values, sds and discrepancies are left out: they change the
    implausibility, not what was simulated, so the same directory resumes
    and only the designs of later waves (kept under their own hash) change.
    """
    sims = {
        "experiments": {k: e.model_dump(mode="json") for k, e in targets.experiments.items()},
        "rules": sorted(
            (t.id, t.experiment, t.rule, json.dumps(t.args, sort_keys=True, default=str))
            for t in targets.targets
        ),
        "stability": targets.stability.model_dump(mode="json") if targets.stability else None,
    }
    return {
        "scenario": resolved.get("name"),
        "scenario_hash": scenario_hash(resolved),
        "priors": priors.digest,
        "simulations": hashlib.sha256(json.dumps(sims, sort_keys=True).encode()).hexdigest()[:16],
        # waves and predict_members leave earlier waves' results as they are: a fit can be
        # resumed with more waves or more predicting members
        "config": {k: v for k, v in asdict(cfg).items() if k not in ("waves", "predict_members")},
    }


def _read_fit_file(spec: Path) -> dict[str, Any] | None:
    """The fit.json of a fit directory; None if there is none; a damaged one is named (exit 2)."""
    if not spec.exists():
        return None
    try:
        data = json.loads(spec.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(
            f"{FIT_FILE} is damaged ({type(e).__name__}); delete the directory or choose another",
            file=str(spec),
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            f"{FIT_FILE} is damaged (a JSON {type(data).__name__}, not an object)", file=str(spec)
        )
    return data


def prepare_fit_dir(out: Path, identity: dict[str, Any], force: bool) -> None:
    """Create or resume ``out``; refuse a directory holding another fit or other files."""
    spec = out / FIT_FILE
    held = _read_fit_file(spec) if out.is_dir() else None
    check_resumable(
        out,
        key="--fit",
        kind="fit",
        held=held,
        same=held is not None and held.get("identity") == identity,
        empty=out.is_dir() and not any(out.iterdir()),
        force=force,  # (--force: run_fit builds beside it)
        differs="scenario, priors, targets or settings differ",
    )
    out.mkdir(parents=True, exist_ok=True)
    if not spec.exists():
        write_json(spec, {"identity": identity, "gatesim_version": __version__})


def _holds_another_fit(out: Path, identity: dict[str, Any]) -> bool:
    old = _read_fit_file(out / FIT_FILE) if out.is_dir() else None
    return old is not None and old.get("identity") != identity


def _is_fit_dir(path: Path) -> bool:
    return path.is_dir() and ((path / FIT_FILE).is_file() or not any(path.iterdir()))


def _replace_fit(targets, priors, resolved, out: Path, cfg, runner, identity, on_note) -> FitResult:
    """``--force`` over another fit: the new one is built (resumably) in a hidden sibling and
    swapped in whole once complete; killed before, ``out`` is the old fit, untouched, and the
    same command resumes the new one."""
    import shutil

    from gatesim.outputs import swap_dir, tidy_parked

    tidy_parked(out)  # an old fit parked by a swap cut short is put back first
    new = out.parent / f".{out.name}.fit-new"
    if new.exists() and not new.is_dir():
        new.unlink()
    elif new.is_dir():
        try:
            mine = _read_fit_file(new / FIT_FILE)
        except InputError:  # our own scratch, damaged: not the user's file, so start it over
            mine = None
        if mine is None or mine.get("identity") != identity:
            shutil.rmtree(new)  # our own scratch, of another replacement (or damaged): start it over
            on_note(f"removed {new}: the unfinished replacement of another fit")
        else:
            on_note(f"resuming the replacement cut short in {new}")
    result = run_fit(targets, priors, resolved, new, cfg, runner, force=False, on_note=on_note)
    swap_dir(new, out, ours=_is_fit_dir)
    return result


def _sets(priors: Priors, u: np.ndarray, first_id: int, wave: int) -> list[dict[str, Any]]:
    return [{"set_id": first_id + i, "wave": wave, **priors.point(row)} for i, row in enumerate(u)]


def spread(frame: pd.DataFrame, n: int | None) -> pd.DataFrame:
    """``n`` rows evenly spaced over ``frame``'s order (all rows when n is None or larger)."""
    if n is None or n >= len(frame):
        return frame
    return frame.iloc[np.unique(np.linspace(0, len(frame) - 1, n).round().astype(int))]


def _wide(values: pd.DataFrame) -> pd.DataFrame:
    """(set, replication, target, value) rows -> one row per set, target means as columns."""
    if values.empty:
        return pd.DataFrame()
    return values.pivot_table(index="set_id", columns="target", values="value", aggfunc="mean")


def _perturbed(priors: Priors, plausible: pd.DataFrame, n: int, seed: int) -> np.ndarray:
    """Later waves: ``n`` points around the plausible sets so far (in quantile space).

    Each point is a plausible parent (taken in turn) moved by a normal step of
    sd max(0.5 x the plausible sets' sd, 0.02) per dimension, clipped to the
    prior; a choice keeps its parent's value with probability 0.9. In 12
    dimensions a Latin hypercube over the plausible sets' box is mostly
    implausible (wave 1 of the baseline: 7 of 200 sets plausible); stepping
    from plausible parents, as ABC-SMC's perturbation kernel does, keeps most.
    """
    rng = np.random.default_rng([seed, 7])
    q = np.array(
        [
            [priors.varied[k].quantile(row[k]) for k in priors.names]
            for row in plausible[priors.names].to_dict(orient="records")
        ]
    )
    sd = np.maximum(0.5 * (q.std(axis=0) if len(q) > 1 else np.zeros(q.shape[1])), 0.02)
    parents = q[np.arange(n) % len(q)]
    u = np.clip(parents + rng.normal(0.0, sd, parents.shape), 0.0, 1.0 - 1e-9)
    for j, k in enumerate(priors.names):
        p = priors.varied[k]
        if p.categorical:
            flip = rng.random(n) >= 0.9
            u[flip, j] = rng.random(int(flip.sum()))
    return u


def _set_stats(values: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(set, replication, target, value) rows -> per set and target: the mean and the sd over replications."""
    if values.empty:
        return pd.DataFrame(), pd.DataFrame()
    g = values.groupby(["set_id", "target"])["value"]
    mean = g.mean().unstack("target")
    sd = g.std(ddof=1).unstack("target")
    return mean, sd


def _judge(frame: pd.DataFrame, values: pd.DataFrame, fit_t: list, replications: int) -> None:
    """Each fit target's mean, own simulation sd and implausibility into ``frame`` (one row per set).

    The variance beside observation and discrepancy is the set's own s^2 (1 + 1/r): the
    published day is one draw of the process (s^2) and the mean of r replications
    estimates the set's expectation with variance s^2 / r.
    """
    mean, sd = _set_stats(values)
    for t in fit_t:
        m = mean[t.id].reindex(frame.index) if t.id in mean else pd.Series(np.nan, index=frame.index)
        s = sd[t.id].reindex(frame.index) if t.id in sd else pd.Series(np.nan, index=frame.index)
        frame[f"value_{t.id}"] = m
        frame[f"sd_{t.id}"] = s
        sim_sd = np.sqrt(np.nan_to_num(s.to_numpy(float), nan=0.0) ** 2 * (1.0 + 1.0 / replications))
        frame[f"I_{t.id}"] = implausibility(
            t.value, m.to_numpy(float), t.sd, sim_sd, t.discrepancy_sd, upper_only=t.bound == "upper"
        )


def _draw(priors: Priors, plausible: pd.DataFrame, cfg: FitConfig, wave: int, batch: int) -> np.ndarray:
    """Batch ``batch`` of a wave's candidate points in the unit cube (batch 0: the wave's own seed)."""
    seed = cfg.seed + wave if batch == 0 else (cfg.seed + wave) * 1000 + batch
    if wave == 1:
        return latin_hypercube(len(priors.names), cfg.sets_per_wave, seed)
    return _perturbed(priors, plausible, cfg.sets_per_wave, seed)


def _local_workers(runner: Runner) -> int:
    """Processes for the screen: the fit's local workers (all cores by default; 1 on a dask run)."""
    import os

    if runner.scheduler is not None:
        return 1
    if runner.workers:
        return int(runner.workers)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _screened_wave(priors, resolved, targets, cfg, wave, plausible, first_id, workers=1) -> pd.DataFrame:
    """The wave's draws, screened by capacity arithmetic: up to ``sets_per_wave`` that can clear their
    arrivals (simulated), drawn in batches until there are that many or ``max_draws`` x as many were
    drawn. The screen costs no simulation, so most of the prior box (which cannot carry January's
    traffic) is ruled out for nothing and the simulations go to sets that can."""
    from gatesim.trust.stability import screen

    parts, kept, next_id = [], 0, first_id
    batches = 1 if targets.stability is None else cfg.max_draws
    for batch in range(batches):
        sets = _sets(priors, _draw(priors, plausible, cfg, wave, batch), next_id, wave)
        next_id += len(sets)
        frame = pd.DataFrame(sets).set_index("set_id")
        frame["util_max"], frame["util_at"], frame["screened_out"] = np.nan, "", False
        if targets.stability is not None:
            for r in screen(priors, resolved, sets, targets, workers):
                frame.loc[r["set_id"], ["util_max", "util_at", "screened_out"]] = [
                    r["util_max"],
                    r["util_at"],
                    r["overloaded"],
                ]
        cum = (~frame["screened_out"].astype(bool)).cumsum().to_numpy()
        need = cfg.sets_per_wave - kept
        if cum[-1] >= need:  # drop the draws after the one that completes the wave
            frame = frame.iloc[: int(np.argmax(cum >= need)) + 1]
        parts.append(frame)
        kept += int((~frame["screened_out"].astype(bool)).sum())
        if kept >= cfg.sets_per_wave:
            break
    out = pd.concat(parts)
    out["stable"], out["grows_at"], out["growth_per_day"] = pd.NA, "", np.nan
    return out


def _long_run(frame, priors, resolved, targets, out, cfg, runner, on_note, used, tag) -> None:
    """The long experiment for the sets the screen kept and the targets did not rule out."""
    from gatesim.trust.stability import long_experiment

    if targets.stability is None:
        return
    imax = frame[used].max(axis=1, skipna=False) if used else pd.Series(0.0, index=frame.index)
    todo = frame[(~frame["screened_out"].astype(bool)) & (imax <= cfg.cut)]
    if todo.empty:
        return
    sets = [{"set_id": int(i), **{k: r[k] for k in priors.names}} for i, r in todo.iterrows()]
    rows = long_experiment(
        priors, resolved, sets, targets, out / f"stability{tag}", cfg.replications, cfg.seed, runner, on_note
    )
    for r in rows:
        frame.loc[r["set_id"], ["stable", "grows_at", "growth_per_day"]] = [
            r["stable"],
            r["grows_at"],
            r["growth_per_day"],
        ]


def _plausible(design: pd.DataFrame, used: list[str], cut: float, checked: bool) -> pd.Series:
    """Not implausible on every fit target in use, kept by the screen and (when checked) stable."""
    imax = design[used].max(axis=1, skipna=False) if used else pd.Series(0.0, index=design.index)
    ok = (imax <= cut) & ~design["screened_out"].astype(bool)
    if checked:
        ok &= design["stable"].fillna(False).astype(bool)
    return ok


def _predict(design, ensemble, fit_ids, targets, priors, resolved, out, cfg, runner, on_note):
    """Holdout and check targets for members spread over the ensemble; each target's typical sim sd."""
    # Holdout and check targets, predicted by members spread evenly over the ensemble's
    # order of fit (the best alone would understate the ensemble's spread).
    members = spread(ensemble, cfg.predict_members).reset_index()
    tag = hashlib.sha256(",".join(map(str, members["set_id"])).encode()).hexdigest()[:8]
    predictions = pd.DataFrame(columns=["set_id", "replication", "target", "value", "error", "wall_s"])
    if not members.empty:
        predictions = evaluate(
            "predict",
            members.to_dict(orient="records"),
            targets,
            ("holdout", "check"),
            priors,
            resolved,
            out / f"predict-{tag}",
            cfg.replications,
            cfg.seed,
            runner,
            on_note,
        )
    sim_sd = {
        t: float(np.nanmedian(design[f"sd_{t}"].to_numpy(float))) if design[f"sd_{t}"].notna().any() else 0.0
        for t in fit_ids
    }
    if len(predictions):
        for t, g in predictions.groupby("target"):
            sds = g.groupby("set_id")["value"].std(ddof=1).to_numpy(float)
            sim_sd[str(t)] = float(np.nanmedian(sds)) if np.isfinite(sds).any() else 0.0
    return predictions, sim_sd


def run_fit(
    targets: Targets,
    priors: Priors,
    resolved: dict,
    out: Path,
    cfg: FitConfig,
    runner: Runner,
    force: bool = False,
    on_note=print,
) -> FitResult:
    """Waves of history matching; writes design.csv, ensemble.csv, predictions.csv and the page."""
    from gatesim.trust.page import calibration_page, target_table

    out = Path(out)
    identity = _identity(resolved, priors, targets, cfg)
    if force and _holds_another_fit(out, identity):
        return _replace_fit(targets, priors, resolved, out, cfg, runner, identity, on_note)
    clear_scratch(out, "fit-new", on_note)  # a killed --force's scratch: said and cleared
    prepare_fit_dir(out, identity, force)
    fit_t = targets.with_role("fit")
    if not fit_t:
        raise InputError(
            "no target has role fit", file=targets.file, allowed="role: fit on at least one target"
        )
    fit_ids = [t.id for t in fit_t]
    checked = targets.stability is not None
    if not checked:
        on_note("the targets file has no stability: block: sets are not checked for a backlog that grows")

    design_parts, discrepant = [], []
    plausible = pd.DataFrame()
    next_id = 0
    for wave in range(1, cfg.waves + 1):
        # 1. capacity arithmetic: a draw that cannot clear its arrivals is not simulated
        frame = _screened_wave(
            priors, resolved, targets, cfg, wave, plausible, next_id, _local_workers(runner)
        )
        next_id = int(frame.index.max()) + 1
        kept = [
            {"set_id": int(i), "wave": wave, **{k: r[k] for k in priors.names}}
            for i, r in frame[~frame["screened_out"].astype(bool)].iterrows()
        ]
        # a later wave's design depends on the implausibility cut: kept under its own hash
        tag = (
            "" if wave == 1 else "-" + hashlib.sha256(json.dumps(kept, default=str).encode()).hexdigest()[:8]
        )
        # 2. the targets, on cfg.replications replications of each kept set
        values = evaluate(
            f"wave{wave}",
            kept,
            targets,
            ("fit",),
            priors,
            resolved,
            out / f"wave{wave}{tag}",
            cfg.replications,
            cfg.seed,
            runner,
            on_note,
        )
        _judge(frame, values, fit_t, cfg.replications)
        if wave == 1 and kept:  # judged over the simulated sets only
            discrepant = [tid for tid in fit_ids if not (frame[f"I_{tid}"] <= cfg.cut).any()]
            for tid in discrepant:
                on_note(
                    f"fit target {tid} is met by no parameter set of wave 1: named model discrepancy, left out of the cut"
                )
        used = [f"I_{tid}" for tid in fit_ids if tid not in discrepant]
        # 3. the long experiment, for the sets the screen kept and the targets did not rule out
        _long_run(frame, priors, resolved, targets, out, cfg, runner, on_note, used, f"{wave}{tag}")
        design_parts.append(frame)
        design = pd.concat(design_parts)
        design["I_max"] = design[used].max(axis=1, skipna=False) if used else 0.0
        design["plausible"] = _plausible(design, used, cfg.cut, checked)
        plausible = design[design["plausible"]]
        on_note(
            f"wave {wave}: {int(frame.index.size)} sets, {int(frame['screened_out'].astype(bool).sum())} ruled out "
            f"by capacity, {int((frame['stable'] == False).sum())} by a growing backlog; "  # noqa: E712
            f"{int(design.loc[frame.index, 'plausible'].sum())} not implausible ({len(plausible)} in all)"
        )
        if plausible.empty:
            break

    design = pd.concat(design_parts)
    used = [f"I_{tid}" for tid in fit_ids if tid not in discrepant]
    design["I_max"] = design[used].max(axis=1, skipna=False) if used else 0.0
    design["plausible"] = _plausible(design, used, cfg.cut, checked)
    ensemble = design[design["plausible"]].sort_values("I_max", kind="stable")

    predictions, sim_sd = _predict(
        design, ensemble, fit_ids, targets, priors, resolved, out, cfg, runner, on_note
    )
    result = FitResult(design, ensemble, predictions, sim_sd, discrepant, fit_ids, cfg.replications)
    _write(out, result, targets, priors, resolved, identity, cfg, target_table, calibration_page)
    return result


def _write(out, result, targets, priors, resolved, identity, cfg, target_table, calibration_page) -> None:
    design = result.design.reset_index()
    write_csv(out / "design.csv", design)
    ens = result.ensemble.reset_index()
    ens.insert(0, "scenario", identity["scenario"])
    ens.insert(1, "scenario_hash", identity["scenario_hash"])
    ens.insert(2, "priors", identity["priors"])
    write_csv(out / "ensemble.csv", ens)
    write_csv(out / "predictions.csv", result.predictions)
    table = target_table(result, targets)
    write_csv(out / "targets.csv", table)
    write_text(out / "calibration.md", calibration_page(result, targets, priors, table, cfg, identity))

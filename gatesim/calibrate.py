"""Calibration: each published figure beside what the model gives.

F1-F3 are what the baseline is set from (arrivals per day, value multiplier,
tax rates): reproducing them is a regression check of that fit, not a
validation. History matching on the congestion targets, with held-out
figures predicted out of sample, is ``calibrate --fit`` (``fit_command``
below; ``gatesim.trust``).

The figures live in ``seeds/figures.csv`` (value, unit, period, scope, the
seed file they come from). For a figure whose period lies inside the
simulated days, the model's value is the same projection over the same
dates; for other periods (2025, 2020, the whole of 2026) the model's daily
rate over all simulated days is scaled to the figure's length, and the table
says so. Fitted figures carry a tolerance; the others are shown as they are,
mismatch and reason included.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from gatesim.errors import InputError
from gatesim.limits import FIT_SETS, FIT_WAVES, REPLICATIONS, WORKERS, Limit
from gatesim.model.calendar import Clock
from gatesim.progress import Progress
from gatesim.projections.periods import period_totals
from gatesim.run import run_replication
from gatesim.scenario.schema import Scenario
from gatesim.stats import ci_half_width

__all__ = ["FIGURES_PATH", "calibration_table", "check_calibration_out", "format_calibration", "load_figures"]

FIGURES_PATH = Path(__file__).resolve().parents[1] / "seeds" / "figures.csv"
# Each parameter set of a fit is judged with its own simulation sd: three replications are the
# fewest that give an sd with more than one degree of freedom.
FIT_REPLICATIONS = Limit("replications", 3, REPLICATIONS.high, "each set's own simulation sd needs three")
FIT_DEFAULT_REPLICATIONS = 3
MAX_CALIBRATION_DAYS = 59  # 1 Jan - 28 Feb 2026: the longest seed period (F7)
_REQUIRED = [
    "id",
    "what",
    "value",
    "unit",
    "period_start",
    "period_end",
    "scope",
    "measure",
    "fitted",
    "tolerance",
    "seed_file",
    "basis",
    "note",
]


def load_figures(path: Path | None = None) -> pd.DataFrame:
    path = Path(path) if path else FIGURES_PATH
    if not path.exists():
        raise InputError("figures file not found", file=str(path))
    df = pd.read_csv(path, dtype={"seed_file": str}, keep_default_na=False)
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise InputError("missing columns", file=str(path), given=missing, allowed=", ".join(_REQUIRED))
    for col in ("period_start", "period_end"):
        df[col] = pd.to_datetime(df[col]).dt.date
    df["value"] = df["value"].astype(float)
    return df


def _model_value(totals: pd.DataFrame, scope: str, measure: str, days: float) -> float:
    rows = totals if scope == "all" else totals[totals["gate"] == scope]
    if rows.empty:
        return float("nan")
    if measure == "crossings_per_day":
        return float(rows["crossings"].sum()) / days
    if measure == "waiting_at_20h":
        return float(rows["waiting_at_20h"].sum())
    if measure == "fee_per_vehicle":
        return float(rows["fees_vnd"].sum() / max(rows["crossings"].sum(), 1.0))
    return float(rows[measure].sum())


def calibration_table(
    scenario: Scenario,
    figures: pd.DataFrame,
    replications: int = 5,
    seed: int | None = None,
    quiet: bool = False,
) -> pd.DataFrame:
    """Run the scenario over the seeds' periods and set each figure beside the model."""
    seed = scenario.run.seed if seed is None else seed
    start = scenario.calendar.start_date
    ends = [e for s, e in zip(figures["period_start"], figures["period_end"]) if s >= start]
    days = min(MAX_CALIBRATION_DAYS, max(1, max(((e - start).days + 1 for e in ends), default=1)))
    clock = Clock.of(scenario, days)
    w0, w1 = clock.window_h
    values: dict[int, list[float]] = {i: [] for i in figures.index}
    targets = _targets_by_id()
    basis: dict[int, str] = {}
    with Progress(replications, "calibrate: replications", quiet) as bar:
        for r in range(replications):
            log = run_replication(scenario, days, r, seed)
            whole = period_totals(log, w0, w1)
            cache: dict[tuple[dt.date, dt.date], pd.DataFrame] = {}
            for i, f in figures.iterrows():
                length = (f["period_end"] - f["period_start"]).days + 1
                inside = f["period_start"] >= start and (f["period_end"] - start).days < days
                if inside:
                    key = (f["period_start"], f["period_end"])
                    if key not in cache:
                        a = w0 + 24.0 * (f["period_start"] - start).days
                        cache[key] = period_totals(log, a, a + 24.0 * length)
                    values[i].append(_model_value(cache[key], f["scope"], f["measure"], length))
                    basis[i] = "same dates"
                else:
                    rate = _model_value(whole, f["scope"], f["measure"], days)
                    per_day = f["measure"] in ("crossings_per_day", "waiting_at_20h", "fee_per_vehicle")
                    values[i].append(rate if per_day else rate / days * length)
                    basis[i] = f"{days} simulated days from {start} scaled to {length} days"
            bar.advance()
    rows = []
    for i, f in figures.iterrows():
        v = np.asarray(values[i], dtype=float)
        mean = float(v.mean()) if v.size else float("nan")
        half = ci_half_width(v)
        tol = float(f["tolerance"]) if str(f["tolerance"]).strip() else float("nan")
        ratio = mean / f["value"] if f["value"] else float("nan")
        rows.append(
            {
                "id": f["id"],
                "what": f["what"],
                "scope": f["scope"],
                "period": f"{f['period_start']}..{f['period_end']}",
                "unit": f["unit"],
                "target": f["value"],
                "model_mean": mean,
                "model_ci95_low": mean - half,
                "model_ci95_high": mean + half,
                "ratio": ratio,
                "fitted": f["fitted"],
                "tolerance": tol,
                "within_tolerance": (abs(ratio - 1.0) <= tol) if not np.isnan(tol) else "",
                "model_basis": basis[i],
                "source": f"{f['basis']}: {f['seed_file'] or f.get('source', '')}",
                "note": f["note"],
                "replications": replications,
                "seed": seed,
                "reason": why_far(f, targets.get(str(f["id"]))),
            }
        )
    return pd.DataFrame(rows)


def _targets_by_id() -> dict:
    """The congestion targets file's entries by id (its echo, bound and discrepancy notes); {} if unreadable."""
    try:
        from gatesim.trust.targets import load_targets

        return {t.id: t for t in load_targets().targets}
    except (InputError, OSError):
        return {}


def why_far(figure: pd.Series, target=None) -> str:
    """Why the model's ratio to ``figure`` may be far from 1 (or why near 1 proves little), in a few words.

    In order: the congestion targets file's flags for the same id (an echo: the model is set from the
    figure; an upper bound only), the figure was fitted, the figures file's own ``reason``, a structural
    discrepancy the targets file names, a figure of another period scaled from the simulated days.
    """
    if target is not None and target.echo:
        return "echo: the model is set from this figure (a regression check, not validation)"
    if target is not None and target.bound == "upper":
        return "upper bound only: a model value below it is not a miss"
    if str(figure.get("fitted", "")) == "yes":
        return "fitted: the model is set from this figure (a regression check, not validation)"
    own = str(figure.get("reason", "") or "").strip()
    if own:
        return own
    if target is not None and target.discrepancy_sd > 0 and target.note:
        return f"structural discrepancy (targets file): {target.note.split(';')[0]}"
    return ""


# The first columns of calibration_table's output: how a calibration CSV gatesim wrote is told apart.
CALIBRATION_COLUMNS = ("id", "what", "scope", "period", "unit", "target", "model_mean")


def is_calibration_csv(path: Path) -> bool:
    """Whether ``path`` is a calibration table gatesim wrote (its header names the table's columns)."""
    from gatesim.outputs import csv_header_starts

    return csv_header_starts(path, CALIBRATION_COLUMNS)


def check_calibration_out(out: Path, force: bool, inputs: list[Path | str]) -> None:
    """Before running: ``--out`` is a new file, or (``--force``) a calibration CSV; never an input.

    The same rule as every other command (gatesim.outputs): checked before the
    replications run, so a refused target costs nothing and changes nothing.
    """
    from gatesim.outputs import check_file_target, check_not_input

    out = Path(out)
    check_not_input(out, inputs)
    check_file_target(out, force, is_calibration_csv, "calibration CSV")
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():  # --out under a file: bad input, said before any work
        raise InputError("cannot create the file: a part of its path is a file", key="--out", given=str(out))


def _num(x: float, unit: str) -> str:
    if np.isnan(x):
        return "-"
    if unit == "VND" and abs(x) >= 1e8:
        return f"{x / 1e9:,.1f} bn VND"
    if unit == "USD":
        return f"{x / 1e6:,.1f} M USD"
    return f"{x:,.1f} {unit}"


def format_calibration(table: pd.DataFrame) -> str:
    """The quick table: each figure, the model beside it, their ratio and why it may be far from 1."""
    lines = [
        f"{'id':5} {'target':>18} {'model (95% CI)':>34} {'ratio':>6}  fit  {'what':44}  why the ratio is not 1"
    ]
    for _, r in table.iterrows():
        ci = f"{_num(r['model_mean'], r['unit'])} ±{_num((r['model_ci95_high'] - r['model_ci95_low']) / 2, r['unit']).split()[0]}"
        fit = "" if r["fitted"] != "yes" else ("ok" if r["within_tolerance"] else "OFF")
        what = r["what"] if len(r["what"]) <= 44 else r["what"][:43] + "\u2026"
        reason = str(r.get("reason", "") or "")
        if not reason and abs(r["ratio"] - 1.0) > 0.1:
            reason = "see the CSV's note column"
        lines.append(
            f"{r['id']:5} {_num(r['target'], r['unit']):>18} {ci:>34} {r['ratio']:6.2f}  {fit:3}  {what:44}  {reason}".rstrip()
        )
    lines.append(
        "fit: 'ok' / 'OFF' = a fitted figure reproduced within its tolerance or not: a regression check of the fit "
        "(the baseline is set from these figures), not validation. 'why': an echo (the model is set from the "
        "figure), an upper bound only, what the figure counts that the model does not (seeds/figures.csv's reason "
        "and note, seeds/congestion_targets.yaml). Congestion targets and the out-of-sample check: "
        "gatesim calibrate --fit (docs/calibration.md)."
    )
    return "\n".join(lines)


def fit_command(
    scenario_path: str,
    overrides: tuple[str, ...],
    out: str,
    sets: int,
    waves: int,
    replications: int | None,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    force: bool,
    quiet: bool,
) -> None:
    """``gatesim calibrate --fit DIR``: check every input, then run the waves (gatesim.trust.fit).

    Before anything runs or is written: the priors against the scenario, every
    measurement rule (gatesim.trust.targets), and every throughput target that
    returns its experiment's input flagged ``echo`` (gatesim.trust.echo).
    """
    import click

    from gatesim.scenario.load import load_scenario
    from gatesim.trust.evaluate import Runner
    from gatesim.trust.fit import FitConfig, run_fit
    from gatesim.trust.priors import default_priors_path, load_priors
    from gatesim.trust.targets import load_targets

    FIT_SETS.check("--sets", sets)
    FIT_WAVES.check("--waves", waves)
    replications = FIT_DEFAULT_REPLICATIONS if replications is None else replications
    FIT_REPLICATIONS.check("--replications", replications)
    WORKERS.check("--workers", workers)
    from gatesim.outputs import check_not_input
    from gatesim.trust.targets import TARGETS_PATH

    # --force clears a directory holding another fit: never one holding (or inside) an input
    check_not_input(Path(out), [scenario_path, default_priors_path(scenario_path), TARGETS_PATH], key="--fit")
    scenario, resolved = load_scenario(Path(scenario_path), overrides)
    priors = load_priors(default_priors_path(scenario_path), scenario, resolved)
    stages = sorted({sid for g in scenario.gates.values() for sid in g.stages})
    targets = load_targets(gates=list(scenario.gates), stages=stages)
    from gatesim.trust.checks import check_fit_inputs
    from gatesim.trust.echo import check_echoes

    check_echoes(targets, resolved)
    check_fit_inputs(priors, resolved, targets)  # every prior at both ends, before anything is written
    cfg = FitConfig(
        sets_per_wave=sets,
        waves=waves,
        replications=replications,
        seed=scenario.run.seed if seed is None else seed,
    )
    note = (lambda m: None) if quiet else (lambda m: click.echo(m, err=True))
    result = run_fit(
        targets, priors, resolved, Path(out), cfg, Runner(workers, scheduler, quiet), force, note
    )
    click.echo(
        f"{len(result.ensemble)} of {len(result.design)} parameter sets not ruled out"
        + (
            f"; no set meets {', '.join(result.discrepant)} (named model discrepancy)"
            if result.discrepant
            else ""
        )
    )
    if len(result.ensemble) < 100:
        click.echo("note: fewer than 100 plausible sets; run more --sets or --waves", err=True)
    click.echo(f"written: {Path(out) / 'ensemble.csv'}, {Path(out) / 'calibration.md'}")

"""Run parameter sets through the targets' experiments on the sweep runner.

Each experiment is one sweep (its own days and dates): points are the
parameter sets, replication r uses seed (fit seed, r) for every set (common
random numbers), and a task returns the experiment's measurements instead of
summary rows. Task files make a stopped fit resume where it stopped; local
processes or a dask scheduler run the tasks, as for ``gatesim sweep``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from gatesim.progress import Progress
from gatesim.run import run_replication
from gatesim.scenario.schema import Scenario
from gatesim.sweep.runner import run_sweep
from gatesim.sweep.spec import Point
from gatesim.sweep.tasks import error_text
from gatesim.trust.experiment import experiment_identity, experiment_sweep
from gatesim.trust.measure import measure
from gatesim.trust.priors import Priors
from gatesim.trust.targets import Targets

__all__ = ["Runner", "evaluate", "run_points"]

Rules = tuple[tuple[str, str, str], ...]  # (target id, rule, settings as JSON)


def measure_task(
    scenario: Scenario,
    days: int,
    replication: int,
    seed: int,
    events_path: str | None = None,
    rules: Rules = (),
) -> dict[str, Any]:
    """One (parameter set, replication) of one experiment: its measurements, or its error."""
    t0 = time.perf_counter()
    try:
        log = run_replication(scenario, days, replication, seed)
        row = {tid: measure(log, rule, json.loads(args)) for tid, rule, args in rules}
        rows, error = [row], ""
    except Exception as exc:  # a model failure is this set's result, not the fit's
        rows, error = [], error_text(exc)
    return {"rows": rows, "error": error, "wall_s": time.perf_counter() - t0}


class Runner:
    """Where and how tasks run (workers, dask scheduler, progress)."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None, quiet: bool = False):
        self.workers, self.scheduler, self.quiet = workers, scheduler, quiet


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def evaluate(
    label: str,
    sets: list[dict[str, Any]],
    targets: Targets,
    roles: tuple[str, ...],
    priors: Priors,
    resolved: dict,
    out: Path,
    replications: int,
    seed: int,
    runner: Runner,
    on_note: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Measure every target of ``roles`` for every set: rows (set, replication, target, value).

    ``sets`` are dicts with ``set_id`` and the priors' parameter values.
    """
    rows = []
    wanted = targets.with_role(*roles)
    for name, group in targets.by_experiment(wanted).items():
        exp = targets.experiments[name]
        points: list[Point] = []
        for s in sets:
            params = {k: s[k] for k in priors.names}
            scenario = priors.apply(resolved, params, exp.overrides())
            points.append(Point(len(points), {"set_id": s["set_id"], **params}, scenario))
        rules: Rules = tuple((t.id, t.rule, _canon(t.args)) for t in group)
        fields = {"label": label, "experiment": name, "overrides": exp.overrides(), "rules": rules}
        identity = experiment_identity(fields, resolved, points, exp.days, replications, seed)
        done = run_points(
            f"{label} {name}",
            points,
            ["set_id", *priors.names],
            exp.days,
            replications,
            seed,
            partial(measure_task, rules=rules),
            identity,
            out / name,
            runner,
            on_note,
            str(resolved.get("name")),
        )
        for t, rec in done:
            values = rec["rows"][0] if rec["rows"] else {g.id: float("nan") for g in group}
            for g in group:
                rows.append(
                    {
                        "set_id": t.params["set_id"],
                        "replication": t.replication,
                        "target": g.id,
                        "value": float(values.get(g.id, float("nan"))),
                        "error": rec["error"],
                        "wall_s": rec.get("wall_s", float("nan")),
                    }
                )
    return pd.DataFrame(rows, columns=["set_id", "replication", "target", "value", "error", "wall_s"])


def run_points(
    label: str,
    points: list[Point],
    param_names: list[str],
    days: int,
    replications: int,
    seed: int,
    task: Callable[..., dict[str, Any]],
    identity: dict[str, Any],
    where: Path,
    runner: Runner,
    on_note: Callable[[str], None] | None,
    base_name: str,
) -> list[tuple[Any, dict[str, Any]]]:
    """One sweep of ``points`` with ``task`` (resumable): each task and its stored record."""
    digest = hashlib.sha256(_canon(identity).encode()).hexdigest()[:16]
    sweep = experiment_sweep(
        label.replace(" ", "/"), base_name, param_names, points, days, replications, seed, identity, digest
    )
    bar: list[Progress] = []

    def on_start(todo: int, skipped: int) -> None:
        bar.append(Progress(todo, label, runner.quiet).__enter__())

    def on_done(t, result) -> None:
        bar[0].advance(note=f"({result['error']})" if result["error"] else "")

    outcome = run_sweep(
        sweep,
        where,
        runner.workers,
        runner.scheduler,
        on_start=on_start,
        on_done=on_done,
        task=task,
        assemble_results=False,
    )
    if bar:
        bar[0].__exit__(None, None, None)
    if outcome.lost and on_note:
        on_note(f"{len(outcome.lost)} tasks of {label} could not run; rerun to retry them")
    done = []
    for t in sweep.tasks:
        path = where / "tasks" / f"{t.id}.json"
        if path.exists():
            done.append((t, json.loads(path.read_text(encoding="utf-8"))))
    return done

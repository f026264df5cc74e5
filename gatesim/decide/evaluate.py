"""Evaluate batches of points as sweep tasks, with a cache that is the sweep directory itself.

An optimiser or a sensitivity design proposes points batch by batch; each
batch becomes a :class:`gatesim.sweep.spec.Sweep` run by
:func:`gatesim.sweep.runner.run_sweep` into one directory whose ``sweep.json``
carries the hash of the whole study (not of the batch). A task's id is a hash
of its parameter values and replication, so a point seen before, or a study
run again after Ctrl-C, finds its results already in ``tasks/`` and is not
run again: the study resumes, and a final stage that asks for more
replications of a point runs only the new ones. Replication r of every point
uses seed (seed, r): common random numbers across points.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gatesim.errors import InputError
from gatesim.scenario.load import apply_overrides, validate
from gatesim.sweep.spec import Point, Sweep, SweepSpec, task_id

__all__ = ["Evaluator"]


def override(key: str, value: Any) -> str:
    """A ``--set`` override string for one key path."""
    return f"{key}={json.dumps(value, ensure_ascii=False)}"


@dataclass
class Evaluator:
    """Runs points on the sweep machinery into ``root`` and returns their per-gate rows."""

    root: Path
    base_name: str
    base_file: str
    resolved: dict[str, Any]  # the base scenario, resolved (with the study's fixed overrides)
    days: int
    seed: int
    identity: dict[str, Any]
    hash: str
    workers: int | None = None
    scheduler: str | None = None
    on_start: Callable[[int, int, str], Any] | None = None  # (to run, already done, what the batch is)
    on_done: Callable[[Any, dict[str, Any]], None] | None = None
    on_batch_end: Callable[[], None] | None = None
    # decision key -> other key paths set to the same value (one decision, several keys)
    linked: dict[str, list[str]] = field(default_factory=dict)
    ran: int = 0
    lost: list[str] = field(default_factory=list)

    def full(self, params: dict[str, Any]) -> dict[str, Any]:
        """The point with its linked key paths added, keys sorted (what a task is keyed by)."""
        out = dict(params)
        for k, others in self.linked.items():
            for o in others:
                out[o] = params[k]
        return dict(sorted(out.items()))

    def scenario(self, params: dict[str, Any], where: str = "point"):
        data = apply_overrides(copy.deepcopy(self.resolved), [override(k, v) for k, v in params.items()])
        try:
            return validate(data, file=self.base_file)
        except InputError as e:
            raise InputError(
                f"{where} {json.dumps(params, ensure_ascii=False)} is not a valid scenario: {e.message}",
                key=e.key,
                given=e.given,
                allowed=e.allowed,
            ) from None

    def run(self, points: list[dict[str, Any]], replications: int, label: str = "runs") -> None:
        """Make sure replications 0..replications-1 of every point have a task file; ``label`` names the
        batch on the progress bar (Morris screening, Sobol indices, search, recheck)."""
        from gatesim.sweep.runner import run_sweep

        unique: list[dict[str, Any]] = []
        for p in points:
            p = self.full(p)
            if p not in unique:
                unique.append(p)
        pts = [Point(i, p, self.scenario(p)) for i, p in enumerate(unique)]
        names = sorted({k for p in unique for k in p})
        spec = SweepSpec(base=self.base_file, parameters={k: [p[k] for p in unique] for k in names})
        sweep = Sweep(
            self.base_file,
            spec,
            self.base_name,
            names,
            pts,
            self.days,
            replications,
            self.seed,
            self.identity,
            self.hash,
        )
        on_start = self.on_start
        started = None if on_start is None else (lambda todo, skipped: on_start(todo, skipped, label))
        outcome = run_sweep(
            sweep, self.root, self.workers, self.scheduler, False, False, started, self.on_done
        )
        self.ran += outcome.ran
        if self.on_batch_end is not None:
            self.on_batch_end()
        if outcome.lost:
            self.lost.extend(outcome.lost)
            raise OSError(
                f"{len(outcome.lost)} tasks could not run (executor failure); run the same command to retry them"
            )

    def result(self, params: dict[str, Any], replication: int) -> dict[str, Any]:
        """The stored result of one task: ``{"rows": [...per gate...], "error": str}``."""
        path = self.root / "tasks" / f"{task_id(self.full(params), replication)}.json"
        return json.loads(path.read_text(encoding="utf-8"))

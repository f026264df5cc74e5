"""``gatesim sweep --ci-target``: more replications for the points whose KPIs are not yet precise.

After the sweep's own replications, each point whose named KPIs' 95%
half-width exceeds the target (at any gate) gets more replications, as many
as the half-width suggests (n x (half / (target x |mean|))^2, at least one
more, at most twice as many per round, at most the maximum), run as ordinary sweep tasks in the same directory
(same seeds: replication r of every point uses (seed, r)). Repeated until every
point meets the target or has the maximum. results.csv then has as many
replications per point as each needed; precision.csv says which met it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from gatesim.outputs import write_csv
from gatesim.sweep.precision import MIN_REPLICATIONS, PrecisionRule
from gatesim.sweep.spec import Sweep, Task, task_id

__all__ = ["extend_to_precision"]


@dataclass(frozen=True)
class _Uneven(Sweep):
    """A sweep whose points have their own replication counts (results are assembled from it)."""

    reps: dict[int, int] = field(default_factory=dict)

    @property
    def tasks(self) -> list[Task]:
        return [
            Task(task_id(p.params, r), p.index, r, p.params)
            for p in self.points
            for r in range(self.reps.get(p.index, self.replications))
        ]


def _summaries(out: Path, params: dict[str, Any], n: int) -> list[pd.DataFrame]:
    frames = []
    for r in range(n):
        rec = json.loads((out / "tasks" / f"{task_id(params, r)}.json").read_text(encoding="utf-8"))
        frames.append(pd.DataFrame(rec["rows"]) if rec["rows"] else pd.DataFrame({"gate": []}))
    return frames


def _needed(rule: PrecisionRule, n: int, maximum: int) -> int:
    t = rule.table
    ratio = 1.0
    for row in t[~t["met"]].itertuples():
        if math.isfinite(row.relative_half) and rule.target > 0:
            ratio = max(ratio, (row.relative_half / rule.target) ** 2)
        else:
            ratio = max(ratio, 2.0)
    # at most double per round: an estimate from 3 replications is itself noisy
    return max(n + 1, min(maximum, 2 * n, math.ceil(n * ratio)))


def extend_to_precision(
    sweep: Sweep,
    out: Path,
    target: float,
    kpis: list[str],
    maximum: int,
    run: Callable[[Sweep], Any],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Extend replications point by point; ``run(sweep)`` runs a (sub)sweep's missing tasks.

    Returns (results, precision table); writes results.csv, results_ci.csv, precision.csv.
    """
    from gatesim.sweep.runner import assemble

    start = min(max(sweep.replications, MIN_REPLICATIONS), maximum)
    if start > sweep.replications:
        run(replace(sweep, replications=start))
    reps = {p.index: start for p in sweep.points}
    while True:
        groups: dict[int, list] = {}
        for p in sweep.points:
            rule = PrecisionRule(target, kpis, maximum)
            n = reps[p.index]
            if not rule(_summaries(out, p.params, n)) and n < maximum:
                groups.setdefault(_needed(rule, n, maximum), []).append(p)
        if not groups:
            break
        for n_new, pts in sorted(groups.items()):
            for p in pts:
                reps[p.index] = n_new
            # renumbered: a sub-sweep's points are its own list (task ids do not depend on it)
            sub = [replace(p, index=i) for i, p in enumerate(pts)]
            run(replace(sweep, points=sub, replications=n_new))
    final = _Uneven(**{f: getattr(sweep, f) for f in sweep.__dataclass_fields__}, reps=reps)
    results = assemble(final, out)
    rows = []
    for p in sweep.points:
        rule = PrecisionRule(target, kpis, maximum)
        rule(_summaries(out, p.params, reps[p.index]))
        rows.append(rule.table.assign(point=p.index))
    table = pd.concat(rows, ignore_index=True)
    table = table[["point", *[c for c in table.columns if c != "point"]]]
    write_csv(out / "precision.csv", table)
    return results, table

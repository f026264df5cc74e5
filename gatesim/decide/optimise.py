"""``optimise``: the cheapest (or best) configuration that meets KPI constraints, under noise.

Two stages, every simulation a sweep task with common random numbers:

1. search: every point of a small integer grid, or Optuna's TPE sampler
   (seeded; ``search.batch`` points proposed at a time, a fixed number, so the
   same study proposes the same points on a pool of any size or on dask), each
   point run with ``search.replications`` replications;
2. select: the ``select.top`` best candidates that meet the constraints, or
   miss them by at most ``select.slack``, re-run up to ``select.replications``
   (the first replications are reused: same seeds) and checked again; the
   chosen one is the cheapest that meets every constraint on the larger run
   (or, for a KPI objective, the lowest mean, with the candidates a paired-t
   Bonferroni check cannot set apart from it named).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gatesim.decide.evaluate import Evaluator
from gatesim.decide.rank import check_constraint, indistinguishable_from_best, pivot
from gatesim.decide.spec import MAX_GRID, OptimiseSpec, Study

__all__ = ["Candidate", "Optimisation", "optimise"]


@dataclass
class Candidate:
    index: int
    params: dict[str, Any]
    cost: float
    phase: str = "search"
    replications: int = 0
    feasible: bool = False
    violation: float = math.inf
    detail: str = ""
    objective: float = math.nan  # mean over replications (the cost itself for a cost objective)
    pareto_mean: float = math.nan
    pareto_half: float = math.nan
    error: str = ""
    per_rep_objective: np.ndarray = field(default_factory=lambda: np.empty(0))
    # the constraint missed most: its KPI, the value compared with the bound, where, and the noise
    miss: tuple[str, float, float, str] = ("", math.nan, math.nan, "")  # (kpi, value, bound, gate)
    noise: float = 0.0  # the violation's 95% CI half-width over replications (violation's unit)
    # at the gate missed most, per stage: (mean hours in its queue, utilisation), over replications
    stages: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass
class Optimisation:
    study: Study
    candidates: list[Candidate]
    evaluations: pd.DataFrame
    chosen: Candidate | None
    close_to_chosen: list[Candidate]
    method: str
    ran: int


def cost_of(spec: OptimiseSpec, params: dict[str, Any]) -> float:
    return round(float(sum(d.cost_per_unit * params[k] for k, d in spec.decisions.items())), 10)


def _grid(spec: OptimiseSpec) -> list[dict[str, Any]]:
    names = sorted(spec.decisions)
    levels = [spec.decisions[k].levels() for k in names]
    return [dict(zip(names, combo)) for combo in itertools.product(*levels)]


def grid_size(spec: OptimiseSpec) -> int | None:
    if not all(d.is_discrete for d in spec.decisions.values()):
        return None
    return math.prod(len(d.levels()) for d in spec.decisions.values())


def _rows(ev: Evaluator, params: dict[str, Any], reps: int) -> tuple[pd.DataFrame, str]:
    frames, errors = [], []
    for r in range(reps):
        res = ev.result(params, r)
        if res["error"]:
            errors.append(f"rep {r}: {res['error']}")
        for row in res["rows"]:
            frames.append({"replication": r, **row})
    return pd.DataFrame(frames), "; ".join(errors)


def _score(study: Study, cand: Candidate, rows: pd.DataFrame, error: str, reps: int) -> None:
    spec = study.optimise_spec
    cand.replications = reps
    cand.error = error
    if error or rows.empty:
        cand.feasible, cand.violation, cand.detail = False, math.inf, error or "no results"
        return
    viols, details, ok = [], [], True
    worst = -math.inf
    for c in spec.constraints:
        res = check_constraint(c, pivot(rows, c.kpi, study.gate_ids(c.gates)))
        ok &= res.ok
        viols.append(res.violation)
        details.append(f"{c.kpi}: {res.detail}")
        if res.violation > worst:
            worst = res.violation
            cand.miss, cand.noise = (c.kpi, res.value, c.bound, res.gate), res.noise
    cand.stages = stage_loads(rows, cand.miss[3])
    if spec.budget is not None and cand.cost > spec.budget:
        ok = False
        viols.append((cand.cost - spec.budget) / max(spec.budget, 1.0))
        details.append(f"cost {cand.cost:g} over budget {spec.budget:g}")
    cand.feasible = ok
    cand.violation = max(viols) if viols else 0.0
    cand.detail = "; ".join(details)
    gates = study.gate_ids(spec.objective.gates)
    if spec.objective.minimise == "cost":
        cand.per_rep_objective = np.full(reps, cand.cost)
    else:
        t = pivot(rows, spec.objective.minimise, gates)
        cand.per_rep_objective = t.sum(axis=1, min_count=1).to_numpy(dtype=float)
    cand.objective = float(np.mean(cand.per_rep_objective))
    pk = pivot(rows, spec.pareto_kpi, study.gate_ids(spec.pareto_gates)).mean(axis=1).to_numpy(dtype=float)
    from gatesim.stats import ci_half_width

    cand.pareto_mean = float(np.nanmean(pk)) if not np.isnan(pk).all() else math.nan
    cand.pareto_half = ci_half_width(pk)


def stage_loads(rows: pd.DataFrame, gate: str) -> dict[str, tuple[float, float]]:
    """Per stage of ``gate``: mean hours in its queue per truck passing it, and its utilisation (log's KPIs)."""
    from gatesim.projections.registry import stage_of

    at = rows[rows["gate"] == gate] if "gate" in rows else rows.iloc[0:0]
    out: dict[str, tuple[float, float]] = {}
    for col in at.columns:
        stage = stage_of(str(col))
        if stage is None or not str(col).startswith("wait_at_"):
            continue
        util = f"util_{stage}"
        u = float(pd.to_numeric(at[util], errors="coerce").mean()) if util in at else math.nan
        out[stage] = (float(pd.to_numeric(at[col], errors="coerce").mean()), u)
    return out


def _penalised(spec: OptimiseSpec, cand: Candidate) -> float:
    """A single number for TPE: the objective, plus a penalty that puts every violator behind."""
    if spec.objective.minimise == "cost":
        span = sum(abs(d.cost_per_unit) * (d.high - d.low) for d in spec.decisions.values()) + 1.0
        base = cand.cost
    else:
        span = abs(cand.objective) + 1.0 if math.isfinite(cand.objective) else 1.0
        base = cand.objective if math.isfinite(cand.objective) else 0.0
    if cand.feasible:
        return base
    v = min(cand.violation, 1e6) if math.isfinite(cand.violation) else 1e6
    return base + 10 * span * (1.0 + max(v, 0.0))


def _sort_key(spec: OptimiseSpec, c: Candidate) -> tuple:
    obj = c.cost if spec.objective.minimise == "cost" else c.objective
    return (
        obj if math.isfinite(obj) else math.inf,
        c.pareto_mean if math.isfinite(c.pareto_mean) else math.inf,
        c.index,
    )


def optimise(study: Study, ev: Evaluator) -> Optimisation:
    spec = study.optimise_spec
    cands: dict[tuple, Candidate] = {}
    order: list[Candidate] = []

    def add(params: dict[str, Any]) -> Candidate:
        key = tuple(sorted(params.items()))
        if key not in cands:
            c = Candidate(len(order), dict(sorted(params.items())), cost_of(spec, params))
            cands[key] = c
            order.append(c)
        return cands[key]

    def evaluate(batch: list[Candidate], reps: int, label: str = "search") -> None:
        ev.run(
            [c.params for c in batch], reps, f"{label} ({len(batch)} configurations x {reps} replications)"
        )
        for c in batch:
            rows, err = _rows(ev, c.params, reps)
            _score(study, c, rows, err, reps)

    method = _search_method(study, spec)
    rs = spec.search.replications
    if method == "grid":
        evaluate([add(p) for p in _grid(spec)], rs)
    else:
        _tpe(spec, study, add, evaluate)

    # Stage 2: recheck the best plausible candidates with more replications (same seeds);
    # when none of them holds up, the next best, until one does or none is left.
    pool = sorted(order, key=lambda c: _sort_key(spec, c))
    plausible = [c for c in pool if c.violation <= spec.select.slack and not c.error]
    rf = spec.select.replications
    final: list[Candidate] = []
    while plausible and not final:
        top, plausible = plausible[: spec.select.top], plausible[spec.select.top :]
        if rf > rs:
            for c in top:
                c.phase = "select"
            evaluate(top, rf, "recheck of the best")
        final = sorted((c for c in top if c.feasible), key=lambda c: _sort_key(spec, c))
    chosen, close = _choose(final, spec, ev, study) if final else (None, [])
    evaluations = _evaluations(study, ev, order)
    return Optimisation(study, order, evaluations, chosen, close, method, ev.ran)


def _search_method(study: Study, spec: OptimiseSpec) -> str:
    """grid or tpe (auto: grid when the whole grid fits in the trial budget)."""
    size = grid_size(spec)
    method = spec.search.method
    if method == "auto":
        method = "grid" if size is not None and size <= max(spec.search.trials, 1) else "tpe"
    if method == "grid" and (size is None or size > MAX_GRID):
        from gatesim.errors import InputError

        raise InputError(
            "the decision grid is too large",
            file=study.file,
            key="search.method",
            given=size,
            allowed=f"at most {MAX_GRID} points, or method tpe",
        )
    return method


def _choose(
    final: list[Candidate], spec: OptimiseSpec, ev: Evaluator, study: Study
) -> tuple[Candidate, list[Candidate]]:
    """The chosen candidate among the feasible finalists, and those indistinguishable from it."""
    if spec.objective.minimise == "cost":
        chosen = final[0]
        ties = [c for c in final if c.cost == chosen.cost]
        if len(ties) <= 1:
            return chosen, []
        # equal cost: the lower pareto KPI, checked pairwise
        vals = np.column_stack([_pareto_reps(ev, study, c) for c in ties])
        b, near = indistinguishable_from_best(vals, spec.select.confidence)
        return ties[b], [ties[j] for j in near]
    vals = np.column_stack([c.per_rep_objective for c in final])
    b, near = indistinguishable_from_best(vals, spec.select.confidence)
    return final[b], [final[j] for j in near]


def _pareto_reps(ev: Evaluator, study: Study, c: Candidate) -> np.ndarray:
    rows, _ = _rows(ev, c.params, c.replications)
    return (
        pivot(rows, study.optimise_spec.pareto_kpi, study.gate_ids(study.optimise_spec.pareto_gates))
        .mean(axis=1)
        .to_numpy(dtype=float)
    )


def _tpe(spec: OptimiseSpec, study: Study, add, evaluate) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(
        seed=study.seed % 2**32, n_startup_trials=max(1, min(10, spec.search.trials // 3))
    )
    opt = optuna.create_study(direction="minimize", sampler=sampler)
    names = sorted(spec.decisions)
    done = 0
    while done < spec.search.trials:
        n = min(spec.search.batch, spec.search.trials - done)
        trials = [opt.ask() for _ in range(n)]
        batch = []
        for tr in trials:
            params: dict[str, float] = {}
            for k in names:
                d = spec.decisions[k]
                if d.is_integer:
                    params[k] = tr.suggest_int(
                        k, int(d.low), int(d.high), step=int(d.step or 1)
                    )  # is_integer: ints
                else:
                    params[k] = float(f"{tr.suggest_float(k, d.low, d.high, step=d.step):.10g}")
            batch.append(add(params))
        fresh: list[Candidate] = []
        for c in batch:  # TPE may propose a point twice: run it once
            if c.replications == 0 and all(c is not f for f in fresh):
                fresh.append(c)
        if fresh:
            evaluate(fresh, spec.search.replications)
        for tr, c in zip(trials, batch):
            opt.tell(tr, _penalised(spec, c))
        done += n


def _evaluations(study: Study, ev: Evaluator, order: list[Candidate]) -> pd.DataFrame:
    """Every candidate x replication x gate, KPIs as the tasks produced them."""
    from gatesim.projections.kpis import KPI_COLUMNS

    names = sorted(study.optimise_spec.decisions)
    recs = []
    for c in order:
        for r in range(c.replications):
            res = ev.result(c.params, r)
            head = {
                "candidate": c.index,
                "phase": "search" if r < study.optimise_spec.search.replications else "select",
                **c.params,
                "cost": c.cost,
                "replication": r,
                "seed": study.seed,
            }
            for row in res["rows"] or [{"gate": ""}]:
                recs.append(
                    {
                        **head,
                        **{k: v for k, v in row.items() if k != "gate"},
                        "gate": row["gate"],
                        "error": res["error"],
                    }
                )
    df = pd.DataFrame(recs)
    lead = ["candidate", "phase", *names, "cost", "replication", "seed", "gate"]
    kpis = [k for k in KPI_COLUMNS if k in df.columns]
    rest = sorted(c for c in df.columns if c not in lead and c not in kpis and c not in ("error", "scenario"))
    return df[[*lead, *kpis, *rest, "error"]]

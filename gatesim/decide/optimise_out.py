"""Write an optimisation's outputs: evaluations.csv, candidates.csv, pareto.csv, best.yaml, report.html."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pandas as pd

from gatesim.decide.optimise import Candidate, Optimisation
from gatesim.decide.page import figure_png, write_page
from gatesim.outputs import write_csv, write_yaml
from gatesim.scenario.load import apply_overrides

__all__ = ["write_outputs"]


def candidates_frame(opt: Optimisation) -> pd.DataFrame:
    spec = opt.study.optimise_spec
    names = sorted(spec.decisions)
    rows = []
    for c in opt.candidates:
        rows.append(
            {
                "candidate": c.index,
                "phase": c.phase,
                **c.params,
                "cost": c.cost,
                "replications": c.replications,
                "objective": c.objective,
                f"{spec.pareto_kpi}_mean": c.pareto_mean,
                f"{spec.pareto_kpi}_ci95_half": c.pareto_half,
                "feasible": c.feasible,
                "violation": c.violation if math.isfinite(c.violation) else float("nan"),
                "chosen": opt.chosen is not None and c.index == opt.chosen.index,
                "detail": c.detail,
            }
        )
    cols = ["candidate", "phase", *names, "cost", "replications", "objective"]
    return pd.DataFrame(rows)[[*cols, *[k for k in rows[0] if k not in cols]]] if rows else pd.DataFrame()


def pareto_front(cands: list[Candidate]) -> list[Candidate]:
    """Candidates meeting the constraints that no other beats on both cost and the pareto KPI."""
    ok = [c for c in cands if c.feasible and math.isfinite(c.pareto_mean)]
    front: list[Candidate] = []
    for c in sorted(ok, key=lambda c: (c.cost, c.pareto_mean, c.index)):
        if not front or c.pareto_mean < front[-1].pareto_mean:
            front.append(c)
    return front


def best_scenario(opt: Optimisation, chosen: Candidate) -> dict:
    study = opt.study
    full = dict(chosen.params)
    for k, d in study.optimise_spec.decisions.items():
        for other in d.also:
            full[other] = chosen.params[k]
    data = apply_overrides(copy.deepcopy(study.resolved), [f"{k}={json.dumps(v)}" for k, v in full.items()])
    data["name"] = f"{study.base.name}_best"
    data["description"] = f"Chosen by gatesim optimise {study.name} (candidate {chosen.index}): " + ", ".join(
        f"{k}={v}" for k, v in chosen.params.items()
    )
    data["run"] = {
        **data.get("run", {}),
        "days": study.days,
        "replications": chosen.replications,
        "seed": study.seed,
    }
    return data


def _chart(opt: Optimisation) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec = opt.study.optimise_spec
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for ok, colour, label in (
        (False, "#c44", "misses a constraint"),
        (True, "#2a7", "meets the constraints"),
    ):
        cs = [c for c in opt.candidates if c.feasible == ok and math.isfinite(c.pareto_mean)]
        ax.scatter([c.cost for c in cs], [c.pareto_mean for c in cs], c=colour, label=label, s=28, alpha=0.8)
    front = pareto_front(opt.candidates)
    if front:
        ax.plot([c.cost for c in front], [c.pareto_mean for c in front], "-", color="#2a7", lw=1)
    if opt.chosen is not None:
        ax.scatter(
            [opt.chosen.cost], [opt.chosen.pareto_mean], marker="*", s=220, c="#13c", label="chosen", zorder=5
        )
    ys = [c.pareto_mean for c in opt.candidates if math.isfinite(c.pareto_mean)]
    if ys and min(ys) > 0 and max(ys) / min(ys) > 100:
        ax.set_yscale("log")  # a few overloaded configurations would flatten the rest
    ax.set_xlabel("cost (sum of cost_per_unit x value)")
    where = "gates" if spec.pareto_gates == "all" else ", ".join(spec.pareto_gates)
    ax.set_ylabel(f"{spec.pareto_kpi} (mean over {where}, replications)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return figure_png(fig)


def write_outputs(opt: Optimisation, out: Path) -> dict[str, Path]:
    study, spec = opt.study, opt.study.optimise_spec
    paths = {
        "evaluations": out / "evaluations.csv",
        "candidates": out / "candidates.csv",
        "pareto": out / "pareto.csv",
        "report": out / "report.html",
    }
    write_csv(paths["evaluations"], opt.evaluations)
    cf = candidates_frame(opt)
    write_csv(paths["candidates"], cf)
    front = {c.index for c in pareto_front(opt.candidates)}
    pf = cf[cf["candidate"].isin(front)].drop(columns=["detail"]).sort_values(["cost", "candidate"])
    write_csv(paths["pareto"], pf)
    if opt.chosen is not None:
        paths["best"] = out / "best.yaml"
        write_yaml(paths["best"], best_scenario(opt, opt.chosen))
    else:
        (out / "best.yaml").unlink(missing_ok=True)
    lines = [
        f"Base scenario {study.base.name}, {study.days} days per run, seed {study.seed}; "
        f"search {opt.method} with {spec.search.replications} replications per point, "
        f"then the best {spec.select.top} rechecked with {spec.select.replications}.",
        "Objective: minimise "
        + ("cost" if spec.objective.minimise == "cost" else f"{spec.objective.minimise} (sum over gates)")
        + (f", budget {spec.budget:g}" if spec.budget is not None else "")
        + ".",
        *[f"Constraint: {c.text()}." for c in spec.constraints],
        verdict(opt),
    ]
    show = cf.sort_values(["feasible", "cost", "candidate"], ascending=[False, True, True]).head(30)
    write_page(
        paths["report"], f"Optimisation: {study.name}", lines, _chart(opt), {"Candidates (best first)": show}
    )
    return paths


def closest(opt: Optimisation, n: int = 5) -> list[Candidate]:
    return sorted(opt.candidates, key=lambda c: (c.violation, c.cost, c.index))[:n]


def verdict(opt: Optimisation) -> str:
    c = opt.chosen
    if c is None:
        near = closest(opt, 3)
        return "No configuration meets the constraints. Closest: " + "; ".join(
            f"candidate {x.index} ({_params(x)}, cost {x.cost:g}: {x.detail})" for x in near
        )
    s = f"Chosen: candidate {c.index} ({_params(c)}), cost {c.cost:g}, {c.detail}, over {c.replications} replications."
    if opt.close_to_chosen:
        s += (
            " Not set apart from it by the paired check: "
            + ", ".join(f"candidate {x.index} ({_params(x)})" for x in opt.close_to_chosen)
            + "."
        )
    return s


def _params(c: Candidate) -> str:
    return ", ".join(f"{'.'.join(k.split('.')[-2:])}={v}" for k, v in c.params.items())

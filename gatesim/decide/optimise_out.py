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

__all__ = ["closest", "miss_words", "params_words", "verdict", "write_outputs"]


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
    from gatesim.projections.registry import find

    k = find(spec.pareto_kpi)
    kpi_words = k.label if k is not None else spec.pareto_kpi
    unit = f" {k.unit}" if k is not None and k.unit not in ("", "share") else ""
    ys = [c.pareto_mean for c in opt.candidates if math.isfinite(c.pareto_mean)]
    for b in [c for c in spec.constraints if c.kpi == spec.pareto_kpi]:
        op = "\u2264" if b.max is not None else "\u2265"
        ax.axhline(
            b.bound, color="#c44", ls="--", lw=1.2, label=f"bound: {kpi_words} {op} {b.bound:.4g}{unit}"
        )
        ys.append(b.bound)  # the bound is in view however far every candidate misses it
    if ys and min(ys) > 0 and max(ys) / min(ys) > 100:
        ax.set_yscale("log")  # a few overloaded configurations would flatten the rest
    if ys:
        lo, hi = min(ys), max(ys)
        pad = 0.05 * (hi - lo) if hi > lo else 0.1 * max(abs(hi), 1.0)
        if ax.get_yscale() == "linear":
            ax.set_ylim(min(0.0, lo - pad) if lo >= 0 else lo - pad, hi + pad)
    ax.set_xlabel("cost (sum of cost_per_unit x value)")
    where = "gates" if spec.pareto_gates == "all" else ", ".join(spec.pareto_gates)
    ax.set_ylabel(f"{kpi_words}{unit and f' ({unit.strip()})'}, mean over {where} and replications")
    ax.legend(fontsize=9)  # 14 px at the page's 110 dpi
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
    if opt.chosen is not None:
        show = cf.sort_values(["feasible", "cost", "candidate"], ascending=[False, True, True]).head(30)
        title = "Candidates (best first)"
    else:  # none meets the constraints: in the order the terminal names the closest
        order = [c.index for c in closest(opt, 30)]
        show = cf.set_index("candidate").loc[order].reset_index()
        title = "Candidates (closest first: by how far they miss, misses within their noise by cost)"
    write_page(paths["report"], f"Optimisation: {study.name}", lines, _chart(opt), {title: show})
    return paths


def closest(opt: Optimisation, n: int = 5) -> list[Candidate]:
    """The candidates closest to meeting the constraints: by how far they miss, then by cost.

    Misses that differ by less than their noise (the 95% CI half-width of the
    violation over replications) are a tie, ranked by cost: 45.22 h and 45.25 h
    against a 2 h bound are the same miss, and the cheaper configuration comes first.
    """
    pool = sorted(opt.candidates, key=lambda c: (c.violation, c.cost, c.index))
    out: list[Candidate] = []
    while pool and len(out) < n:
        lead = pool[0]
        tied = [c for c in pool if _tie(lead, c)]
        out += sorted(tied, key=lambda c: (c.cost, c.violation, c.index))
        pool = [c for c in pool if all(c is not t for t in tied)]
    return out[:n]


def _tie(lead: Candidate, c: Candidate) -> bool:
    if not math.isfinite(lead.violation) or not math.isfinite(c.violation):
        return lead.violation == c.violation
    return c.violation - lead.violation <= max(lead.noise, c.noise)


def miss_words(c: Candidate) -> str:
    """E.g. "misses by ×22: 95th percentile of wait at Tân Thanh 45 h 13 min against a bound of 2 h"."""
    from gatesim.decide.labels import kpi_at_gate
    from gatesim.projections.registry import find

    kpi, value, bound, gate = c.miss
    if not kpi or not math.isfinite(value):
        return f"fails ({c.detail})"
    k = find(kpi)
    unit = k.unit if k is not None else ""
    over = value > bound
    ratio = value / bound if over and bound > 0 else bound / value if not over and value > 0 else math.nan
    if math.isfinite(ratio) and ratio >= 1.5:
        by = f"\u00d7{ratio:.0f}" if ratio >= 10 else f"\u00d7{ratio:.1f}"
    else:
        by = f"{abs(value - bound) / max(abs(bound), 1e-300):.0%} {'over' if over else 'under'}"
    what = kpi_at_gate(f"{kpi}@{gate}" if gate else kpi)
    return f"misses by {by}: {what} {_figure(value, unit)} against a bound of {_figure(bound, unit)}"


def _figure(x: float, unit: str) -> str:
    """In plain units; below a minute in seconds (a tight bound must not read "0 min")."""
    from gatesim.compare.plain import plain

    if unit == "h" and 0 < abs(x) < 1 / 60:
        return f"{x * 3600:.3g} s"
    return plain(x, unit)


def binding_words(c: Candidate) -> str:
    """Which stage binds at the gate missed most: the longest queue, with its utilisation (from the log)."""
    from gatesim.projections.registry import GATE_NAMES, stage_label

    waits = {s: w for s, (w, _) in c.stages.items() if math.isfinite(w)}
    if not waits:
        return ""
    stage = max(waits, key=lambda s: waits[s])
    util = c.stages[stage][1]
    busy = f"; busy {util:.0%} of its open hours" if math.isfinite(util) else ""
    gate = GATE_NAMES.get(c.miss[3], c.miss[3])
    return (
        f"What binds at {gate}: {stage_label(stage)}, the longest queue "
        f"({_figure(waits[stage], 'h')} per truck passing it{busy})."
    )


def verdict(opt: Optimisation) -> str:
    c = opt.chosen
    if c is None:
        near = closest(opt, 1)
        if not near:
            return "No configuration meets the constraints."
        x = near[0]
        return " ".join(
            w
            for w in (
                f"No configuration meets the constraints. The closest, candidate {x.index} ({params_words(x)}; "
                f"cost {x.cost:g}), {miss_words(x)}.",
                binding_words(x),
            )
            if w
        )
    s = f"Chosen: candidate {c.index} ({params_words(c)}), cost {c.cost:g}, {c.detail}, over {c.replications} replications."
    if opt.close_to_chosen:
        s += (
            " Not set apart from it by the paired check: "
            + ", ".join(f"candidate {x.index} ({params_words(x)})" for x in opt.close_to_chosen)
            + "."
        )
    return s


def params_words(c: Candidate) -> str:
    """``dedicated road: lanes=6, acceptance, Chinese side: closing hour=22`` (plain labels)."""
    from gatesim.decide.labels import factor_label

    gates = {k.split(".")[1] for k in c.params if k.startswith("gates.")}
    return ", ".join(f"{factor_label(k, gate=len(gates) > 1)}={v}" for k, v in c.params.items())

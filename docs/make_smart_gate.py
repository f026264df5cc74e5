"""Write the goals section of docs/smart_gate.md from the smart-gate runs (runs nothing by default).

    python docs/make_smart_gate.py --run          # run the commands below (~25 min on the shared machine), then write
    python docs/make_smart_gate.py                # reuse runs/smart_gate, write the page

For each stated goal (2-3x by 2027, 4-5x by 2030): whether the modelled lanes and dispatch
carry the goal's trucks at the smart gates, what binds first (the AGVs, the yards, the Chinese
side, the Vietnamese stages), what happens to the waits of the trucks that keep the conventional
route, and the least configuration `gatesim optimise` found. Every sentence is made from the
numbers of the runs' `summary.csv` and of optimise's `candidates.csv`, so the page stays true
when the model or the files change: run it again.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "smart_gate.md"
START, END = "<!-- goals:start -->", "<!-- goals:end -->"
PROPOSALS = ("smart_agv_night_trial", "smart_huu_nghi_2026", "smart_goal_2027", "smart_goal_2030")
PILOTS = (("smart_agv_night_trial", "tan_thanh"), ("smart_huu_nghi_2026", "huu_nghi"))
# The levels table: (summary.csv column, header, decimals)
LEVELS = (
    ("arrivals_per_day", "arrivals/day", 0),
    ("throughput_per_day", "crossings/day", 0),
    ("wait_mean_h", "wait mean h", 2),
    ("wait_p95_h", "wait p95 h", 2),
    ("agv_containers_per_day", "AGV containers/day", 0),
    ("agv_utilisation", "AGV utilisation", 2),
    ("agv_wait_mean_h", "wait for an AGV h", 2),
    ("util_cn_acceptance", "CN acceptance util", 2),
    ("util_cn_release", "CN release util", 2),
    ("queue_max_km", "queue max km", 1),
)
# The assessments (output folder: proposals, plausible worlds), each within ~5 min on the shared machine
ASSESS = {
    "assess_pilots": (("smart_agv_night_trial", "smart_huu_nghi_2026"), 20),
    "assess_goals": (("smart_goal_2027", "smart_goal_2030"), 12),
}
# The decision KPIs of the plausible-worlds table
WORLD_KPIS = ["wait_mean_h", "wait_p95_h", "throughput_per_day", "waiting_at_20h_mean"]
GATES = {"tan_thanh": "Tân Thanh", "huu_nghi": "Hữu Nghị", "coc_nam": "Cốc Nam", "chi_ma": "Chi Ma"}
SMART_GATES = ("tan_thanh", "huu_nghi")
# A gate "carries" its trucks when at least this share of a day's arrivals cross in a day
# (the rest is noise of the window's edges) and the p95 wait is within the goal's bound.
CARRIED_SHARE = 0.97
# Below this utilisation no resource is said to bind.
BINDS_AT = 0.8

# What a utilisation column measures, in a planner's words (first match wins).
RESOURCES = (
    ("agv", "the AGVs"),
    ("lane", "the AGVs"),
    ("buffer", "the buffer before the Chinese side"),
    ("yard", "the yards"),
    ("cn_acceptance", "the Chinese side's acceptance"),
    ("cn_release", "the Chinese side's release"),
    ("handover", "the handover crews at the yards"),
    ("road", "the dedicated road"),
    ("fees", "the fee counters"),
    ("declaration", "the customs declaration"),
)


@dataclass(frozen=True)
class GateFacts:
    """One smart gate under a goal: volumes, waits and how busy each resource is."""

    gate: str
    arrivals_per_day: float
    crossings_per_day: float
    wait_p95_h: float
    # the conventional route's waits where its trucks alone queue: label -> (goal's h, today's h)
    conventional: dict[str, tuple[float, float]] = field(default_factory=dict)
    utils: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class GoalFacts:
    """A goal as run: its demand, its gates, its bound and what optimise chose."""

    title: str
    demand: str
    bound_h: float
    gates: tuple[GateFacts, ...]
    chosen: str | None = None  # the configuration optimise chose, in words
    closest: str | None = None
    # with the chosen configuration: gate name -> the conventional route's waits (as GateFacts')
    chosen_conventional: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)


def resource_label(column: str) -> str:
    """`util_cn_acceptance` -> "the Chinese side's acceptance" (the column itself when unknown)."""
    name = column.removeprefix("util_").removesuffix("_utilisation")
    for key, label in RESOURCES:
        if key in name:
            return label
    return name.replace("_", " ")


def _h(x: float) -> str:
    """Hours as read: two decimals under 10 h (a change of a few minutes shows), then one, then none."""
    return f"{x:.2f} h" if x < 10 else f"{x:.1f} h" if x < 100 else f"{x:,.0f} h"


def carried(g: GateFacts, bound_h: float) -> bool:
    return g.crossings_per_day >= CARRIED_SHARE * g.arrivals_per_day and g.wait_p95_h <= bound_h


def binding(g: GateFacts) -> tuple[str, float] | None:
    """The busiest resource at a gate ("a and b" when several are as busy, to 0.01), or None when
    nothing is near its capacity."""
    if not g.utils:
        return None
    top = max(g.utils.values())
    if top < BINDS_AT:
        return None
    labels = list(dict.fromkeys(resource_label(c) for c, u in g.utils.items() if u >= top - 0.01))
    return _and(labels), top


def _conventional(gate: str, waits: dict[str, tuple[float, float]]) -> list[str]:
    out = []
    for what, (w, w0) in waits.items():
        change = w - w0
        word = "falls" if change < 0 else "rises" if change > 0 else "stays"
        out.append(
            f"On the conventional route at {gate}, {what} wait {_h(w)} on average against "
            f"{_h(w0)} today: the wait {word}" + ("." if change == 0 else f" by {_h(abs(change))}.")
        )
    return out


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def goal_paragraph(goal: GoalFacts) -> str:
    """Plain words for one goal, every figure from `goal`."""
    ok = [g for g in goal.gates if carried(g, goal.bound_h)]
    verdict = "carry it" if len(ok) == len(goal.gates) else "do not carry it"
    lines = [
        f"**{goal.title}** ({goal.demand}). As the goal's file sets it, the modelled lanes and dispatch **{verdict}**"
    ]
    parts = []
    for g in goal.gates:
        state = "carried" if g in ok else "not carried"
        parts.append(
            f"{g.gate}: {g.crossings_per_day:,.0f} of {g.arrivals_per_day:,.0f} trucks a day cross, "
            f"p95 wait {_h(g.wait_p95_h)} ({state})"
        )
    lines[0] += " — " + "; ".join(parts) + f" (bound: p95 ≤ {goal.bound_h:g} h)."
    for g in goal.gates:
        b = binding(g)
        if b is None:
            lines.append(f"At {g.gate} nothing binds: no resource is busier than {BINDS_AT:.0%}.")
        else:
            lines.append(f"At {g.gate} what binds first is {b[0]} (utilisation {b[1]:.2f}).")
        lines += _conventional(g.gate, g.conventional)
    if goal.chosen:
        lines.append(
            f"**It is carried with more**: the cheapest configuration `gatesim optimise` found that meets the bound is {goal.chosen}."
        )
        for gate, waits in goal.chosen_conventional.items():
            lines += [
                line.replace("On the conventional route", "With it, on the conventional route", 1)
                for line in _conventional(gate, waits)
            ]
    elif goal.closest:
        lines.append(
            f"**No configuration `gatesim optimise` tried carries it**; the closest: {goal.closest}."
        )
    return " ".join(lines)


# Stages where only the conventional route's trucks queue (the lane replaces the import side's
# Chinese release; exports keep their route): the wait column and who queues there.
CONVENTIONAL = (
    ("wait_at_cn_release_h", "imports at the Chinese release"),
    ("wait_at_cn_acceptance_h", "exports at the Chinese acceptance"),
)


def fluid_utilisation(containers_per_day: float, fleet: int, hold_h: float, open_h_per_day: float) -> float:
    """The fleet's busy share from what it carried: containers x the hours each holds a vehicle
    (cycle and charging over uptime) over the fleet's open hours (Little's law on the vehicles)."""
    return containers_per_day * hold_h / (fleet * open_h_per_day)


def with_lane_utilisation(summary: pd.DataFrame, scenario_yaml: Path) -> pd.DataFrame:
    """`agv_utilisation` filled from the fluid identity where the run left it empty (a lane open
    round the clock logs no opening or closing to measure its open hours by)."""
    from gatesim.scenario.load import load_scenario

    if "agv_containers_per_day" not in summary or not scenario_yaml.is_file():
        return summary
    scenario, _ = load_scenario(scenario_yaml)
    out = summary.copy()
    for gid, gate in scenario.gates.items():
        lane = gate.agv_lane
        rows = (out["gate"] == gid) & out["agv_utilisation"].isna()
        if lane is None or not rows.any():
            continue
        open_h = lane.hours.close_h - lane.hours.open_h
        out.loc[rows, "agv_utilisation"] = [
            fluid_utilisation(c, lane.fleet_agvs, lane.hold_h, open_h)
            for c in out.loc[rows, "agv_containers_per_day"]
        ]
    return out


def pilot_sentence(name: str, gate: str, run: pd.DataFrame, base: pd.DataFrame) -> str:
    """What a pilot's lane does at its gate, in the run's numbers: what it carries, how busy, how
    long a container waits for it, and where the gate's waits move (against the baseline)."""
    r = run[run["gate"] == gate].mean(numeric_only=True)
    b = base[base["gate"] == gate].mean(numeric_only=True)
    moves = []
    for col, what in (
        ("wait_at_cn_release_h", "at the Chinese release"),
        ("wait_at_handover_h", "at the handover"),
        ("wait_at_declaration_h", "at the declaration"),
    ):
        if pd.notna(r.get(col)) and pd.notna(b.get(col)) and abs(r[col] - b[col]) >= 0.05:
            moves.append(f"{what} {b[col]:.2f} → {r[col]:.2f} h")
    util = r.get("agv_utilisation")
    busy = f", AGV utilisation {util:.2f}" if pd.notna(util) else ""
    text = (
        f"`{name}` at {GATES[gate]}: the lane carries {r['agv_containers_per_day']:,.0f} containers a day{busy}; "
        f"a container waits {_h(r['agv_wait_mean_h'])} for an AGV. The gate's mean wait per truck goes from "
        f"{b['wait_mean_h']:.2f} to {r['wait_mean_h']:.2f} h, its p95 from {b['wait_p95_h']:.1f} to {r['wait_p95_h']:.1f} h"
    )
    return text + ("; by stage: " + ", ".join(moves) + "." if moves else ".")


def gate_facts(run: pd.DataFrame, base: pd.DataFrame, gate: str) -> GateFacts:
    """A gate's facts from two `summary.csv` tables (the goal's run and the baseline's), means over
    replications."""
    r = run[run["gate"] == gate].mean(numeric_only=True)
    b = base[base["gate"] == gate].mean(numeric_only=True)
    days = float(r["days"]) if "days" in r else 1.0
    busy = [c for c in r.index if c.startswith("util_") or c == "agv_utilisation"]
    utils = {c: float(r[c]) for c in busy if pd.notna(r[c])}
    return GateFacts(
        gate=GATES.get(gate, gate),
        arrivals_per_day=float(r["arrivals"]) / days,
        crossings_per_day=float(r["throughput_per_day"]),
        wait_p95_h=float(r["wait_p95_h"]),
        conventional={
            what: (float(r[c]), float(b[c]))
            for c, what in CONVENTIONAL
            if c in r and c in b and pd.notna(r[c])
        },
        utils=utils,
    )


# What an optimise decision is, in words (the key path's tail)
DECISIONS = {
    "agv_lane.fleet_agvs": "AGVs",
    "stages.cn_acceptance.servers": "Chinese acceptance lanes",
    "stages.cn_release.servers": "Chinese release lanes",
    "stages.handover.servers": "handover crews",
    "yard.capacity_trucks": "yard slots",
}


def _decisions(values: dict[str, float], highs: dict[str, float] | None = None) -> str:
    """{"gates.huu_nghi.agv_lane.fleet_agvs": 44, ...} -> "Tân Thanh: ...; Hữu Nghị: 44 AGVs" (gate order);
    a value at the top of its searched range (`highs`) is said to be: more might be needed."""
    by_gate: dict[str, list[str]] = {}
    for key, v in values.items():
        parts = key.split(".")
        tail = ".".join(parts[2:])
        top = " (the top of the searched range)" if highs and key in highs and v >= highs[key] else ""
        by_gate.setdefault(parts[1], []).append(f"{v:g} {DECISIONS.get(tail, tail.replace('_', ' '))}{top}")
    return "; ".join(f"{GATES.get(g, g)}: {', '.join(by_gate[g])}" for g in GATES if g in by_gate)


def optimise_result(study: Path, highs: dict[str, float] | None = None) -> tuple[str | None, str | None]:
    """(the chosen decisions in words, None) or (None, the closest candidate and what it misses by)
    from candidates.csv; (None, None) when the study has not run."""
    path = study / "candidates.csv"
    if not path.is_file():
        return None, None
    c = pd.read_csv(path)
    decisions = [k for k in c.columns if k.startswith("gates.")]
    chosen = c[c["chosen"].astype(bool)]
    if len(chosen):
        row = chosen.iloc[0]
        tried = f" ({len(c)} configurations tried; this one met it in {row['detail'].split('met in ', 1)[-1].split(' (')[0]})"
        return _decisions({k: float(row[k]) for k in decisions}, highs) + tried, None
    best = c.sort_values("violation").iloc[0]
    what = _decisions({k: float(best[k]) for k in decisions}, highs)
    return None, f"{what} ({best['detail']}; {len(c)} configurations tried)"


def chosen_conventional(study: Path, base: pd.DataFrame) -> dict[str, dict[str, tuple[float, float]]]:
    """The conventional route's waits with the chosen configuration (its evaluations, all its
    replications) against the baseline's, per smart gate; empty when nothing was chosen."""
    cand, ev = study / "candidates.csv", study / "evaluations.csv"
    if not cand.is_file() or not ev.is_file():
        return {}
    c = pd.read_csv(cand)
    chosen = c[c["chosen"].astype(bool)]
    if not len(chosen):
        return {}
    e = pd.read_csv(ev)
    run = e[e["candidate"] == int(chosen.iloc[0]["candidate"])]
    return {GATES[g]: gate_facts(run.assign(days=1), base, g).conventional for g in SMART_GATES}


def study_bound_h(spec: Path) -> tuple[float, dict[str, float]]:
    """The p95-wait bound of an optimise file (its first constraint's `max`) and each decision's `high`."""
    import yaml

    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    highs = {k: float(d["high"]) for k, d in data["decisions"].items()}
    return float(data["constraints"][0]["max"]), highs


def levels_table(runs: dict[str, pd.DataFrame]) -> str:
    """Scenario x smart gate: the means over replications of the LEVELS columns ("-": not measured)."""
    head = ["scenario", "gate", *(h for _, h, _ in LEVELS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, df in runs.items():
        for g in SMART_GATES:
            m = df[df["gate"] == g].mean(numeric_only=True)
            m["arrivals_per_day"] = m["arrivals"] / m["days"]
            cells = [f"{m[c]:,.{d}f}" if c in m and pd.notna(m[c]) else "-" for c, _, d in LEVELS]
            lines.append(f"| `{name}` | {GATES[g]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write(text: str, block: str) -> str:
    if START not in text or END not in text:
        raise SystemExit(f"{DOC}: markers {START} / {END} not found")
    before, rest = text.split(START, 1)
    return before + START + "\n" + block + "\n" + END + rest.split(END, 1)[1]


def _sh(cmd: list[str]) -> None:
    print("$", " ".join(cmd), flush=True)
    subprocess.run([sys.executable, "-m", "gatesim.cli", *cmd[1:]], cwd=ROOT, check=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", default="runs/smart_gate", help="directory of the runs (relative to the repo)")
    ap.add_argument("--run", action="store_true", help="run the commands first")
    args = ap.parse_args()
    runs = ROOT / args.runs
    commands = COMMANDS(args.runs)
    if args.run:
        for cmd in commands:
            _sh(cmd)
    summaries = {
        n: with_lane_utilisation(
            pd.read_csv(runs / "run" / n / "summary.csv"), runs / "run" / n / "scenario.resolved.yaml"
        )
        for n in ("baseline_2026", *PROPOSALS)
    }
    base = summaries["baseline_2026"]
    paras = []
    for name, title, demand in GOALS:
        bound, highs = study_bound_h(ROOT / "scenarios" / "decisions" / f"{name}.yaml")
        chosen, closest = optimise_result(runs / f"optimise_{name}", highs)
        with_chosen = chosen_conventional(runs / f"optimise_{name}", base)
        facts = GoalFacts(
            title=title,
            demand=demand,
            bound_h=bound,
            gates=tuple(gate_facts(summaries[name], base, g) for g in SMART_GATES),
            chosen=chosen,
            closest=closest,
            chosen_conventional=with_chosen,
        )
        paras.append(goal_paragraph(facts))
    block = ["```bash", *(" ".join(c) for c in commands), "```", "", "### Against the baseline", ""]
    block += [levels_table(summaries), "", LEVELS_NOTE, ""]
    for name, gate in PILOTS:
        block += [pilot_sentence(name, gate, summaries[name], base), ""]
    tables = [pd.read_csv(runs / a / "effects.csv") for a in ASSESS if (runs / a / "effects.csv").is_file()]
    if tables:
        from gatesim.trust.assess_cli import effects_markdown

        eff = pd.concat(tables, ignore_index=True)
        eff = eff[eff["gate"].isin(SMART_GATES)]
        block += [
            "### Across plausible worlds",
            "",
            effects_markdown(eff, WORLD_KPIS, GATES),
            "",
            WORLDS_NOTE,
            "",
        ]
    block += ["### What the goals mean", "", *(p + "\n" for p in paras)]
    DOC.write_text(write(DOC.read_text(encoding="utf-8"), "\n".join(block)), encoding="utf-8")
    print(f"written: {DOC}")


LEVELS_NOTE = (
    "Means over the replications of each run (`summary.csv`), at the two smart gates; the AGV columns "
    "are empty where the gate has no lane. *Wait* counts every truck, on either route."
)
WORLDS_NOTE = (
    "`gatesim assess` (docs/calibration.md): each proposal against the baseline in each plausible world of "
    "scenarios/baseline_2026.ensemble.csv (the pilots in 20 worlds, the goals in 12; 4 days x 2 replications "
    "each), paired; the two smart gates only; rows with no effect in any world are left out."
)


# (scenario, title, demand in words); the wait bound is the optimise file's
GOALS = (
    (
        "smart_goal_2027",
        "The 2027 goal",
        "2× today's trucks at Tân Thanh and Hữu Nghị, the low end of 2-3×",
    ),
    (
        "smart_goal_2030",
        "The 2030 goal",
        "4× today's trucks at Tân Thanh and Hữu Nghị, the low end of 4-5×",
    ),
)


def COMMANDS(runs: str) -> list[list[str]]:  # noqa: N802 - a table of commands, like GOALS
    files = [f"scenarios/{n}.yaml" for n in ("baseline_2026", *PROPOSALS)]
    run = [
        "gatesim",
        "run",
        *files,
        "--out",
        f"{runs}/run",
        "--days",
        "6",
        "-r",
        "3",
        "--force",
        "--no-events",
        "-q",
    ]
    out = [run]
    for name, *_ in GOALS:
        out.append(
            ["gatesim", "optimise", f"scenarios/decisions/{name}.yaml", "--out", f"{runs}/optimise_{name}"]
        )
    for a, (names, worlds) in ASSESS.items():
        out.append(
            ["gatesim", "assess", "scenarios/baseline_2026.ensemble.csv", "scenarios/baseline_2026.yaml"]
            + [f"scenarios/{n}.yaml" for n in names]
            + ["--out", f"{runs}/{a}", "--worlds", str(worlds), "--days", "4", "-r", "2", "-j", "2", "-q"]
        )
    return out


if __name__ == "__main__":
    main()

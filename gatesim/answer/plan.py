"""What ``gatesim answer`` runs: the base, the ensemble shipped beside it, each proposal's own base, the sweep.

The ensemble is ``<root>.ensemble.csv`` beside the root base (the scenario
the ensemble was fitted on), its priors ``<root>.priors.yaml``. The root is
``--base`` when an ensemble lies beside it, else the nearest scenario up its
``extends:`` chain that has one (``traffic_growth_2026.yaml`` extends
``baseline_2026.yaml``). Without ``--base`` the root is found the same way
from the first proposal. Every variant runs in the calibrated baseline world
(:data:`gatesim.trust.assess.BASELINE_WORLD`) and in ``worlds`` plausible
worlds with common random numbers: one sweep of the sweep runner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gatesim.errors import InputError
from gatesim.scenario.schema import Scenario
from gatesim.sweep.spec import Sweep
from gatesim.trust.assess import BASE, Variant

__all__ = ["estimate_seconds", "make_plan", "run_engines", "truck_kdays"]

# What one run costs, in CPU seconds of one core, measured warm (as a sweep worker runs its tasks)
# by `python benchmarks/answer_estimate.py` (benchmarks/README.md, "The time estimate of gatesim
# answer", 6 Dec 2026): a fixed part per run and a part per thousand truck-days (truck_kdays). The
# baseline on the SimPy engine measured 0.025 s per 1,000 truck-days; the compiled kernel 6.6-8.0x
# less; a corridor on the SimPy engine 1.5-1.8x the baseline (corridor_2026.yaml), 1.7-2.1x with
# metering (corridor_metering.yaml); the fixed part 0.02-0.07 s, 0.13 s for the corridor. Until
# then the estimate took 0.15 s per 1,000 truck-days, 5.6x less on the kernel, and 0.3 s a run:
# the nine proposals of docs/proposals.md over 40 worlds were announced as 26 min and took
# 4 min 27 s; they are estimated at 4 min 8 s now.
SECONDS_PER_KTRUCK_DAY = 0.025  # the SimPy engine, a scenario without a corridor
CORRIDOR_COST = 2.0  # a corridor scenario's cost per truck-day over that
SECONDS_PER_RUN = 0.04
# How much faster each engine simulates a truck-day than the SimPy engine: the kernel as measured
# above (4-10x over a year: benchmarks/README.md, "The compiled FIFO kernel"); the plain-SimPy twin
# (never chosen by ``auto``): "Reference twin vs fast engine".
ENGINE_SPEEDUP = {"kernel": 7.0, "fast": 1.0, "reference": 0.3}
# A corridor's decisions run on SimPy whichever engine runs its gates: on the kernel (its gates
# compiled) a corridor truck-day costs CORRIDOR_COST / CORRIDOR_SPEEDUP["kernel"] of a baseline one
# on the SimPy engine: 1.7x less than the corridor on the SimPy engine (corridor_metering.yaml,
# windows of 1 and 12 days, benchmarks/answer_estimate.py); the twin ~5x more (benchmarks/corridor.py).
CORRIDOR_SPEEDUP = {"kernel": 1.7, "fast": 1.0, "reference": 0.2}
# A worker's start, once (the workers start side by side): importing gatesim and loading the built
# kernel, 0.9 s measured in a fresh process. A machine's first build of the kernel (5-15 s,
# benchmarks/README.md) is not in it.
WORKER_START_S = 0.9


@dataclass
class Plan:
    root: Variant  # the scenario the ensemble was fitted on, named "base" in the sweep
    root_file: str
    ensemble_file: str
    base_name: str  # the base the proposals are compared with (the root's name or --base's)
    proposals: list[Variant]
    extra_bases: list[Variant]
    pairs: dict[str, str]  # proposal -> variant it is paired against
    context: dict[str, tuple[str, ...]]  # proposal -> context paths of its own base
    worlds: list[dict]
    unknowns: list[str]
    sweep: Sweep
    gate_names: dict[str, str] = field(default_factory=dict)
    # unknown -> the gates whose figures it can move; an unknown absent here can move every gate
    # (a shared road rate, the arrival profile, or any unknown of a corridor, whose gates interact)
    unknown_gates: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return len(self.sweep.tasks)

    def variant_name(self, name: str) -> str:
        """A variant's scenario name (``base`` is the root's)."""
        return str(self.root.resolved.get("name")) if name == BASE else name


def _extends(path: Path) -> Path | None:
    from gatesim.scenario.load import read_yaml

    data = read_yaml(path)
    ext = data.get("extends") if isinstance(data, dict) else None
    return (path.parent / str(ext)) if ext else None


def find_root(start: Path, ensemble: str | None) -> tuple[Path, Path]:
    """(root scenario, its ensemble): ``start`` or the nearest ancestor with ``<stem>.ensemble.csv`` beside it."""
    path: Path | None = start
    seen: list[Path] = []
    while path is not None and path not in seen:
        seen.append(path)
        beside = path.with_name(f"{path.stem}.ensemble.csv")
        if ensemble is not None:
            from gatesim.trust.ensemble import load_ensemble

            ens = load_ensemble(ensemble)
            from gatesim.scenario.load import read_yaml

            data = read_yaml(path)
            if isinstance(data, dict) and data.get("name") == ens.scenario:
                return path, Path(ensemble)
        elif beside.is_file():
            return path, beside
        path = _extends(path)
    raise InputError(
        "no plausible ensemble for this base or what it extends",
        file=str(start),
        key="--ensemble",
        given=ensemble or f"{start.with_name(start.stem + '.ensemble.csv')}",
        allowed="a base with <name>.ensemble.csv beside it (scenarios/baseline_2026.ensemble.csv), or --ensemble",
    )


def run_engines(plan: Plan) -> dict[str, int]:
    """Runs per engine the sweep will use (``auto``: the compiled kernel where it can run a scenario)."""
    from gatesim.model.engines import resolve_engine

    runs: dict[str, int] = {}
    for pt in plan.sweep.points:
        e = resolve_engine(pt.scenario, "auto")
        runs[e] = runs.get(e, 0) + plan.sweep.replications
    return {e: runs[e] for e in sorted(runs, key=list(ENGINE_SPEEDUP).index)}


def truck_kdays(scenario: Scenario, days: int) -> float:
    """A run's size as the estimate counts it: thousands of truck-days, the gates' arrivals a day
    (grown by ``growth.volume_multiplier``) times ``days`` plus the warm-up and drain days."""
    simulated = days + int(scenario.calendar.warmup_days) + int(scenario.calendar.drain_days)
    per_day = (
        sum(float(g.arrivals.per_day) for g in scenario.gates.values()) * scenario.growth.volume_multiplier
    )
    return simulated * per_day / 1000.0


def estimate_seconds(plan: Plan, workers: int) -> float:
    """About how long the sweep takes on ``workers`` cores, on the engine each run uses (an estimate)."""
    from gatesim.model.engines import resolve_engine

    workers = max(1, workers)
    total = 0.0
    for pt in plan.sweep.points:
        sc = pt.scenario
        engine = resolve_engine(sc, "auto")
        if sc.corridor is not None:
            per_ktd = SECONDS_PER_KTRUCK_DAY * CORRIDOR_COST / CORRIDOR_SPEEDUP[engine]
        else:
            per_ktd = SECONDS_PER_KTRUCK_DAY / ENGINE_SPEEDUP[engine]
        per_run = SECONDS_PER_RUN + per_ktd * truck_kdays(sc, plan.sweep.days)
        total += per_run * plan.sweep.replications
    return total / workers + WORKER_START_S


def _load(path: str, root_sc) -> Variant:
    from gatesim.scenario.load import load_scenario

    sc, res = load_scenario(Path(path))
    if set(sc.gates) != set(root_sc.gates):
        raise InputError("its gates differ from the base's", file=path, key="gates", given=sorted(sc.gates))
    return Variant(sc.name, path, res)


def make_plan(
    proposals: list[str],
    base: str | None,
    ensemble: str | None,
    worlds: int | None,
    days: int | None,
    replications: int,
    seed: int | None,
) -> Plan:
    """Everything ``answer`` runs, checked before anything runs (bad input: InputError)."""
    from gatesim.compare.pairing import own_base
    from gatesim.scenario.load import load_scenario
    from gatesim.trust.assess import build_sweep, check_base
    from gatesim.trust.ensemble import load_ensemble
    from gatesim.trust.priors import default_priors_path, load_priors

    start = Path(base) if base else Path(proposals[0])
    root_path, ens_path = find_root(start, ensemble)
    root_sc, root_res = load_scenario(root_path)
    priors = load_priors(default_priors_path(root_path), root_sc, root_res)
    ens = load_ensemble(ens_path)
    check_base(ens, root_res, str(root_path), priors)
    root = Variant(BASE, str(root_path), root_res)
    given_base = _load(base, root_sc) if base and Path(base).resolve() != root_path.resolve() else None
    props: list[Variant] = []
    for p in proposals:
        v = _load(p, root_sc)
        if v.name in (BASE, *[q.name for q in props]) or (given_base and v.name == given_base.name):
            raise InputError(
                "two scenarios have the same name (or the name 'base')", file=p, key="name", given=v.name
            )
        props.append(v)
    extra: list[Variant] = [given_base] if given_base else []
    pairs: dict[str, str] = {}
    context: dict[str, tuple[str, ...]] = {}
    for v in props:
        own = own_base(v.resolved, v.file, root_res, str(root_path))
        if own.resolved is None:
            pairs[v.name] = given_base.name if given_base else BASE
            continue
        context[v.name] = own.context
        known = [q.name for q in [*props, *extra]]
        if own.name not in known:
            extra.append(Variant(own.name, own.file, own.resolved))
        pairs[v.name] = own.name
    chosen = ens.worlds(priors, worlds)
    sweep = build_sweep(
        root, props, priors, chosen, days or root_sc.run.days, replications,
        root_sc.run.seed if seed is None else seed, baseline_world=True, bases=extra,
        run_base=BASE in pairs.values(),
    )  # fmt: skip
    names = {g: str(spec.name) for g, spec in root_sc.gates.items()}
    return Plan(
        root, str(root_path), str(ens_path), given_base.name if given_base else root_sc.name, props, extra,
        pairs, context, chosen, list(priors.names), sweep, names,
        {} if root_sc.corridor is not None else gates_of_unknowns(priors.varied),
    )  # fmt: skip


def gates_of_unknowns(varied: dict) -> dict[str, frozenset[str]]:
    """Each prior whose every path is under one or more ``gates.<id>.``: those gates. Without a
    corridor the gates do not interact, so such an unknown cannot explain an effect elsewhere
    (and a split or a variance share naming it there would be chance)."""
    out: dict[str, frozenset[str]] = {}
    for name, prior in varied.items():
        parts = [path.split(".") for path in prior.paths]
        if all(len(p) > 2 and p[0] == "gates" for p in parts):
            out[name] = frozenset(p[1] for p in parts)
    return out

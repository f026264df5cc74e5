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
from gatesim.sweep.spec import Sweep
from gatesim.trust.assess import BASE, Variant

__all__ = ["estimate_seconds", "make_plan", "run_engines"]

# Seconds of one run per simulated day per 1,000 trucks a day, one shared core, on the SimPy engine
# (measured: docs/answers.md).
SECONDS_PER_KTRUCK_DAY = 0.15
SECONDS_PER_RUN = 0.3  # building the scenario, folding the log
# How much faster each engine simulates a day than the SimPy engine: the compiled kernel is 4-10x
# (benchmarks/README.md, "The compiled FIFO kernel"); a run of the answer's size (the baseline, 6 days
# + 3 warm-up + 3 drain, summarised) measured 0.13 vs 0.73 CPU s, 5.6x. Its start is paid once: loading
# the compiled module takes milliseconds once it is built; the first build on a machine (5-15 s,
# benchmarks/README.md) is counted here.
ENGINE_SPEEDUP = {"kernel": 5.6, "fast": 1.0, "reference": 0.3}
KERNEL_START_S = 10.0


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


def estimate_seconds(plan: Plan, workers: int) -> float:
    """About how long the sweep takes on ``workers`` cores, on the engine each run uses (an estimate)."""
    from gatesim.model.engines import resolve_engine

    workers = max(1, workers)
    total = 0.0
    kernel = False
    for pt in plan.sweep.points:
        sc = pt.scenario
        days = plan.sweep.days + int(sc.calendar.warmup_days) + int(sc.calendar.drain_days)
        per_day = sum(float(g.arrivals.per_day) for g in sc.gates.values()) * sc.growth.volume_multiplier
        engine = resolve_engine(sc, "auto")
        kernel |= engine == "kernel"
        per_run = SECONDS_PER_RUN + SECONDS_PER_KTRUCK_DAY * days * per_day / 1000.0 / ENGINE_SPEEDUP[engine]
        total += per_run * plan.sweep.replications
    return total / workers + (KERNEL_START_S if kernel else 0.0)


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

"""Study files for ``gatesim optimise`` and ``gatesim sensitivity``: pydantic models and their loading.

Read like a sweep file (``read_yaml``, one-line errors with file:line, key,
given, allowed; exit 2). Decision variables and uncertain parameters are key
paths of the base scenario with ``low``/``high`` bounds, as in the sweep's
interval form and the calibration priors file.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from gatesim.errors import InputError
from gatesim.limits import (
    BATCH,
    BOOTSTRAP,
    CI_REPLICATIONS,
    DAYS,
    GRID_POINTS,
    MORRIS_LEVELS,
    PARAMETERS,
    SEED,
    SELECT_TOP,
    SHARE,
    SLACK,
    SOBOL_N,
    STUDY_REPLICATIONS,
    TRAJECTORIES,
    VALUE,
    VALUE_STEP,
)
from gatesim.projections.kpis import check_kpi
from gatesim.scenario.base import StrictModel
from gatesim.scenario.checked import first_error, message_of
from gatesim.scenario.load import load_scenario, read_yaml
from gatesim.scenario.schema import Scenario

__all__ = ["Constraint", "OptimiseSpec", "SensitivitySpec", "Study", "load_study"]

_KEY_PATH = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
MAX_GRID = GRID_POINTS.high


class _M(StrictModel):
    """Unknown keys, true/false for numbers, texts: gatesim/scenario/base.py."""


_VALUE = VALUE.bounds  # a scenario value: checked against the base scenario at both ends


class Range(_M):
    """An interval: ``low``/``high`` (integers if both are written as integers)."""

    low: int | float = Field(..., **_VALUE)
    high: int | float = Field(..., **_VALUE)
    description: str = ""
    also: list[str] = Field(default_factory=list)  # other key paths set to the same value

    @model_validator(mode="after")
    def _order(self) -> Range:
        if self.high <= self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        return self

    @property
    def is_integer(self) -> bool:
        return isinstance(self.low, int) and isinstance(self.high, int)


class Decision(_M):
    """A decision variable: bounds, an optional step (a grid), and a cost per unit of its value."""

    low: int | float = Field(..., **_VALUE)
    high: int | float = Field(..., **_VALUE)
    step: int | float | None = Field(None, **VALUE_STEP.bounds)
    # negative: a cost for lower values (an earlier opening hour costs more than a later one)
    cost_per_unit: float = Field(0.0, **_VALUE)
    also: list[str] = Field(default_factory=list)  # other key paths set to the same value

    @model_validator(mode="after")
    def _order(self) -> Decision:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        # the grid's size, estimated before it is built (step 1e-9 over [10, 20]: 10^10 values)
        if self.step is not None and (self.high - self.low) / self.step + 1 > GRID_POINTS.high:
            n = (self.high - self.low) / self.step + 1
            raise ValueError(
                f"step: {self.step:g} over {self.low:g}..{self.high:g} gives {n:.3g} values; "
                f"at most {GRID_POINTS.high} (a larger step)"
            )
        return self

    @property
    def is_integer(self) -> bool:
        return all(isinstance(v, int) for v in (self.low, self.high)) and (
            self.step is None or isinstance(self.step, int)
        )

    @property
    def is_discrete(self) -> bool:
        return self.is_integer or self.step is not None

    def levels(self) -> list[int | float]:
        step = self.step if self.step is not None else 1
        n = math.floor((self.high - self.low) / step + 1e-9) + 1
        if self.is_integer:
            return [self.low + i * step for i in range(n)]
        return [float(f"{self.low + i * step:.12g}") for i in range(n)]


class Constraint(_M):
    """A bound on a KPI at some gates, held in a share of replications or with a confidence.

    ``share: 0.9``: in at least 90% of replications the KPI is within the bound
    at every gate named. ``confidence: 0.95``: at every gate named, the one-sided
    95% confidence bound of the KPI's mean over replications is within the bound
    (Bonferroni over the gates).
    """

    kpi: str
    max: float | None = Field(None, **_VALUE)
    min: float | None = Field(None, **_VALUE)
    gates: Literal["all"] | list[str] = "all"
    share: float | None = Field(None, gt=0, le=SHARE.high)
    confidence: float | None = Field(None, gt=0.5, lt=1)

    @model_validator(mode="after")
    def _form(self) -> Constraint:
        if (self.max is None) == (self.min is None):
            raise ValueError("give exactly one of max, min")
        if (self.share is None) == (self.confidence is None):
            raise ValueError("give exactly one of share (of replications), confidence (on the mean)")
        return self

    @property
    def bound(self) -> float:
        bound = self.max if self.max is not None else self.min
        assert bound is not None  # the validator: exactly one of max, min
        return float(bound)

    @property
    def sense(self) -> int:
        """+1 for an upper bound (max), -1 for a lower bound (min)."""
        return 1 if self.max is not None else -1

    def text(self) -> str:
        op = "<=" if self.max is not None else ">="
        how = (
            f"in >= {self.share:.0%} of replications"
            if self.share
            else f"with {self.confidence:.0%} confidence"
        )
        gates = "every gate" if self.gates == "all" else ", ".join(self.gates)
        return f"{self.kpi} {op} {self.bound:g} at {gates} {how}"


class Objective(_M):
    """``minimise: cost`` (the decisions' cost) or a KPI, summed over the gates named."""

    minimise: str = "cost"
    gates: Literal["all"] | list[str] = "all"


class Search(_M):
    method: Literal["auto", "grid", "tpe"] = "auto"
    replications: int = Field(5, ge=CI_REPLICATIONS.low, le=CI_REPLICATIONS.high)
    trials: int = Field(40, ge=1, le=MAX_GRID)
    # Candidates proposed together: fixed by the study, never by the worker count,
    # so the same study proposes the same points on any pool or cluster.
    batch: int = Field(4, **BATCH.bounds)


class _StudyHead(_M):
    """What every study file starts with: its name, the base scenario and the run settings."""

    name: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    base: str = Field(..., min_length=1)
    set: list[str] = Field(default_factory=list)
    days: int | None = Field(None, ge=DAYS.low, le=DAYS.high)
    seed: int | None = Field(None, ge=SEED.low, le=SEED.high)


class Select(_M):
    """The final check: the best candidates re-run with more replications (same seeds)."""

    top: int = Field(5, **SELECT_TOP.bounds)
    replications: int = Field(20, ge=CI_REPLICATIONS.low, le=CI_REPLICATIONS.high)
    confidence: float = Field(0.95, gt=0.5, lt=1)
    # A candidate whose search violation is within this fraction of the bound still gets rechecked.
    slack: float = Field(0.25, **SLACK.bounds)


class OptimiseSpec(_StudyHead):
    decisions: dict[str, Decision] = Field(..., min_length=1)
    objective: Objective = Objective()
    budget: float | None = Field(None, ge=0, le=VALUE.high)
    constraints: list[Constraint] = Field(default_factory=list)
    search: Search = Search()
    select: Select = Select()
    pareto_kpi: str = "wait_mean_h"
    pareto_gates: Literal["all"] | list[str] = "all"  # the pareto KPI is averaged over these gates

    @model_validator(mode="after")
    def _check(self) -> OptimiseSpec:
        for key, d in self.decisions.items():
            for k in (key, *d.also):
                if not _KEY_PATH.match(k):
                    raise ValueError(
                        f"decision {k!r} is not a key path like gates.tan_thanh.stages.road.lanes"
                    )
        if self.search.method == "grid" and not all(d.is_discrete for d in self.decisions.values()):
            raise ValueError("search method grid needs integer bounds or a step for every decision")
        if self.select.replications < self.search.replications:
            raise ValueError(
                f"select.replications ({self.select.replications}) must be at least "
                f"search.replications ({self.search.replications})"
            )
        if self.objective.minimise == "cost" and not self.constraints:
            raise ValueError("minimising cost needs at least one constraint (else the lower bounds win)")
        return self


class Morris(_M):
    trajectories: int = Field(10, ge=TRAJECTORIES.low, le=TRAJECTORIES.high)
    levels: int = Field(4, **MORRIS_LEVELS.bounds)


class Sobol(_M):
    n: int = Field(64, **SOBOL_N.bounds)  # base sample; the design has n x (parameters + 2) points
    bootstrap: int = Field(200, **BOOTSTRAP.bounds)
    # Only the parameters Morris ranks in the top `top` (all when None) go on to Sobol.
    top: int | None = Field(None, **PARAMETERS.bounds)


class SensitivitySpec(_StudyHead):
    replications: int = Field(
        1, **STUDY_REPLICATIONS.bounds
    )  # per design point, averaged (same seeds at every point)
    parameters: dict[str, Range] = Field(default_factory=dict)
    # a priors file in the calibration's style (varied: name: {paths, low, high, integer});
    # its ranges are added to `parameters`
    priors: str | None = None
    kpis: list[str] = Field(default_factory=lambda: ["wait_mean_h"], min_length=1)
    gates: Literal["all"] | list[str] = "all"  # the KPI is taken at each gate named (and summed: total)
    morris: Morris = Morris()
    sobol: Sobol | None = Sobol()

    @model_validator(mode="after")
    def _check(self) -> SensitivitySpec:
        for key in self.parameters:
            if not _KEY_PATH.match(key):
                raise ValueError(
                    f"parameter {key!r} is not a key path like gates.tan_thanh.stages.road.lanes"
                )
        return self


@dataclass(frozen=True)
class Study:
    file: str
    spec: OptimiseSpec | SensitivitySpec
    base: Scenario
    base_file: str
    resolved: dict[str, Any]
    days: int
    seed: int
    hash: str
    identity: dict[str, Any]

    @property
    def optimise_spec(self) -> OptimiseSpec:
        """``spec`` of a study loaded with kind ``optimise`` (typed: the commands know their kind)."""
        if not isinstance(self.spec, OptimiseSpec):
            raise TypeError(f"{self.file}: not an optimise study")
        return self.spec

    @property
    def sensitivity_spec(self) -> SensitivitySpec:
        """``spec`` of a study loaded with kind ``sensitivity``."""
        if not isinstance(self.spec, SensitivitySpec):
            raise TypeError(f"{self.file}: not a sensitivity study")
        return self.spec

    @property
    def name(self) -> str:
        return self.spec.name or Path(self.file).stem

    def gate_ids(self, gates: str | list[str]) -> list[str]:
        return list(self.base.gates) if gates == "all" else list(gates)


def _error(
    err: ValidationError, lines: dict[tuple[str, ...], int], file: str, model: type, data: Any = None
) -> InputError:
    e, loc, line, given = first_error(err, lines, ("function-", "list[", "literal["), data)
    key = ".".join(loc) or None
    if e["type"] == "extra_forbidden":
        return InputError(f"unknown key {loc[-1]!r}", file=file, line=line, key=key)
    msg, allowed = message_of(e)
    return InputError(msg, file=file, line=line, key=key, given=given, allowed=allowed)


def load_study(path: str | Path, kind: Literal["optimise", "sensitivity"], days: int | None = None) -> Study:
    """Read and validate an optimise or sensitivity file, its base scenario and its key paths."""
    path = Path(path)
    file = str(path)
    lines: dict[tuple[str, ...], int] = {}
    data = read_yaml(path, lines)  # names a missing file, a FIFO, a device or a directory
    if not isinstance(data, dict):
        raise InputError("top level must be a mapping", file=file, given=type(data).__name__)
    model = OptimiseSpec if kind == "optimise" else SensitivitySpec
    try:
        spec = model.model_validate(data)
    except ValidationError as err:
        raise _error(err, lines, file, model, data) from None
    base_path = path.parent / spec.base
    if not base_path.is_file():
        raise InputError(
            "base scenario not found", file=file, line=lines.get(("base",)), key="base", given=spec.base
        )
    base, resolved = load_scenario(base_path, spec.set)
    gates_named: list[tuple[str, Any]] = []
    if isinstance(spec, OptimiseSpec):
        gates_named = _check_optimise_kpis(spec, file)
        keys = list(spec.decisions)
    else:
        for i, k in enumerate(spec.kpis):
            check_kpi(k, f"kpis.{i}", file)
        gates_named.append(("gates", spec.gates))
        if spec.priors is not None:
            spec = spec.model_copy(update={"parameters": _with_priors(spec, path.parent, file, lines)})
        if len(spec.parameters) < 2:
            raise InputError(
                "at least 2 parameters are needed", file=file, key="parameters", given=len(spec.parameters)
            )
        keys = list(spec.parameters)
    _check_gates(gates_named, base, file)
    _check_corners(spec, resolved, keys, lines, kind, file, str(base_path))
    seed = spec.seed if spec.seed is not None else base.run.seed
    days_ = days or spec.days or base.run.days
    # What the runs depend on, and nothing else: a task is keyed by its parameter values
    # and replication, so a study whose constraints, objective or search settings change
    # reuses every run already made in the same directory.
    identity = {
        "kind": kind,
        "base_resolved": resolved,
        "days": days_,
        "seed": seed,
    }
    digest = hashlib.sha256(
        json.dumps(identity, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()[:16]
    return Study(file, spec, base, str(base_path), resolved, days_, seed, digest, identity)


def _check_optimise_kpis(spec: OptimiseSpec, file: str) -> list[tuple[str, Any]]:
    """Check an optimise file's KPI names; the gate lists it names, keyed by where."""
    gates_named: list[tuple[str, Any]] = []
    for i, c in enumerate(spec.constraints):
        check_kpi(c.kpi, f"constraints.{i}.kpi", file)
        gates_named.append((f"constraints.{i}.gates", c.gates))
    if spec.objective.minimise != "cost":
        check_kpi(spec.objective.minimise, "objective.minimise", file)
    gates_named.append(("objective.gates", spec.objective.gates))
    gates_named.append(("pareto_gates", spec.pareto_gates))
    check_kpi(spec.pareto_kpi, "pareto_kpi", file)
    return gates_named


def _check_gates(gates_named: list[tuple[str, Any]], base: Scenario, file: str) -> None:
    """Every gate a study names (constraints, objective, KPIs) is a gate of the base scenario."""
    for key, gates in gates_named:
        if gates == "all":
            continue
        for g in gates:
            if g not in base.gates:
                raise InputError(
                    "no such gate in the base scenario",
                    file=file,
                    key=key,
                    given=g,
                    allowed=", ".join(base.gates),
                )


def _check_corners(spec, resolved, keys, lines, kind: str, file: str, base_file: str) -> None:
    """Validate the base scenario at every key's low and high value (one key at a time)."""
    import copy

    from gatesim.scenario.load import apply_overrides, validate

    section = "decisions" if kind == "optimise" else "parameters"
    ranges = spec.decisions if kind == "optimise" else spec.parameters
    for k in keys:
        for v in (ranges[k].low, ranges[k].high):
            keys_set = [k, *getattr(ranges[k], "also", [])]
            data = apply_overrides(copy.deepcopy(resolved), [f"{x}={json.dumps(v)}" for x in keys_set])
            try:
                validate(data, file=base_file)
            except InputError as e:
                raise InputError(
                    f"the base scenario with {k}={v} is not valid: {e.message}",
                    file=file,
                    line=lines.get((section, k)),
                    key=f"{section}.{k}",
                    given=v,
                    allowed=e.allowed,
                ) from None


def _with_priors(spec: SensitivitySpec, here: Path, file: str, lines) -> dict[str, Range]:
    """``parameters`` plus every ``varied`` entry of the priors file with low/high (first path = key)."""
    assert spec.priors is not None  # called only for a spec that names a priors file
    ppath = here / spec.priors
    if not ppath.is_file():
        raise InputError(
            "priors file not found", file=file, line=lines.get(("priors",)), key="priors", given=spec.priors
        )
    from gatesim.scenario.checked import line_of
    from gatesim.trust.priors import Prior

    plines: dict[tuple[str, ...], int] = {}
    data = read_yaml(ppath, plines)
    varied = data.get("varied") if isinstance(data, dict) else None
    if not isinstance(varied, dict) or not varied:
        raise InputError(
            "no varied: entries", file=str(ppath), key="varied", allowed="name: {paths, low, high}"
        )
    out = dict(spec.parameters)
    for name, entry in varied.items():
        if not isinstance(entry, dict) or "low" not in entry or "high" not in entry:
            continue  # a choice among values: not a range (Morris/Sobol need intervals)
        try:  # each range as the calibration reads it: texts are texts, numbers are numbers
            prior = Prior.model_validate(entry)
        except ValidationError as err:
            e, loc, _, given = first_error(err, {}, data=entry)
            msg, allowed = message_of(e)
            raise InputError(
                msg,
                file=str(ppath),
                line=line_of(plines, "varied", name, *loc),
                key=".".join(["varied", name, *loc]),
                given=given,
                allowed=allowed,
            ) from None
        low, high = prior.span()
        if prior.integer:  # the integers inside the range
            low, high = math.ceil(low), math.floor(high)
        try:
            out.setdefault(
                prior.paths[0],
                Range(low=low, high=high, also=list(prior.paths[1:]), description=prior.reason),
            )
        except ValidationError as err:
            e, _, _, _ = first_error(err, {})
            raise InputError(
                message_of(e)[0],
                file=str(ppath),
                line=line_of(plines, "varied", name),
                key=f"varied.{name}",
                given=[low, high],
            ) from None
    return out

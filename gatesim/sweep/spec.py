"""Sweep files: a base scenario, parameters to vary, a design, replications.

A sweep file is YAML, read like a scenario file (``read_yaml``) and validated
by a pydantic model that rejects unknown keys. Its points are expanded in an
order that depends only on the parameters' key paths and values, never on the
order of the keys in the file, so point numbers, task ids and seeds are stable.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator

from gatesim.errors import InputError
from gatesim.limits import DAYS, REPLICATIONS, SEED, SWEEP_POINTS, VALUE, VALUE_STEP
from gatesim.scenario.base import StrictModel
from gatesim.scenario.checked import first_error, message_of
from gatesim.scenario.load import apply_overrides, load_scenario, read_yaml, validate
from gatesim.scenario.schema import Scenario

__all__ = ["Point", "Sweep", "SweepSpec", "Task", "latin_hypercube", "load_sweep", "task_id"]

MAX_POINTS = SWEEP_POINTS.high  # why: gatesim/limits.py
# A value of a scenario key: numbers within VALUE (each point is then checked by the scenario)
Scalar = Annotated[int, Field(**VALUE.bounds)] | Annotated[float, Field(**VALUE.bounds)] | bool | str
_VALUE = VALUE.bounds
_KEY_PATH = r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$"
_NOT_PARAMETERS = ("run", "name", "extends")


class Param(StrictModel):
    """One varied parameter: ``values``, or ``start/stop/step`` (stop included), or ``low/high`` (LHS)."""

    values: list[Scalar] | None = Field(None, min_length=1)
    start: int | float | None = Field(None, **_VALUE)
    stop: int | float | None = Field(None, **_VALUE)
    step: int | float | None = Field(None, **VALUE_STEP.bounds)
    low: int | float | None = Field(None, **_VALUE)
    high: int | float | None = Field(None, **_VALUE)

    @model_validator(mode="after")
    def _one_form(self) -> Param:
        forms = {
            "values": self.values is not None,
            "start/stop/step": any(v is not None for v in (self.start, self.stop, self.step)),
            "low/high": self.low is not None or self.high is not None,
        }
        used = [k for k, on in forms.items() if on]
        if len(used) != 1:
            raise ValueError(f"give exactly one of values, start/stop/step, low/high; given {used or 'none'}")
        if used[0] == "start/stop/step":
            if self.start is None or self.stop is None or self.step is None:
                raise ValueError("start, stop and step go together")
            if self.stop < self.start:
                raise ValueError(f"stop ({self.stop}) is below start ({self.start})")
        if used[0] == "low/high":
            if self.low is None or self.high is None:
                raise ValueError("low and high go together")
            if self.high < self.low:
                raise ValueError(f"high ({self.high}) is below low ({self.low})")
        return self

    @property
    def is_interval(self) -> bool:
        return self.low is not None

    def interval(self) -> tuple[int | float, int | float]:
        """(low, high) of a ``low/high`` parameter (the validator gives both)."""
        assert self.low is not None and self.high is not None
        return self.low, self.high

    @property
    def is_integer(self) -> bool:
        """An interval of integers (both bounds written as integers) samples integers."""
        return isinstance(self.low, int) and isinstance(self.high, int)

    def levels(self) -> list[Any]:
        """The discrete values (not for ``low/high``)."""
        if self.values is not None:
            return list(self.values)
        start, stop, step = self.start, self.stop, self.step
        assert start is not None and stop is not None and step is not None  # the validator: together
        n = math.floor((stop - start) / step + 1e-9) + 1
        if n > MAX_POINTS:
            raise ValueError(f"start/stop/step gives {n} values")
        ints = all(isinstance(v, int) for v in (start, stop, step))
        # Multiply rather than accumulate so 0.1 steps do not drift; round off float noise.
        return [start + i * step if ints else _round(start + i * step) for i in range(n)]


def _round(x: float) -> float:
    return float(f"{x:.12g}")


class SweepSpec(StrictModel):
    name: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    base: str = Field(..., min_length=1)
    design: Literal["grid", "lhs"] = "grid"
    n: int | None = Field(None, ge=1, le=MAX_POINTS)
    parameters: dict[str, Param | list[Scalar]] = Field(..., min_length=1)
    replications: int | None = Field(None, ge=REPLICATIONS.low, le=REPLICATIONS.high)
    seed: int | None = Field(None, ge=SEED.low, le=SEED.high)
    days: int | None = Field(None, ge=DAYS.low, le=DAYS.high)
    set: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _design(self) -> SweepSpec:
        import re

        for key in self.parameters:
            if not re.match(_KEY_PATH, key):
                raise ValueError(
                    f"parameter {key!r} is not a key path like gates.tan_thanh.stages.road.lanes"
                )
            if key.split(".")[0] in _NOT_PARAMETERS:
                # run.days would be set in each point's scenario and then ignored: the
                # sweep's own days/replications/seed decide; a name is the point's label
                raise ValueError(
                    f"parameter {key!r} cannot vary between points; set days, replications or seed "
                    "at the top of the sweep file"
                )
        if self.design == "lhs" and self.n is None:
            raise ValueError("design lhs needs n (the number of points)")
        if self.design == "grid" and self.n is not None:
            raise ValueError("n is for design lhs; a grid has every combination")
        if self.design == "grid":
            for key, p in self.parameters.items():
                if isinstance(p, Param) and p.is_interval:
                    raise ValueError(
                        f"{key}: low/high is for design lhs; a grid needs values or start/stop/step"
                    )
        return self

    def param(self, key: str) -> Param:
        p = self.parameters[key]
        return p if isinstance(p, Param) else Param(values=p)


@dataclass(frozen=True)
class Point:
    index: int
    params: dict[str, Any]  # key path -> value, keys sorted
    scenario: Scenario


@dataclass(frozen=True)
class Task:
    id: str
    point: int
    replication: int
    params: dict[str, Any]


@dataclass(frozen=True)
class Sweep:
    """A validated, expanded sweep: every point's scenario, ready to run."""

    file: str
    spec: SweepSpec
    base_name: str
    param_names: list[str]
    points: list[Point]
    days: int
    replications: int
    seed: int
    identity: dict[str, Any]  # what defines the results; stored in the output directory
    hash: str

    @property
    def tasks(self) -> list[Task]:
        return [
            Task(task_id(p.params, r), p.index, r, p.params)
            for p in self.points
            for r in range(self.replications)
        ]


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def task_id(params: dict[str, Any], replication: int) -> str:
    """Stable id of (point, replication): a hash of the parameter values, whatever their order."""
    return hashlib.sha256(_canon({"params": params, "replication": replication}).encode()).hexdigest()[:16]


def latin_hypercube(d: int, n: int, seed: int) -> np.ndarray:
    """``n`` points of a Latin hypercube in [0, 1)^``d``, reproducible from ``seed`` (sweeps and fits)."""
    from scipy.stats import qmc

    try:
        sampler = qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed))
    except TypeError:  # scipy < 1.15 calls it seed
        sampler = qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed))
    return sampler.random(n)


def expand(spec: SweepSpec, seed: int = 0) -> list[dict[str, Any]]:
    """The design's points as {key path: value}, in a key-order-independent order.

    LHS samples with ``seed``; dimension j is the j-th parameter in key-path order.
    """
    names = sorted(spec.parameters)
    if spec.design == "grid":
        levels = [spec.param(k).levels() for k in names]
        total = math.prod(len(v) for v in levels)
        if total > MAX_POINTS:
            raise ValueError(f"the grid has {total} points")
        grids = np.indices([len(v) for v in levels]).reshape(len(names), -1).T
        return [{k: levels[j][i] for j, (k, i) in enumerate(zip(names, row, strict=True))} for row in grids]
    assert spec.n is not None  # the spec's validator: lhs needs n
    u = latin_hypercube(len(names), spec.n, seed)
    points = []
    for row in u:
        point: dict[str, Any] = {}
        for k, x in zip(names, row, strict=True):
            p = spec.param(k)
            if p.is_interval:
                low, high = p.interval()
                if p.is_integer:
                    point[k] = int(min(low + math.floor(x * (high - low + 1)), high))
                else:
                    point[k] = float(f"{low + x * (high - low):.6g}")  # readable, still stratified
            else:
                lv = p.levels()
                point[k] = lv[min(int(x * len(lv)), len(lv) - 1)]
        points.append(point)
    return points


def _spec_error(
    err: ValidationError, lines: dict[tuple[str, ...], int], file: str, data: Any = None
) -> InputError:
    e, loc, line, given = first_error(err, lines, ("function-", "list[", "Param"), data)
    key = ".".join(loc) or None
    if e["type"] == "extra_forbidden":
        owner = Param if len(loc) >= 3 and loc[0] == "parameters" else SweepSpec
        allowed = sorted(owner.model_fields)
        guess = difflib.get_close_matches(loc[-1], allowed, n=1)
        hint = f" (did you mean {guess[0]!r}?)" if guess else ""
        return InputError(f"unknown key{hint}", file=file, line=line, key=key, allowed=", ".join(allowed))
    msg, allowed_ = message_of(e)
    return InputError(msg, file=file, line=line, key=key, given=given, allowed=allowed_)


def _override(key: str, value: Any) -> str:
    return f"{key}={json.dumps(value, ensure_ascii=False)}"


def load_sweep(
    path: str | Path,
    days: int | None = None,
    replications: int | None = None,
) -> Sweep:
    """Read, validate and expand a sweep file; every point's scenario is validated here."""
    path = Path(path)
    file = str(path)
    lines: dict[tuple[str, ...], int] = {}
    data = read_yaml(path, lines)
    if not isinstance(data, dict):
        raise InputError(
            "top level must be a mapping", file=file, given=type(data).__name__, allowed="key: value pairs"
        )
    if "base" not in data and ("gates" in data or "calendar" in data or "extends" in data):
        raise InputError(
            "this is a scenario file, not a sweep file (it has no base: and parameters:)",
            file=file,
            allowed=f"gatesim run {path}, or a sweep file with base: {path.name} (see docs/sweeps.md)",
        )
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as err:
        raise _spec_error(err, lines, file, data) from None
    base_path = path.parent / spec.base
    if not base_path.is_file():
        raise InputError(
            "base scenario not found", file=file, line=lines.get(("base",)), key="base", given=spec.base
        )
    try:
        base, resolved = load_scenario(base_path, spec.set)
    except InputError as e:
        if e.file is None or e.file.endswith("(--set)"):  # an error in the sweep's own `set:` overrides
            raise InputError(
                f"in set: {e.message}",
                file=file,
                line=lines.get(("set",)),
                key=e.key,
                given=e.given,
                allowed=e.allowed,
            ) from None
        raise
    seed = spec.seed if spec.seed is not None else base.run.seed
    try:
        raw_points = expand(spec, seed)
    except ValueError as e:
        raise InputError(
            str(e),
            file=file,
            line=lines.get(("parameters",)),
            key="parameters",
            allowed=f"at most {MAX_POINTS} points",
        ) from None
    names = sorted(spec.parameters)
    points = []
    for i, params in enumerate(raw_points):
        point_data = apply_overrides(copy.deepcopy(resolved), [_override(k, v) for k, v in params.items()])
        try:
            scenario = validate(point_data, file=str(base_path))
        except InputError as e:
            bad = (
                e.key
                if e.key in params
                else next((k for k in names if e.key and e.key.startswith(k)), names[0])
            )
            raise InputError(
                f"point {i} {_canon(params)} is not a valid scenario: {e.message}",
                file=file,
                line=lines.get(("parameters", bad)),
                key=f"parameters.{bad}",
                given=params.get(bad),
                allowed=e.allowed,
            ) from None
        points.append(Point(i, params, scenario))
    days_ = days or spec.days or base.run.days
    reps = replications or spec.replications or base.run.replications
    identity = {
        "base": base.name,
        "base_resolved": resolved,
        "design": spec.design,
        "parameters": names,
        "points": raw_points,
        "days": days_,
        "replications": reps,
        "seed": seed,
    }
    digest = hashlib.sha256(_canon(identity).encode()).hexdigest()[:16]
    return Sweep(file, spec, base.name, names, points, days_, reps, seed, identity, digest)

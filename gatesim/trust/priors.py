"""Priors: plausible ranges of a scenario's assumptions (``<scenario>.priors.yaml``).

Checked against the scenario: every ``sources:`` entry with basis
``assumption`` must have a range (varied or held, with its reason) or be
declared no parameter; every key path must exist in the scenario (or be a
field the schema allows under an existing one: a server schedule); low <=
high; a varied prior covers only the ``sources:`` entries it sets a value
under (one parameter cannot stand for another parameter's assumption); and
each varied prior's ends (or each choice) make a valid scenario. Any problem
is one line (file, line, key, given, allowed), before anything runs.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from gatesim.errors import InputError
from gatesim.limits import VALUE
from gatesim.scenario.base import StrictModel
from gatesim.scenario.checked import line_of, read_checked
from gatesim.scenario.explain import has_key
from gatesim.scenario.load import apply_overrides, validate
from gatesim.scenario.schema import Scenario

__all__ = ["Prior", "Priors", "check_prior_ends", "default_priors_path", "load_priors"]


class _Model(StrictModel):
    """Unknown keys, true/false for numbers, texts: gatesim/scenario/base.py."""


_VALUE = VALUE.bounds  # a scenario value: checked against the scenario at both ends (gatesim/trust/checks.py)


class Prior(_Model):
    paths: list[str] = Field(..., min_length=1)
    low: float | None = Field(None, **_VALUE)
    high: float | None = Field(None, **_VALUE)
    choices: dict[str, Any] | None = None
    covers: list[str] = Field(default_factory=list)
    reason: str = Field(..., min_length=1)
    integer: bool = False
    # A structural choice may need a different value on each path (imports in the
    # yard: `used_by` and the import route's yard_from/yard_until): each choice is
    # then a list, one value per path, in the order of `paths`.
    per_path: bool = False

    @model_validator(mode="after")
    def _form(self) -> Prior:
        if self.choices is not None:
            if self.low is not None or self.high is not None:
                raise ValueError("give low/high or choices, not both")
            if len(self.choices) < 2:
                raise ValueError("choices needs at least two alternatives")
            if self.per_path and any(
                not isinstance(v, list) or len(v) != len(self.paths) for v in self.choices.values()
            ):
                raise ValueError(f"per_path: each choice is a list of {len(self.paths)} values, one per path")
            return self
        if self.per_path:
            raise ValueError("per_path goes with choices")
        if self.low is None or self.high is None:
            raise ValueError("low and high go together (or give choices)")
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("low and high must be finite numbers")
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is above high ({self.high:g})")
        if self.integer and math.ceil(self.low) > math.floor(self.high):
            raise ValueError(f"integer: no integer lies between low ({self.low:g}) and high ({self.high:g})")
        return self

    @property
    def categorical(self) -> bool:
        return self.choices is not None

    def span(self) -> tuple[float, float]:
        """(low, high) of a numeric prior (the validator gives both unless choices)."""
        assert self.low is not None and self.high is not None
        return self.low, self.high

    def path_values(self, value: Any) -> list[tuple[str, Any]]:
        """(key path, value to set) for the sampled ``value`` (a choice's name or a number)."""
        if self.choices is None:
            return [(path, value) for path in self.paths]
        chosen = self.choices[value]
        if self.per_path:
            return list(zip(self.paths, chosen, strict=True))
        return [(path, chosen) for path in self.paths]

    def value(self, u: float) -> Any:
        """The prior's value at quantile ``u`` in [0, 1) (uniform; choices in equal strata)."""
        if self.choices is not None:
            names = list(self.choices)
            return names[min(int(u * len(names)), len(names) - 1)]
        low, high = self.span()
        x = low + u * (high - low)
        if self.integer:  # the integers inside [low, high] in equal strata
            lo, hi = math.ceil(low), math.floor(high)
            return int(min(lo + math.floor(u * (hi - lo + 1)), hi))
        return float(f"{x:.6g}")

    def quantile(self, value: Any) -> float:
        """Where ``value`` sits in [0, 1] (the inverse of :meth:`value`, for boxes)."""
        if self.choices is not None:
            names = list(self.choices)
            return (names.index(value) + 0.5) / len(names)
        low, high = self.span()
        span = high - low
        return 0.5 if span == 0 else (float(value) - low) / span


class Held(_Model):
    path: str | None = None
    low: float = Field(..., **_VALUE)
    high: float = Field(..., **_VALUE)
    held: str = Field(..., min_length=1)
    reason: str = Field(..., min_length=1)

    @model_validator(mode="after")
    def _order(self) -> Held:
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is above high ({self.high:g})")
        return self


class _File(_Model):
    scenario: str
    varied: dict[str, Prior] = Field(..., min_length=1)
    ranges: dict[str, Held] = Field(default_factory=dict)
    not_parameters: dict[str, str] = Field(default_factory=dict)
    pending: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True)
class Priors:
    file: str
    varied: dict[str, Prior]
    ranges: dict[str, Held]
    not_parameters: dict[str, str]
    pending: dict[str, str]
    digest: str

    @property
    def names(self) -> list[str]:
        return sorted(self.varied)

    def point(self, u: np.ndarray) -> dict[str, Any]:
        """Parameter values at a point of the unit cube (dimension j = j-th name)."""
        return {k: self.varied[k].value(float(x)) for k, x in zip(self.names, u, strict=True)}

    def overrides(self, params: dict[str, Any]) -> list[str]:
        """``--set`` overrides that put ``params`` into a scenario."""
        out: list[str] = []
        for name, v in params.items():
            out.extend(
                f"{path}={json.dumps(value, default=str)}" for path, value in self.varied[name].path_values(v)
            )
        return out

    def apply(self, resolved: dict, params: dict[str, Any], extra: Sequence[str] = ()) -> Scenario:
        """The scenario with ``extra`` overrides and then ``params`` set.

        The parameters' values are set on the data directly rather than written as
        ``--set`` text and read back (the same values: numbers, names, lists), which
        spares a YAML parse per key path and set: the screen applies thousands.
        """
        data = apply_overrides(copy.deepcopy(resolved), list(extra))
        for name, v in params.items():
            for path, value in self.varied[name].path_values(v):
                _set_path(data, path, copy.deepcopy(value))
        return validate(data, file="<parameter set>")


def _set_path(data: dict, path: str, value: Any) -> None:
    """Set a dotted key path in plain scenario data (mappings created on the way, as ``--set`` does)."""
    keys = path.split(".")
    node = data
    for k in keys[:-1]:
        nxt = node.get(k)
        if not isinstance(nxt, dict):
            if k in node:
                raise InputError(
                    "key path goes through a non-mapping", key=path, allowed="a path of mapping keys"
                )
            nxt = node[k] = {}
        node = nxt
    node[keys[-1]] = value


def default_priors_path(scenario_path: str | Path) -> Path:
    p = Path(scenario_path)
    return p.with_name(p.name.removesuffix(".yaml") + ".priors.yaml")


# A stage's queue rules are optional fields a resolved scenario leaves out when unset; a prior
# may set one on a stage that exists (a server schedule in fruit seasons). Any other key path
# must exist, so that a misspelt key inside a free mapping (steps_min) is not set beside it.
_OPTIONAL_RULES = ("server_schedule", "surge", "outages", "random_outages", "patience_h")


def _optional_rule(resolved: dict, kp: str) -> bool:
    parent, _, leaf = kp.rpartition(".")
    return leaf in _OPTIONAL_RULES and ".stages." in kp and has_key(resolved, parent)


def _check_varied(parsed: _File, resolved: dict, sources: set[str], lines: dict, file: str) -> None:
    for name, p in parsed.varied.items():
        for i, kp in enumerate(p.paths):
            if not has_key(resolved, kp) and not _optional_rule(resolved, kp):
                raise InputError(
                    "no such key path in the scenario",
                    file=file,
                    line=line_of(lines, "varied", name, "paths", str(i)),
                    key=f"varied.{name}.paths",
                    given=kp,
                )
        for kp in p.covers:
            if kp not in sources:
                raise InputError(
                    "covers a key with no sources: entry",
                    file=file,
                    line=line_of(lines, "varied", name, "covers"),
                    key=f"varied.{name}.covers",
                    given=kp,
                )
            if not any(path == kp or path.startswith(kp + ".") for path in p.paths):
                raise InputError(
                    "covers an assumption it does not vary (none of its paths is under it)",
                    file=file,
                    line=line_of(lines, "varied", name, "covers"),
                    key=f"varied.{name}.covers",
                    given=kp,
                    allowed=", ".join(p.paths) + " or a key above one of them",
                )


def _check_against(parsed: _File, resolved: dict, sources: set[str], lines: dict, file: str) -> None:
    """Every key path of the priors file exists in the scenario; every covered key is a sources: entry."""
    _check_varied(parsed, resolved, sources, lines, file)
    for key, h in parsed.ranges.items():
        where: dict[str, Any] = {"file": file, "line": line_of(lines, "ranges", key)}
        if key not in sources:
            raise InputError("not a sources: entry of the scenario", key=f"ranges.{key}", **where)
        if h.path is not None and not has_key(resolved, h.path):
            raise InputError(
                "no such key path in the scenario", key=f"ranges.{key}.path", given=h.path, **where
            )
    for key in parsed.not_parameters:
        if key not in sources:
            raise InputError(
                "not a sources: entry of the scenario",
                file=file,
                line=line_of(lines, "not_parameters", key),
                key=f"not_parameters.{key}",
            )


def _prior_ends(prior: Prior) -> list[tuple[str, Any]]:
    """(which end, value) of a prior: its low and high (the integers inside for an integer prior),
    or each choice."""
    if prior.choices is not None:
        return [(f"choice {name!r}", name) for name in prior.choices]
    low, high = prior.span()
    if prior.integer:
        return [("low", math.ceil(low)), ("high", math.floor(high))]
    return [("low", low), ("high", high)]


def check_prior_ends(
    varied: Mapping[str, Prior], resolved: dict, file: str, lines: dict, names: Iterable[str] | None = None
) -> None:
    """Each varied prior (of ``names``, default all) at its low and high end, or each choice, makes a
    valid scenario; else one line naming the priors file, the prior's line, the end and what fails.

    The one check of both ends: reading a priors file and ``calibrate --fit``'s input checks use it.
    """
    for name in varied if names is None else names:
        p = varied[name]
        for end, v in _prior_ends(p):
            data = copy.deepcopy(resolved)
            try:
                for path, x in p.path_values(v):
                    _set_path(data, path, copy.deepcopy(x))
                validate(data, file=file)
            except InputError as e:
                raise InputError(
                    f"prior {name} at its {end} ({v!r}): the scenario is invalid ({e.key}: {e.message})",
                    file=file,
                    line=line_of(lines, "varied", name),
                    key=f"varied.{name}",
                    given=v,
                    allowed=e.allowed or "a range the scenario accepts at both ends",
                ) from None


def load_priors(path: str | Path, scenario: Scenario, resolved: dict) -> Priors:
    """Read the priors file and check it against the scenario (see the module docstring)."""
    import hashlib

    path = Path(path)
    file = str(path)
    parsed, data, lines = read_checked(path, _File)
    if parsed.scenario != scenario.name:
        raise InputError(
            "priors are for another scenario",
            file=file,
            line=line_of(lines, "scenario"),
            key="scenario",
            given=parsed.scenario,
            allowed=scenario.name,
        )
    sources = scenario.sources
    varied = dict(parsed.varied)
    _check_against(parsed, resolved, set(sources), lines, file)
    check_prior_ends(parsed.varied, resolved, file, lines)
    covered = {k for p in varied.values() for k in p.covers} | set(parsed.ranges) | set(parsed.not_parameters)
    missing = sorted(k for k, s in sources.items() if s.basis == "assumption" and k not in covered)
    if missing:
        raise InputError(
            f"{len(missing)} assumption(s) of the scenario have no range",
            file=file,
            key=missing[0],
            allowed="a varied prior covering it, a ranges: entry, or not_parameters: with a reason",
        )
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return Priors(
        file, varied, dict(parsed.ranges), dict(parsed.not_parameters), dict(parsed.pending), digest
    )

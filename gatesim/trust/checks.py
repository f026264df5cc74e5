"""Checks of the calibration's inputs before anything is run or written.

``calibrate --fit``: every varied prior at both ends of its range (each choice
of a structural prior) must give a valid scenario, and every experiment's
overrides too; a failure names the priors (or targets) file, the prior's line
and name, never a sampled parameter set. ``assess`` and ``revenue``: every row
of the ensemble must be whole, inside its priors, plausible, with known choice
values, and give a valid scenario; a failure names the ensemble's row and
set_id. Both refuse before a directory is created.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gatesim.errors import InputError
from gatesim.limits import WORLDS
from gatesim.scenario.checked import line_of
from gatesim.scenario.explain import lookup
from gatesim.scenario.load import read_yaml
from gatesim.trust.ensemble import Ensemble
from gatesim.trust.priors import Priors, check_prior_ends
from gatesim.trust.targets import Targets

__all__ = ["check_ensemble", "check_fit_inputs", "check_worlds"]

# a prior on these would be overwritten by each experiment, or rename the scenario
_NOT_PRIORS = ("run", "name", "extends", "description", "sources")


def _prior_lines(priors: Priors) -> dict:
    lines: dict = {}
    try:
        read_yaml(Path(priors.file), lines)
    except InputError:  # read once already by load_priors; lines are a courtesy
        return {}
    return lines


def check_fit_inputs(priors: Priors, resolved: dict, targets: Targets | None = None) -> None:
    """Refuse a prior whose path cannot vary or whose range (at either end) gives an invalid
    scenario, and an experiment whose overrides do; one line naming the file, line and prior."""
    lines = _prior_lines(priors)
    for name in priors.names:
        _check_paths(priors, name, resolved, lines)
        check_prior_ends(priors.varied, resolved, priors.file, lines, [name])
    if targets is not None:
        _check_experiments(priors, resolved, targets)


def _check_paths(priors: Priors, name: str, resolved: dict, lines: dict) -> None:
    prior = priors.varied[name]
    for i, path in enumerate(prior.paths):
        line = line_of(lines, "varied", name, "paths", str(i))
        if path.split(".")[0] in _NOT_PRIORS:
            raise InputError(
                f"prior {name}: {path} cannot be a parameter (each experiment sets run.*; "
                "name, extends, description and sources are not model inputs)",
                file=priors.file,
                line=line,
                key=f"varied.{name}.paths",
                given=path,
                allowed="a key path of a model input",
            )
        if isinstance(lookup(resolved, path.split(".")), dict) and not prior.categorical:
            raise InputError(
                f"prior {name}: {path} names a mapping, not a number",
                file=priors.file,
                line=line,
                key=f"varied.{name}.paths",
                given=path,
                allowed="the key path of a number",
            )


def _check_experiments(priors: Priors, resolved: dict, targets: Targets) -> None:
    """Each experiment's overrides, at the priors' centre, give a valid scenario."""
    centre = {n: priors.varied[n].value(0.5) for n in priors.names}
    tlines: dict = {}
    try:
        read_yaml(Path(targets.file), tlines)
    except InputError:
        tlines = {}
    for eid, experiment in targets.experiments.items():
        try:
            priors.apply(resolved, centre, experiment.overrides())
        except InputError as e:
            raise InputError(
                f"experiment {eid} gives an invalid scenario: {e.key or ''}: {e.message}",
                file=targets.file,
                line=line_of(tlines, "experiments", eid, "set"),
                key=f"experiments.{eid}",
                given=e.given,
                allowed=e.allowed,
            ) from None


def check_worlds(ensemble: Ensemble, worlds: int | None, say: Any) -> None:
    """``--worlds`` above the ensemble's size: said (all its sets are used), not silently capped."""
    WORLDS.check("--worlds", worlds)
    if worlds is not None and worlds > len(ensemble.sets):
        say(
            f"gatesim: note: --worlds {worlds}: the ensemble has {len(ensemble.sets)} parameter sets; "
            f"all {len(ensemble.sets)} are used"
        )


def _row_error(ensemble: Ensemble, i: int, set_id: Any, message: str, **kw: Any) -> InputError:
    # the CSV's line: the header is line 1
    sid = f"set_id {set_id}" if set_id is not None else "a row without set_id"
    return InputError(f"row {i + 1} ({sid}): {message}", file=ensemble.file, line=i + 2, **kw)


def _set_id(value: Any) -> int | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return int(x) if math.isfinite(x) and x.is_integer() and x >= 0 else None


def check_ensemble(
    ensemble: Ensemble, priors: Priors, resolved: dict, worlds: list[dict[str, Any]] | None = None
) -> None:
    """Every row whole, with a non-negative set_id (unique), a finite I_max, ``plausible`` true
    where the column is there, each parameter inside its prior (known choice values, integers
    for integer priors); each world of ``worlds`` a valid scenario. One line naming the row."""
    sets = ensemble.sets
    seen: set[int] = set()
    for i, row in enumerate(sets.to_dict(orient="records")):
        sid = _set_id(row.get("set_id"))
        if sid is None:
            raise _row_error(
                ensemble,
                i,
                None,
                "set_id is not a non-negative integer",
                key="set_id",
                given=row.get("set_id"),
            )
        if sid in seen:
            raise _row_error(ensemble, i, sid, "set_id appears twice", key="set_id", given=sid)
        seen.add(sid)
        imax = pd.to_numeric(pd.Series([row.get("I_max")]), errors="coerce").iloc[0]
        if not (np.isfinite(imax) and imax >= 0):
            raise _row_error(
                ensemble,
                i,
                sid,
                "I_max is missing or not a non-negative number (a row cut short?)",
                key="I_max",
                given=row.get("I_max"),
            )
        if "plausible" in sets.columns and str(row.get("plausible")).strip().lower() not in (
            "true",
            "1",
            "1.0",
        ):
            raise _row_error(
                ensemble,
                i,
                sid,
                "is not plausible: an ensemble holds only the sets a fit did not rule out",
                key="plausible",
                given=row.get("plausible"),
                allowed="True",
            )
        for name in priors.names:
            _check_value(ensemble, i, sid, name, row.get(name), priors)
    for w in worlds or []:
        try:
            priors.apply(resolved, {k: v for k, v in w.items() if k != "set_id"})
        except InputError as e:
            i = next((j for j, s in enumerate(sets["set_id"]) if _set_id(s) == w["set_id"]), 0)
            raise _row_error(
                ensemble,
                i,
                w["set_id"],
                f"gives an invalid scenario: {e.key or ''}: {e.message}",
                given=e.given,
                allowed=e.allowed,
            ) from None


def _check_value(ensemble: Ensemble, i: int, sid: int, name: str, value: Any, priors: Priors) -> None:
    prior = priors.varied[name]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise _row_error(ensemble, i, sid, f"{name} is missing (a row cut short?)", key=name)
    if prior.choices is not None:
        if str(value) not in prior.choices:
            raise _row_error(
                ensemble,
                i,
                sid,
                f"{name} is not one of the prior's choices",
                key=name,
                given=value,
                allowed=", ".join(prior.choices),
            )
        return
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise _row_error(ensemble, i, sid, f"{name} is not a number", key=name, given=value) from None
    low, high = prior.span()
    if not (math.isfinite(x) and low <= x <= high) or (prior.integer and not x.is_integer()):
        kind = "an integer " if prior.integer else ""
        raise _row_error(
            ensemble,
            i,
            sid,
            f"{name} is outside its prior",
            key=name,
            given=value,
            allowed=f"{kind}{low:g} to {high:g} ({priors.file})",
        )

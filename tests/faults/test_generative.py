"""A generative fault suite: inputs built from the schemas' own bounds.

Every numeric field of the baseline and corridor scenarios is found with its bounds
(gatesim.scenario.explain.bounds_at, the ones in gatesim/limits.py). Hypothesis then
- pushes a field past each of its bounds, or gives it a wrong type: the loader refuses it
  in one line naming the field; through the CLI, exit 2, one line, nothing written;
- moves a field within its bounds (x0.5 to x2 of its value): the scenario is refused in one
  line (a rule between fields) or it runs one day;
- writes date-times with any zone offset (accepted, converted) and with impossible zones
  (refused in one line);
- damages a priors entry, a sweep's values or an ensemble's row past their bounds: one line.

Default tier: a few examples of each; the slow tier runs many (GATESIM_GENERATIVE_EXAMPLES).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from faultkit import BASELINE, ROOT, cli, one_line
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from gatesim.decide.spec import load_study
from gatesim.errors import InputError
from gatesim.run import run_scenario
from gatesim.scenario.explain import bounds_at
from gatesim.scenario.load import apply_overrides, load_scenario, read_yaml, validate
from gatesim.trust.checks import check_ensemble
from gatesim.trust.ensemble import load_ensemble
from gatesim.trust.priors import Prior, default_priors_path, load_priors
from gatesim.trust.targets import TARGETS_PATH, load_targets

CORRIDOR = ROOT / "scenarios" / "corridor_2026.yaml"
ENSEMBLE = ROOT / "scenarios" / "baseline_2026.ensemble.csv"
TINY = ["calendar.warmup_days=0", "calendar.drain_days=0"]

_COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": list(HealthCheck),
    "phases": [Phase.explicit, Phase.generate, Phase.shrink],  # no explain phase: it traces every line
}
SMALL = settings(max_examples=int(os.environ.get("GATESIM_GENERATIVE_SMALL", "6")), **_COMMON)
LARGE = settings(max_examples=int(os.environ.get("GATESIM_GENERATIVE_EXAMPLES", "300")), **_COMMON)


def _leaves(node: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, str(k)))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, str(i)))]
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return [path]
    return []


def _numeric_fields(base: Path) -> list[tuple[Path, str, Any, type, dict]]:
    """(file, key path, value, int or float, bounds) of every number the scenario holds."""
    _, resolved = load_scenario(base)
    out = []
    for path in _leaves(resolved):
        kind, bounds = bounds_at(path)
        if kind in (int, float):
            value = resolved
            for p in path:
                value = value[int(p)] if isinstance(value, list) else value[p]
            out.append((base, ".".join(path), value, kind, bounds))
    return out


FIELDS = _numeric_fields(BASELINE) + _numeric_fields(CORRIDOR)


def test_every_number_of_the_scenarios_has_its_bounds():
    assert len(FIELDS) > 300
    assert all(({"ge", "gt"} & set(b)) and ({"le", "lt"} & set(b)) for *_, b in FIELDS)


def _past(kind: type, bounds: dict, side: str, step: float) -> Any:
    """A value just or far past one bound (``step`` >= 0 scales how far)."""
    if side == "low":
        edge = bounds.get("ge", bounds.get("gt"))
        value = (
            edge
            if "gt" in bounds and step == 0
            else edge - max(1e-6 * abs(edge), 1e-6) - step * max(1, abs(edge))
        )
        return math.floor(value) if kind is int and value != edge else value
    edge = bounds.get("le", bounds.get("lt"))
    value = edge + max(1e-6 * abs(edge), 1e-6) + step * max(1, abs(edge))
    return math.ceil(value) if kind is int else value


@st.composite
def invalid_changes(draw):
    base, key, _, kind, bounds = draw(st.sampled_from(FIELDS))
    how = draw(st.sampled_from(["low", "high", "text", "bool", "list", "mapping"]))
    if how in ("low", "high"):
        value = _past(kind, bounds, how, draw(st.sampled_from([0.0, 0.5, 10.0, 1e6])))
    else:
        value = {"text": "lots", "bool": True, "list": [1, 2], "mapping": {"a": 1}}[how]
    return base, key, value


@st.composite
def valid_changes(draw):
    base, key, value, kind, bounds = draw(st.sampled_from(FIELDS))
    new = value * draw(st.floats(0.5, 2.0))
    low, high = bounds.get("ge", bounds.get("gt")), bounds.get("le", bounds.get("lt"))
    new = min(max(new, low), high)
    if kind is int:
        new = max(math.ceil(low), min(math.floor(high), round(new)))
    if "gt" in bounds and new <= low:
        new = value
    return base, key, new


@functools.cache
def _tiny(base: Path) -> dict:
    return load_scenario(base, TINY)[1]


def _with(base: Path, key: str, value: Any):
    """The tiny scenario with one value set (validated as a --set is; the base file read once)."""
    return validate(
        apply_overrides(copy.deepcopy(_tiny(base)), [f"{key}={json.dumps(value)}"]), file=str(base)
    )


def _refused_in_one_line(base: Path, key: str, value: Any) -> InputError:
    with pytest.raises(InputError) as e:
        _with(base, key, value)
    text = str(e.value)
    assert "\n" not in text and "Input should" not in text and "Traceback" not in text, text
    # the field (or the mapping or list that holds it) is named
    assert e.value.key and key.split(".")[:2] == e.value.key.split(".")[:2], (key, text)
    return e.value


def _check_invalid(change) -> None:
    _refused_in_one_line(*change)


def _check_invalid_cli(change, tmp_path: Path) -> None:
    base, key, value = change
    out = tmp_path / "o"
    result, lines = cli(
        "run", base, "--set", f"{key}={json.dumps(value)}", "--days", "1", "-r", "1", "-q", "--out", out
    )
    one_line(result, lines, 2)
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".o.")]


def _check_valid(change) -> None:
    base, key, value = change
    try:
        scenario = _with(base, key, value)
    except InputError as e:  # a rule between fields (shares summing to 1, open before close)
        assert "\n" not in str(e)
        return
    from gatesim.guard import check_memory

    try:
        check_memory(scenario, 1, what=scenario.name)
    except InputError:
        return  # refused before running, with its estimate
    result = run_scenario(scenario, days=1, replications=1, seed=0)
    assert not result.summary.empty


@SMALL
@given(invalid_changes())
def test_a_field_past_its_bound_or_of_a_wrong_type_is_one_line(change):
    _check_invalid(change)


@pytest.mark.integration
@SMALL
@given(change=invalid_changes())
def test_through_the_cli_exit_2_one_line_nothing_written(tmp_path_factory, change):
    _check_invalid_cli(change, tmp_path_factory.mktemp("gen"))


@SMALL
@given(valid_changes())
def test_a_field_within_its_bounds_runs_one_day_or_is_one_line(change):
    _check_valid(change)


@pytest.mark.slow
@LARGE
@given(invalid_changes())
def test_many_fields_past_their_bounds(change):
    _check_invalid(change)


@pytest.mark.slow
@LARGE
@given(valid_changes())
def test_many_fields_within_their_bounds(change):
    _check_valid(change)


@pytest.mark.integration
@pytest.mark.parametrize("side", ["low", "high"])
def test_every_field_past_each_of_its_bounds(side):
    accepted = []
    for base, key, _, kind, bounds in FIELDS:
        value = _past(kind, bounds, side, 0.0)
        try:
            _refused_in_one_line(base, key, value)
        except pytest.fail.Exception:
            accepted.append(f"{base.name}: {key}={value}")
    assert not accepted, "accepted past a bound:\n" + "\n".join(accepted)


# --- date-times: any zone offset, impossible zones ----------------------------------------

OUTAGES = "gates.tan_thanh.stages.road.outages"
offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)
instants = st.datetimes(min_value=dt.datetime(2025, 12, 29), max_value=dt.datetime(2026, 1, 3)).map(
    lambda d: d.replace(microsecond=0)
)


@SMALL
@given(start=instants, hours=st.floats(0.1, 48), tz=offsets, quoted=st.booleans())
def test_a_date_time_with_any_offset_is_the_same_hanoi_instant(start, hours, tz, quoted):
    aware = start.replace(tzinfo=tz)
    end = aware + dt.timedelta(hours=hours)

    def text(d):
        return f'"{d.isoformat()}"' if quoted else d.isoformat()

    scenario, resolved = load_scenario(BASELINE, [f"{OUTAGES}=[{{start: {text(aware)}, end: {text(end)}}}]"])
    o = scenario.gates["tan_thanh"].stages["road"].outages[0]
    hanoi = dt.timezone(dt.timedelta(hours=7))
    assert o.start == aware.astimezone(hanoi).replace(tzinfo=None)
    assert o.end - o.start == end - aware
    assert isinstance(resolved["gates"]["tan_thanh"]["stages"]["road"]["outages"][0]["start"], str)


@pytest.mark.parametrize("quoted", [False, True])
@pytest.mark.parametrize("zone", ["+25:00", "+07:60", " Asia/Hanoi", "+7", "ICT", "Z+07:00", "+07:00:00:00"])
def test_an_impossible_zone_is_one_line(zone, quoted):
    when = f"2026-01-02T08:00{zone}"
    when = f'"{when}"' if quoted else when
    with pytest.raises(InputError) as e:
        load_scenario(BASELINE, [f"{OUTAGES}=[{{start: {when}, end: 2026-01-03T00:00:00}}]"])
    assert "\n" not in str(e.value) and "outages" in (e.value.key or "")


# --- priors, sweeps and ensembles past their bounds -------------------------------------------

bad_numbers = st.sampled_from([1e16, -1e16, True, "x", [1], float("nan")])


@SMALL
@given(field=st.sampled_from(["low", "high"]), value=bad_numbers)
def test_a_prior_past_its_bounds_is_refused(field, value):
    entry = {"paths": ["a.b"], "low": 1.0, "high": 2.0, "reason": "r", field: value}
    with pytest.raises(ValidationError):
        Prior.model_validate(entry)


@SMALL
@given(value=bad_numbers, form=st.sampled_from(["values", "start", "step", "low"]))
def test_a_sweep_value_past_its_bounds_is_one_line(tmp_path_factory, value, form):
    d = tmp_path_factory.mktemp("sweep")
    param = {
        "values": {"values": [4, value]},
        "start": {"start": value, "stop": 8, "step": 1},
        "step": {"start": 4, "stop": 8, "step": value},
        "low": {"low": value, "high": 8},
    }[form]
    if isinstance(value, str) and form == "values":
        return  # text is a valid sweep value (of a text field)
    spec = {
        "base": str(BASELINE),
        "design": "lhs" if form == "low" else "grid",
        "parameters": {"gates.tan_thanh.stages.road.lanes": param},
    }
    if form == "low":
        spec["n"] = 2
    f = d / "s.yaml"
    f.write_text(json.dumps(spec))  # JSON is YAML
    result, lines = cli("sweep", f, "--out", d / "o", "--days", "1", "-r", "1", "-q")
    one_line(result, lines, 2, "s.yaml")
    assert not (d / "o").exists()


@pytest.fixture(scope="module")
def ensemble_inputs():
    scenario, resolved = load_scenario(BASELINE)
    priors = load_priors(default_priors_path(BASELINE), scenario, resolved)
    return resolved, priors, pd.read_csv(ENSEMBLE)


@SMALL
@given(row=st.integers(0, 50), column=st.integers(0, 100), value=st.sampled_from([-1e9, 1e9, "nope", None]))
def test_an_ensemble_row_past_its_priors_names_the_row(tmp_path_factory, ensemble_inputs, row, column, value):
    resolved, priors, frame = ensemble_inputs
    name = priors.names[column % len(priors.names)]
    df = copy.deepcopy(frame).astype({name: object})
    df.loc[row, name] = value
    f = tmp_path_factory.mktemp("ens") / "ensemble.csv"
    df.to_csv(f, index=False)
    with pytest.raises(InputError) as e:
        check_ensemble(load_ensemble(f), priors, resolved)
    assert f"row {row + 1} (set_id {int(frame.loc[row, 'set_id'])})" in str(e.value)
    assert e.value.line == row + 2 and e.value.key == name


# --- targets and optimise files past their bounds ----------------------------------------------

TARGETS_DATA = read_yaml(TARGETS_PATH)
TARGET_FIELDS = [("sd", 0, 1e16), ("discrepancy_sd", -1, 1e16), ("value", -1e16, 1e16)]
EXPERIMENT_FIELDS = [("days", 0, 367), ("warmup_days", -1, 61)]


@SMALL
@given(
    where=st.sampled_from(["target", "experiment"]),
    pick=st.integers(0, 100),
    side=st.sampled_from([1, 2]),
    wrong=st.sampled_from([None, True, "x", [1]]),
)
def test_a_targets_file_past_its_bounds_is_one_line(tmp_path_factory, where, pick, side, wrong):
    data = copy.deepcopy(TARGETS_DATA)
    if where == "target":
        field = TARGET_FIELDS[pick % len(TARGET_FIELDS)]
        entry = data["targets"][pick % len(data["targets"])]
    else:
        field = EXPERIMENT_FIELDS[pick % len(EXPERIMENT_FIELDS)]
        entry = data["experiments"][sorted(data["experiments"])[pick % len(data["experiments"])]]
    entry[field[0]] = field[side] if wrong is None else wrong
    f = tmp_path_factory.mktemp("targets") / "targets.yaml"
    f.write_text(json.dumps(data, default=str), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_targets(f)
    assert "\n" not in str(e.value) and field[0] in (e.value.key or "") and e.value.line is not None


@SMALL
@given(
    field=st.sampled_from(["low", "high", "step", "cost_per_unit"]),
    value=st.sampled_from([1e16, -1e16, True, "x", 1e-9]),
)
def test_an_optimise_decision_past_its_bounds_is_one_line(tmp_path_factory, field, value):
    decision = {"low": 2, "high": 8, field: value}
    if field == "step" and value == 1e-9:
        pass  # a grid of 6e9 values: refused with its size
    elif value == 1e-9:
        return  # a valid number for the other fields
    spec = {
        "base": str(BASELINE),
        "decisions": {"gates.tan_thanh.stages.road.lanes": decision},
        "constraints": [{"kpi": "wait_mean_h", "max": 5, "share": 0.9}],
    }
    f = tmp_path_factory.mktemp("optimise") / "o.yaml"
    f.write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_study(f, "optimise")
    assert "\n" not in str(e.value) and "Input should" not in str(e.value)
    assert "decisions.gates.tan_thanh.stages.road.lanes" in (e.value.key or "")

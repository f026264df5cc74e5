"""gatesim/limits.py is the one home of the shared range limits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

import gatesim
from gatesim import limits
from gatesim.decide.spec import Search
from gatesim.errors import InputError
from gatesim.limits import CI_REPLICATIONS, DAYS, REPLICATIONS, SEED, SWEEP_POINTS, Limit
from gatesim.scenario.schema import RunSettings
from gatesim.sweep.spec import SweepSpec

PACKAGE = Path(gatesim.__file__).parent

# The shared bounds as other modules once wrote them: a number a limit holds, in the
# places a bound is written (a Field's ge/le, a range tuple, help text "1-3660").
_WRITTEN = [
    re.compile(r"\b3660\b"),
    re.compile(r"2\s*\*\*\s*63"),
    re.compile(r"\ble=1000\b"),
    re.compile(r"\(1-1000\)"),
    re.compile(r",\s*1000\)"),
    re.compile(r",\s*1024\)"),
    re.compile(r"\bMAX_(POINTS|GRID|TEXT|NAME|COUNT|DAYS|REPLICATIONS|WORKERS)\s*=\s*\d"),
    re.compile(r"\(1900, 2200\)"),
]


def test_no_module_but_limits_writes_a_shared_bound() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "limits.py":
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            found += [f"{path.relative_to(PACKAGE)}:{i}: {line.strip()}" for p in _WRITTEN if p.search(code)]
    assert not found, "bounds written outside gatesim/limits.py:\n" + "\n".join(found)


def test_every_limit_is_a_range_with_a_reason() -> None:
    all_limits = [v for v in vars(limits).values() if isinstance(v, Limit)]
    assert len(all_limits) == len(limits.__all__) - 1  # everything exported but the class is a limit
    for lim in all_limits:
        assert lim.low <= lim.high, lim
        assert len(lim.why) > 20, lim.name


@pytest.mark.parametrize("value", [DAYS.low - 1, DAYS.high + 1])
def test_check_refuses_outside_and_names_the_range(value: int) -> None:
    with pytest.raises(InputError) as e:
        DAYS.check("--days", value)
    assert e.value.key == "--days" and e.value.allowed == f"{DAYS.low} to {DAYS.high}"


def test_check_passes_the_bounds_and_none() -> None:
    for v in (DAYS.low, DAYS.high, None):
        DAYS.check("--days", v)


def test_scenario_sweep_and_study_files_use_the_same_bounds() -> None:
    """A bound changed in limits.py changes every file that reads it."""
    RunSettings(days=DAYS.high, replications=REPLICATIONS.high, seed=SEED.high)
    for bad in ({"days": DAYS.high + 1}, {"replications": REPLICATIONS.high + 1}, {"seed": SEED.high + 1}):
        with pytest.raises(ValidationError):
            RunSettings(**bad)
        with pytest.raises(ValidationError):
            SweepSpec(base="b.yaml", parameters={"a": {"values": [1]}}, **bad)
    with pytest.raises(ValidationError):
        SweepSpec(
            base="b.yaml", design="lhs", n=SWEEP_POINTS.high + 1, parameters={"a": {"low": 0, "high": 1}}
        )
    Search(replications=CI_REPLICATIONS.low)
    with pytest.raises(ValidationError):
        Search(replications=CI_REPLICATIONS.low - 1)


def test_commands_refuse_out_of_range_with_exit_2(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from gatesim.cli import main

    res = CliRunner().invoke(main, ["run", "scenarios/none.yaml", "--days", str(DAYS.high + 1)])
    assert res.exit_code == 2
    assert f"{DAYS.low} to {DAYS.high}" in res.output


# --- every numeric field of every schema has both bounds -------------------------------------


def _numeric_leaves(ann, bounds: frozenset, path: str):
    """(path, bounds on the way) of every int/float a field annotation admits (through Annotated,
    unions, lists and mapping values); models are walked by the caller."""
    import types
    import typing

    from pydantic import BaseModel

    origin = typing.get_origin(ann)
    if origin is typing.Annotated:
        base, *meta = typing.get_args(ann)
        found = set(bounds)
        for m in meta:
            for item in getattr(m, "metadata", [m]):
                found |= {k for k in ("ge", "gt", "le", "lt") if getattr(item, k, None) is not None}
        yield from _numeric_leaves(base, frozenset(found), path)
    elif origin in (typing.Union, types.UnionType):
        for a in typing.get_args(ann):
            yield from _numeric_leaves(a, bounds, path)
    elif origin in (list, tuple):
        yield from _numeric_leaves(typing.get_args(ann)[0], frozenset(), path + "[]")
    elif origin is dict:
        yield from _numeric_leaves(typing.get_args(ann)[1], frozenset(), path + "{}")
    elif ann in (int, float):
        yield path, bounds
    elif isinstance(ann, type) and issubclass(ann, BaseModel):
        yield path, ann  # a model: walked on its own


def _schema_models():
    from gatesim.decide.spec import OptimiseSpec, SensitivitySpec
    from gatesim.scenario.schema import Scenario
    from gatesim.sweep.spec import Param
    from gatesim.trust.priors import Held, Prior
    from gatesim.trust.targets import Experiment, Target

    todo = [Scenario, Prior, Held, Target, Experiment, SweepSpec, Param, OptimiseSpec, SensitivitySpec]
    seen: list = []
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.append(model)
        for name, field in model.model_fields.items():
            own = frozenset(
                k for m in field.metadata for k in ("ge", "gt", "le", "lt") if getattr(m, k, None) is not None
            )
            for path, found in _numeric_leaves(field.annotation, own, f"{model.__name__}.{name}"):
                if isinstance(found, type):
                    todo.append(found)
                else:
                    yield path, found


def test_every_numeric_field_of_every_schema_has_a_lower_and_an_upper_bound() -> None:
    fields = list(_schema_models())
    assert len(fields) > 100  # the walk reaches the scenario's gates, stages, corridor and the specs
    unbounded = [path for path, found in fields if not ({"ge", "gt"} & found and {"le", "lt"} & found)]
    assert not unbounded, "numeric fields without both bounds (gatesim/limits.py):\n" + "\n".join(unbounded)


def test_the_walk_finds_a_field_without_a_bound() -> None:
    """The test above can fail: a model with an unbounded number is found."""
    from pydantic import BaseModel

    class Loose(BaseModel):
        x: float
        y: dict[str, list[float]]

    found = [
        p
        for name, f in Loose.model_fields.items()
        for p, b in _numeric_leaves(f.annotation, frozenset(), name)
        if not b
    ]
    assert found == ["x", "y{}[]"]


@pytest.mark.parametrize(
    "setting, fragment",
    [
        ("corridor.choice.publish_every_h=1e-9", "publish_every_h"),
        ("corridor.metering={tan_thanh: {yard_max_trucks: 1, check_every_h: 1e-9}}", "check_every_h"),
        (
            "gates.tan_thanh.stages.road={kind: road, lanes_by_direction: {export: 1000000000, import: 1}, per_lane_vehicles_per_h: 20}",
            "lanes_by_direction.export",
        ),
        (
            "gates.tan_thanh.stages.fees.surge={queue_at_least: 5, until_queue_below: 2, extra_servers: 1000000000000}",
            "extra_servers",
        ),
        ("gates.tan_thanh.arrivals.hourly_profile=" + str([1e308] * 24), "hourly_profile.0"),
        (
            "gates.tan_thanh.stages.fees.random_outages={rate_per_day: 100000, duration_h: {mean_h: 0.1}}",
            "rate_per_day",
        ),
    ],
)
def test_intervals_and_sizes_that_never_end_are_refused(setting: str, fragment: str) -> None:
    from gatesim.scenario.load import load_scenario

    with pytest.raises(InputError) as e:
        load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "corridor_2026.yaml", [setting])
    assert fragment in (e.value.key or ""), str(e.value)
    assert "allowed" in str(e.value)


def test_an_optimise_step_is_refused_with_its_grid_size() -> None:
    from gatesim.decide.spec import Decision

    with pytest.raises(ValidationError) as e:
        Decision(low=10, high=20, step=1e-9)
    assert "1e+10 values" in str(e.value)
    assert len(Decision(low=10, high=20, step=0.01).levels()) == 1001

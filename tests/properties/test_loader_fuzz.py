"""Fuzzing the scenario loader: anything in gives a Scenario or one InputError, never a crash.

Random YAML text, random bytes, random YAML structures, and random mutations
of the baseline (keys dropped, renamed, values of the wrong type or range at
random key paths). A few of the failing mutations also go through the CLI:
exit code 2, one line, nothing written.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from gatesim.cli import main
from gatesim.errors import InputError
from gatesim.scenario.load import load_scenario, read_yaml, validate
from gatesim.scenario.schema import Scenario

# Integration (out of the quick tier): runs the CLI and fuzzes the loader with many Hypothesis examples.
# Hypothesis over many scenarios: minutes on 2 cores; in the slow tier (.ci/run runs it after the
# default tests) so that the default run stays under 10 min.
pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"
BASE_DATA = read_yaml(BASELINE)
FAST = settings(
    max_examples=int(os.environ.get("GATESIM_FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((*prefix, k))
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((*prefix, i))
            out.extend(_paths(v, (*prefix, i)))
    return out


PATHS = _paths(BASE_DATA)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)


def dump(data: Any) -> str:
    y = YAML(typ="safe", pure=True)
    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue()


def check_load(path: Path) -> Scenario | None:
    """Load; the only acceptable failure is one InputError naming the file, on one line."""
    try:
        scenario, _ = load_scenario(path)
    except InputError as e:
        text = str(e)
        assert "\n" not in text and text.strip() == text
        assert path.name in text, text
        return None
    assert isinstance(scenario, Scenario)
    return scenario


@st.composite
def mutated(draw) -> dict:
    data = copy.deepcopy(BASE_DATA)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent = data
        for part in path[:-1]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                parent = None
                break
        if not isinstance(parent, (dict, list)):
            continue
        last = path[-1]
        if (
            isinstance(parent, dict)
            and last not in parent
            or isinstance(parent, list)
            and last >= len(parent)
        ):
            continue
        action = draw(st.sampled_from(["drop", "replace", "rename", "scale"]))
        if action == "drop":
            del parent[last]
        elif action == "replace":
            parent[last] = draw(values)
        elif action == "rename" and isinstance(parent, dict):
            parent[last + draw(st.sampled_from(["s", "_", "x"]))] = parent.pop(last)
        elif (
            action == "scale"
            and isinstance(parent[last], (int, float))
            and not isinstance(parent[last], bool)
        ):
            parent[last] = parent[last] * draw(st.sampled_from([-1, 0, 2, 1.5, 1e9]))
    return data


@FAST
@given(text=st.text(max_size=300))
def test_random_text(tmp_path, text):
    path = tmp_path / "random.yaml"
    path.write_text(text, encoding="utf-8")
    check_load(path)


@FAST
@given(raw=st.binary(max_size=300))
def test_random_bytes(tmp_path, raw):
    path = tmp_path / "random.yaml"
    path.write_bytes(raw)
    check_load(path)


@FAST
@given(
    text=st.lists(
        st.sampled_from(
            [
                "a:",
                " b:",
                "  - c",
                "- d",
                "&x [1, 2]",
                "*x",
                "<<: *x",
                "!!python/object:os.system",
                "!tag",
                "? k",
                ": v",
                "{",
                "}",
                "[",
                "]",
                "'q",
                '"q"',
                "|",
                ">-",
                "---",
                "...",
                "%YAML 1.2",
                "#c",
                "\t",
                "name: x",
                "extends: random.yaml",
                "2026-02-30",
                ".inf",
                "0x1F",
                "1e999",
                "~",
            ]
        ),
        max_size=12,
    ).map(lambda parts: "\n".join(parts))
)
def test_yaml_looking_fragments(tmp_path, text):
    path = tmp_path / "random.yaml"
    path.write_text(text, encoding="utf-8")
    check_load(path)


@FAST
@given(data=values)
def test_random_structures(tmp_path, data):
    path = tmp_path / "random.yaml"
    path.write_text(dump(data), encoding="utf-8")
    check_load(path)


@FAST
@given(data=mutated())
def test_mutations_of_the_baseline(data):
    """Straight into validation (parsing the whole baseline YAML takes ~0.3 s a time)."""
    try:
        scenario = validate(data, {}, "mutated.yaml")
    except InputError as e:
        assert "\n" not in str(e) and "mutated.yaml" in str(e)
    else:
        assert isinstance(scenario, Scenario)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mutated())
def test_mutations_of_the_baseline_through_yaml(tmp_path, data):
    path = tmp_path / "mutated.yaml"
    path.write_text(dump(data), encoding="utf-8")
    check_load(path)


def test_the_unmutated_baseline_still_loads(tmp_path):
    """The fuzzing above is only meaningful if the dumped baseline itself is valid."""
    path = tmp_path / "mutated.yaml"
    path.write_text(dump(BASE_DATA), encoding="utf-8")
    assert check_load(path) is not None


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mutated())
def test_mutations_through_the_cli(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("cli")
    path = tmp / "mutated.yaml"
    path.write_text(dump(data), encoding="utf-8")
    if check_load(path) is not None:
        return  # a valid scenario: running it is the model's business, not the loader's
    out = tmp / "out"
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(out), "-q", "--days", "1", "-r", "1"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gatesim: error: ") and "mutated.yaml" in lines[0]
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp.iterdir()) == ["mutated.yaml"]

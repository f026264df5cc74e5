"""gatesim/limits.py is the one home of the shared range limits (issue 19)."""

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

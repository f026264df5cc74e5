"""Ties the searches found: the twin equals the fast engine on each, truck by truck.

Each file of ``tests/data/twin_ties`` is a scenario (and its seed and days, in its
header) on which the twin and the booking engine once disagreed about who acts
first at an instant; its first line says which rule of the tie order it pins.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gatesim.scenario.load import load_scenario
from tests.helpers.twin_compare import assert_same, both_logs

CASES = sorted((Path(__file__).resolve().parents[1] / "data" / "twin_ties").glob("*.yaml"))


def test_there_are_cases():
    assert len(CASES) >= 2


@pytest.mark.integration
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_twin_matches_fast_engine_on_a_found_tie(path):
    header = re.search(r"# seed (\d+), (\d+) days", path.read_text())
    assert header is not None, "the case's header names its seed and days"
    seed, days = int(header.group(1)), int(header.group(2))
    scenario, _ = load_scenario(path, [])
    fast, twin = both_logs(scenario, days, seed=seed)
    assert_same(fast, twin)

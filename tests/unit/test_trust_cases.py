"""The tiny trust case (tests/helpers/trust_cases.py) is a valid scenario with the true acceptance time."""

from __future__ import annotations

from gatesim.scenario.load import load_scenario
from tests.helpers.trust_cases import TRUE_ACCEPT_MIN, write_case


def test_tiny_case_is_a_valid_scenario(tmp_path):
    paths = write_case(tmp_path)
    sc, _ = load_scenario(paths["scenario"])
    assert sc.gates["g"].stages["cn_acceptance"].service.steps_min["acceptance"] == TRUE_ACCEPT_MIN

"""Shared fixtures: small runs of the baseline, reused across core tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatesim.run import run_replication
from gatesim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"


@pytest.fixture(scope="session")
def baseline():
    scenario, _ = load_scenario(BASELINE)
    return scenario


@pytest.fixture(scope="session")
def baseline_logs(baseline):
    """Two replications of 4 days (after the 3-day warm-up)."""
    return [run_replication(baseline, 4, r, 7) for r in range(2)]

"""Shared fixtures: small runs of the baseline, reused across core tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatesim.run import run_replication
from gatesim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"
# Kinds kept in folders of their own that run the CLI end to end (fault injection kills and
# damages real runs; the browser tests build reports): integration, out of the quick tier.
_INTEGRATION_FOLDERS = ("faults", "browser")


@pytest.hookimpl(tryfirst=True)  # before -m selects on the markers
def pytest_collection_modifyitems(config, items) -> None:
    tests = Path(__file__).resolve().parent
    for item in items:
        parts = Path(item.path).resolve().relative_to(tests).parts
        if parts[0] in _INTEGRATION_FOLDERS:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def baseline():
    scenario, _ = load_scenario(BASELINE)
    return scenario


@pytest.fixture(scope="session")
def baseline_logs(baseline):
    """Two replications of 4 days (after the 3-day warm-up)."""
    return [run_replication(baseline, 4, r, 7) for r in range(2)]

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
# The model-correctness checks run first, so that a failure in them shows before anything else
# and no run can leave them for last; then the rest by folder, the heaviest at the end.
_FOLDER_ORDER = ("properties", "validation", "unit", "golden", "integration", "faults", "browser")


@pytest.hookimpl(tryfirst=True)  # before -m selects on the markers
def pytest_collection_modifyitems(config, items) -> None:
    tests = Path(__file__).resolve().parent
    for item in items:
        parts = Path(item.path).resolve().relative_to(tests).parts
        if parts[0] in _INTEGRATION_FOLDERS:
            item.add_marker(pytest.mark.integration)
    items.sort(key=lambda item: _folder_rank(Path(item.path).resolve().relative_to(tests).parts[0]))


def _folder_rank(folder: str) -> int:
    """Where a test folder runs (stable sort: a module's tests keep their order and stay together)."""
    return _FOLDER_ORDER.index(folder) if folder in _FOLDER_ORDER else len(_FOLDER_ORDER)


@pytest.fixture(scope="session")
def baseline():
    scenario, _ = load_scenario(BASELINE)
    return scenario


@pytest.fixture(scope="session")
def baseline_logs(baseline):
    """Two replications of 4 days (after the 3-day warm-up)."""
    return [run_replication(baseline, 4, r, 7) for r in range(2)]

"""Fixtures of the fault-injection suite: complete runs to copy and damage."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from faultkit import BASELINE, cli


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> Path:
    """A complete run (1 day, 2 replications, events kept) to copy and damage."""
    out = tmp_path_factory.mktemp("faults") / "run"
    result, lines = cli("run", BASELINE, "--days", "1", "-r", "2", "--seed", "3", "--out", out, "-q")
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def multi_run(tmp_path_factory) -> Path:
    """A two-scenario run."""
    d = tmp_path_factory.mktemp("faults_multi")
    other = d / "other.yaml"
    other.write_text(f"extends: {BASELINE}\nname: other\n")
    out = d / "multi"
    result, _ = cli("run", BASELINE, other, "--days", "1", "-r", "2", "--seed", "3", "--out", out, "-q")
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def run_copy(small_run, tmp_path) -> Path:
    dst = tmp_path / "run"
    shutil.copytree(small_run, dst)
    return dst

"""The map replay's frames are ``gatesim state`` at each instant of the grid: the same rows,
the same counts, at frame instants and at instants that fall on events."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gatesim.projections.frames import YARD_PLACE, frame_grid, frames_at, grid_step_min
from gatesim.projections.state import state_at
from gatesim.run import run_replication
from gatesim.scenario.load import load_scenario

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline_2026.yaml"

pytestmark = pytest.mark.integration  # one simulated day of four gates (~10 s)


@pytest.fixture(scope="module")
def log():
    scenario, _ = load_scenario(BASELINE, ())
    return run_replication(scenario, 1, 0, 7)


def _table(frames, k: int) -> pd.DataFrame:
    rows = []
    for g in frames.gates:
        for p, place in enumerate(g.places):
            rows.append((g.gate, place, int(g.waiting[p, k]), int(g.in_service[p, k])))
    return pd.DataFrame(rows, columns=["gate", "place", "waiting", "in_service"])


def test_grid_step_and_instants():
    assert grid_step_min(24 * 7) == 10
    assert grid_step_min(24 * 365) >= 90  # a year: at most ~6,000 frames
    at = frame_grid(24.0, 10)
    assert at.size == 145 and at[0] == 0 and at[-1] == 24.0
    assert at[1] == (600) / 3600  # as gatesim state computes "00:10": seconds / 3600


def test_frames_equal_state_at_every_instant(log):
    horizon = float(log.meta["horizon_h"])
    grid = frame_grid(horizon, grid_step_min(horizon))
    # the grid's instants and instants exactly on events (ties resolved as state_at resolves them)
    events = np.unique(log.t_h)[:: max(1, log.t_h.size // 150)]
    at = np.unique(np.concatenate([grid, events]))
    frames = frames_at(log, at)
    assert any(YARD_PLACE in g.places for g in frames.gates)
    busy = 0
    for k in range(0, at.size, 3):
        expected = state_at(log, float(at[k]))
        got = _table(frames, k)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
        busy += int(expected["waiting"].sum() > 0)
    assert busy > 10  # the comparison saw queues, not only an empty corridor


def test_frames_refuse_unsorted_instants(log):
    with pytest.raises(ValueError):
        frames_at(log, np.array([2.0, 1.0]))

"""`lane_use` on a road stage: shared lanes, or split evenly by direction (a structural prior)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatesim.errors import InputError
from gatesim.scenario.load import load_scenario

BASE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline_2026.yaml"
ROAD = "gates.tan_thanh.stages.road"


def road(*overrides: str):
    sc, _ = load_scenario(BASE, list(overrides))
    return sc.gates["tan_thanh"].stages["road"]


def test_shared_is_the_baseline():
    r = road()
    assert (r.lane_use, r.lanes, r.lanes_by_direction, r.servers) == ("shared", 4, None, 4)


@pytest.mark.parametrize(("lanes", "export", "import_"), [(4, 2, 2), (8, 4, 4), (5, 3, 2), (2, 1, 1)])
def test_by_direction_splits_evenly_exports_get_the_odd_lane(lanes, export, import_):
    r = road(f"{ROAD}.lane_use=by_direction", f"{ROAD}.lanes={lanes}")
    assert r.lanes_by_direction == {"export": export, "import": import_}
    assert r.servers == lanes


def test_explicit_lanes_per_direction_win_over_an_inherited_shared():
    r = road(f"{ROAD}.lanes=null", f'{ROAD}.lanes_by_direction={{"export": 1, "import": 3}}')
    assert (r.lane_use, r.lanes_by_direction) == ("by_direction", {"export": 1, "import": 3})


def test_one_lane_cannot_be_split():
    with pytest.raises(InputError, match="lane_use"):
        road(f"{ROAD}.lane_use=by_direction", f"{ROAD}.lanes=1")


def test_an_unknown_lane_use_is_refused():
    with pytest.raises(InputError, match="lane_use"):
        road(f"{ROAD}.lane_use=alternate")

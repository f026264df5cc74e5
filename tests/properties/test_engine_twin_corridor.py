"""The reference twin against the fast engine on corridor scenarios, truck by truck.

The corridor is written twice: the fast engine's ``CorridorSource``
(``gatesim/model/corridor/source.py``) and the twin's ``CorridorTwin``
(``gatesim/model/reference_corridor.py``, ``reference_holding.py``: a SimPy process per
corridor truck, meters and staging yards on the twin's resources). They share only the
corridor's rules and draws (demand, columns, choice, slots, the published-wait formula,
stops; ``tests/unit/test_twin_corridor_independent.py``), and each reads its own
engine's gates (the twin's live state from its plain SimPy resources,
``gatesim/model/reference_live.py``). So every decision (gate choice on published
waits, metering and staging, booking, cargo stops, a new choice after reneging) and
its timing must come out the same from two implementations: every truck's corridor
and stage events at the same instants (1e-9 h) and the same summary and corridor
KPIs (relative 1e-9).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatesim.events.kinds import Kind
from gatesim.projections.corridor_kpis import corridor_kpis
from gatesim.scenario.load import load_scenario, validate
from tests.helpers.tiny import base_data, flat_arrivals
from tests.helpers.twin_compare import assert_same, both_logs

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SHORT = ["calendar.warmup_days=1", "calendar.drain_days=1"]
# tight enough to hold trucks within two days
METER = "corridor.metering={tan_thanh: {yard_max_trucks: 10}, huu_nghi: {yard_max_trucks: 10}}"


def _assert_corridor_same(fast, twin) -> None:
    assert_same(fast, twin)
    a, b = corridor_kpis(fast), corridor_kpis(twin)
    assert list(a.columns) == list(b.columns)
    for col in a.columns:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        if x.dtype.kind in "fiu":
            assert np.allclose(x.astype(float), y.astype(float), rtol=1e-9, atol=0.0, equal_nan=True), col
        else:
            assert (x == y).all(), col


@pytest.mark.parametrize(
    ("name", "overrides", "days", "kinds"),
    [
        ("corridor_booking.yaml", [METER], 2, [Kind.BOOKED, Kind.HELD, Kind.DEPARTED]),
        ("corridor_feb_2022_fruit_stop.yaml", [], 3, [Kind.HELD]),  # the stop outlasts the run
        ("corridor_fruit_peak_metering.yaml", [], 2, [Kind.HELD, Kind.RELEASED, Kind.BLOCKED]),
        ("corridor_staging_yards.yaml", [], 2, [Kind.STAGED, Kind.CALLED, Kind.STAGING_FULL]),
    ],
)
def test_shipped_corridor_scenarios(name, overrides, days, kinds):
    sc, _ = load_scenario(ROOT / "scenarios" / name, [*SHORT, *overrides])
    fast, twin = both_logs(sc, days, seed=3)
    for kind in kinds:  # the mechanism is in play
        assert (fast.kind == kind).any(), kind
    _assert_corridor_same(fast, twin)


# ---- small corridors: every mechanism at once, drawn by Hypothesis ------------------------

START = "2026-03-02"


def _gates(draw, rules: bool = True) -> dict[str, Any]:
    """Gate ``a``: a yard between declaration and a Chinese acceptance (FIFO with a quota, or
    booked trucks first with patience unless ``rules`` is False); gate ``b``: one stage with
    working hours."""
    accept: dict[str, Any] = {
        "role": "acceptance",
        "servers": draw(st.integers(1, 2)),
        "hours": {"tz": "china", "open_h": draw(st.sampled_from([0, 7])), "close_h": 21},
        "service": {"dist": "exponential", "cv": 1.0, "steps_min": {"s": draw(st.sampled_from([8.0, 15.0]))}},
    }
    if rules and draw(st.booleans()):
        accept |= {
            "discipline": "priority",
            "priority_by": "booked",
            "priority_order": ["booked", "walk_in"],
            "patience_h": {"dist": "exponential", "mean_h": draw(st.sampled_from([0.5, 2.0]))},
        }
    elif draw(st.booleans()):
        accept["daily_capacity"] = draw(st.integers(20, 80))
    arrivals = flat_arrivals(100.0)
    arrivals["channel_shares"] = {"green": 0.6, "yellow": 0.3, "red": 0.1}
    arrivals["transshipment_share"] = 0.2
    decl = {"role": "declaration", "servers": 2, "service": {"dist": "lognormal", "steps_min": {"s": 6.0}}}
    return {
        "a": {
            "name": "a",
            "arrivals": arrivals,
            "yard": {"capacity_trucks": draw(st.integers(3, 15))},
            "stages": {"decl": decl, "accept": accept},
            "routes": {
                "export": {"stages": ["decl", "accept"], "yard_from": "decl", "yard_until": "accept"},
                "import": {"stages": ["accept"]},
            },
        },
        "b": {
            "name": "b",
            "arrivals": copy.deepcopy(arrivals),
            "stages": {
                "lane": {
                    "role": "other",
                    "servers": 1,
                    "hours": {"tz": "hanoi", "open_h": 7, "close_h": 19},
                    "service": {"dist": "deterministic", "cv": 0.0, "steps_min": {"s": 12.0}},
                }
            },
            "routes": {"export": {"stages": ["lane"]}, "import": {"stages": ["lane"]}},
        },
    }


def _origin(per_day: float, export_share: float, travel_min: dict[str, int]) -> dict[str, Any]:
    return {
        "per_day": per_day,
        "export_share": export_share,
        "cargo_mix": {
            "export": {"fruit": 0.5, "electronics": 0.2, "other": 0.3},
            "import": {"fruit": 0.2, "electronics": 0.3, "other": 0.5},
        },
        "travel_min": travel_min,
    }


@st.composite
def corridors(draw, rules: bool = True) -> dict[str, Any]:
    """A small corridor with every mechanism; ``rules=False``: its gates FIFO throughout
    (what the compiled kernel runs)."""
    data = base_data("twin_corridor")
    data["calendar"] = {"start_date": START, "warmup_days": 1, "drain_days": 1}
    data["gates"] = _gates(draw, rules)
    choice: dict[str, Any] = {
        "scale_h": draw(st.sampled_from([0.25, 1.0, 4.0])),
        "value_of_time_vnd_per_h": 50000,
        "captive": {"a": draw(st.sampled_from([0.0, 0.3]))},
        "publish_every_h": draw(st.sampled_from([0.25, 0.5])),
        "info_delay_h": draw(st.sampled_from([0.0, 0.5])),
        "rechoose_after_reneging": draw(st.booleans()),
    }
    corridor: dict[str, Any] = {
        "origins": {
            "near": _origin(
                draw(st.sampled_from([200.0, 400.0])), 0.7, {"a": draw(st.sampled_from([15, 20])), "b": 45}
            ),
            "far": _origin(150.0, 0.2, {"a": 90}),
        },
        "choice": choice,
    }
    if draw(st.booleans()):
        meter: dict[str, Any] = {
            "approach_max_trucks": draw(st.integers(1, 6)),
            "yard_max_trucks": 12,
            # a look on the quarter hour ties with arrivals after a 15 min drive
            "check_every_h": draw(st.sampled_from([0.05, 0.25])),
        }
        if draw(st.booleans()):  # platform dispatch: small staging yards, a lead on the same grid
            meter["staging"] = {
                "yards": [
                    {"name": "north", "capacity_trucks": draw(st.integers(1, 8))},
                    {"name": "south", "capacity_trucks": 4},
                ],
                "call_forward_lead_h": draw(st.sampled_from([0.0, 0.25, 0.5])),
            }
        corridor["metering"] = {"a": meter}
    if draw(st.booleans()):
        corridor["booking"] = {
            "a": {"slots_per_h": draw(st.integers(2, 8)), "share_booking": 0.5, "lead_h": 1, "no_show": 0.1},
            "b": {"slots_per_h": 3, "share_booking": 0.3, "from_h": 8, "to_h": 17},
        }
    if draw(st.booleans()):
        corridor["stops"] = [
            {"gate": "a", "cargo": "fruit", "start": f"{START}T06:00", "end": f"{START}T15:00"}
        ]
    data["corridor"] = corridor
    return data


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=corridors(), seed=st.integers(0, 2**16))
def test_twin_equals_fast_engine_on_small_corridors(data, seed):
    scenario = validate(data)
    fast, twin = both_logs(scenario, 1, seed=seed)
    assert (fast.kind == Kind.DEPARTED).sum() > 100
    _assert_corridor_same(fast, twin)

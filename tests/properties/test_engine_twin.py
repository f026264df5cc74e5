"""The reference twin (plain SimPy) against the fast engine, truck by truck.

Both engines draw the same trucks (same named streams), so on any scenario
every truck must start and end every stage at the same instant in both (to
1e-9 h: the engines add the same floats in different orders, an ulp apart),
and ``summary.csv`` must agree to a relative 1e-9.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gatesim.events.kinds import Kind
from gatesim.scenario.load import validate
from tests.helpers.tiny import base_data, flat_arrivals
from tests.helpers.twin_compare import assert_same, both_logs, short_data, with_green_lane_and_reneging

# Hypothesis over many scenarios and the CLI's --engine: minutes on 2 cores, so the slow tier
# (.ci/run runs it after the default tests). The cases the default tier must check (baseline,
# Cobham, Erlang-A) are in test_engine_twin_cases.py.
pytestmark = [pytest.mark.integration, pytest.mark.slow]

_BASE: dict[str, Any] = base_data("twin", transshipment_vnd=7)


START = "2026-03-02"  # a Monday; warm-up days start before it


def test_baseline_with_green_lane_and_reneging(baseline):
    """The benchmark's case: priority by cargo and reneging at each Chinese acceptance."""
    scenario = with_green_lane_and_reneging(validate(short_data(baseline)), patience_mean_h=2.0)
    fast, twin = both_logs(scenario, 2, seed=5)
    assert (fast.kind == Kind.RENEGED).sum() > 10  # the rules are in play
    assert_same(fast, twin)


def test_every_rule_in_play():
    """A fixed small scenario where every rule acts: the log has each new kind, and the engines agree."""
    data = copy.deepcopy(_BASE)
    data["calendar"] = {"start_date": START, "warmup_days": 1, "drain_days": 0}
    stage = {
        "role": "acceptance",
        "servers": 2,
        "hours": {"tz": "china", "open_h": 7, "close_h": 21},
        "service": {"dist": "exponential", "cv": 1.0, "steps_min": {"s": 9.0}},
        "discipline": "priority",
        "priority_by": "cargo",
        "priority_order": ["fruit", "electronics", "other"],
        "patience_h": {"by": "cargo", "classes": {"other": {"dist": "exponential", "mean_h": 1.0}}},
        "server_schedule": [
            {"from_h": 12, "to_h": 14, "servers": 1},
            {"start": START, "end": START, "servers": 3},
        ],
        "surge": {"queue_at_least": 15, "extra_servers": 2, "delay_h": 0.5, "until_queue_below": 5},
        "outages": [{"start": f"{START}T10:00", "end": f"{START}T12:00"}],
        "random_outages": {"rate_per_day": 2.0, "duration_h": {"dist": "exponential", "mean_h": 0.5}},
    }
    arrivals = flat_arrivals(300.0)
    arrivals["cargo_mix"]["export"] = {"fruit": 0.3, "electronics": 0.3, "other": 0.4}
    data["gates"] = {
        "g": {
            "name": "g",
            "arrivals": arrivals,
            "yard": {"capacity_trucks": 20},
            "stages": {
                "decl": {
                    "role": "declaration",
                    "servers": 3,
                    "service": {"dist": "lognormal", "steps_min": {"s": 10}},
                },
                "accept": stage,
            },
            "routes": {"export": {"stages": ["decl", "accept"], "yard_from": "decl", "yard_until": "accept"}},
        }
    }
    fast, twin = both_logs(validate(data), 2, seed=11)
    for kind in (Kind.RENEGED, Kind.SERVERS, Kind.OUTAGE_START, Kind.OUTAGE_END, Kind.BLOCKED):
        assert (fast.kind == kind).sum() > 0, kind.name
    assert len(set(fast.servers.tolist())) >= 4  # schedule and surge changed the count
    assert_same(fast, twin)
    assert (fast.servers == twin.servers).all()


# ---- random small scenarios -------------------------------------------------

_hours = st.one_of(
    st.just({"tz": "hanoi", "open_h": 0, "close_h": 24}),
    st.builds(
        lambda tz, o, length: {"tz": tz, "open_h": o, "close_h": min(24, o + length)},
        st.sampled_from(["hanoi", "china"]),
        st.integers(0, 16),
        st.integers(2, 12),
    ),
)
_ATTRS = {
    "cargo": ["fruit", "electronics", "other"],
    "channel": ["green", "yellow", "red"],
    "direction": ["export", "import"],
}
_patience_one = st.builds(
    lambda dist, mean: {"dist": dist, "mean_h": mean},
    st.sampled_from(["exponential", "fixed", "lognormal"]),
    st.sampled_from([0.25, 1.0, 4.0]),
)


@st.composite
def _rules(draw, has_servers: bool, state_dependent: bool = True) -> dict[str, Any]:
    """Queue rules for a stage (each with some probability; none: FIFO, today's path);
    ``state_dependent=False``: only a server schedule and outages (the timed booking path)."""
    rules: dict[str, Any] = {}
    if state_dependent and draw(st.booleans()):
        by = draw(st.sampled_from(sorted(_ATTRS)))
        rules.update(discipline="priority", priority_by=by, priority_order=draw(st.permutations(_ATTRS[by])))
    choice = draw(st.sampled_from(["none", "none", "one", "by_class"])) if state_dependent else "none"
    if choice == "one":
        rules["patience_h"] = draw(_patience_one)
    elif choice == "by_class":
        by = draw(st.sampled_from(sorted(_ATTRS)))
        classes = draw(st.lists(st.sampled_from(_ATTRS[by]), min_size=1, max_size=2, unique=True))
        rules["patience_h"] = {"by": by, "classes": {c: draw(_patience_one) for c in classes}}
    if has_servers and draw(st.booleans()):
        schedule = []
        if draw(st.booleans()):
            a = draw(st.integers(0, 20))
            schedule.append(
                {
                    "from_h": a,
                    "to_h": draw(st.integers(a + 1, 24)),
                    "servers": draw(st.integers(0, 3)),
                }
            )
        if draw(st.booleans()):
            schedule.append({"start": START, "end": "2026-03-03", "servers": draw(st.integers(1, 4))})
        if draw(st.booleans()):
            a = draw(st.integers(0, 20))
            schedule.append(
                {
                    "start": "2026-03-03",
                    "end": "2026-03-04",
                    "from_h": a,
                    "to_h": a + 3,
                    "servers": draw(st.integers(0, 4)),
                }
            )
        rules["server_schedule"] = schedule
    if state_dependent and has_servers and draw(st.booleans()):
        below = draw(st.integers(1, 5))
        rules["surge"] = {
            "queue_at_least": below + draw(st.integers(0, 5)),
            "extra_servers": draw(st.integers(1, 3)),
            "delay_h": draw(st.sampled_from([0.0, 0.5, 2.0])),
            "until_queue_below": below,
        }
    if draw(st.booleans()):
        h = draw(st.integers(0, 40))
        day, hour = divmod(h, 24)
        rules["outages"] = [
            {
                "start": f"2026-03-0{2 + day}T{hour:02d}:00",
                "end": f"2026-03-0{2 + day}T{hour:02d}:{draw(st.sampled_from([30, 59]))}",
            }
        ]
    if draw(st.booleans()):
        rules["random_outages"] = {
            "rate_per_day": draw(st.sampled_from([0.5, 3.0])),
            "duration_h": draw(_patience_one),
        }
    return rules


@st.composite
def _service_stage(draw, role: str, with_rules: bool, timed: bool = False) -> dict[str, Any]:
    dist = draw(st.sampled_from(["exponential", "lognormal", "deterministic"]))
    servers = draw(st.one_of(st.none(), st.integers(1, 3)))
    stage: dict[str, Any] = {
        "role": role,
        "servers": servers,
        "hours": draw(_hours),
        "service": {
            "dist": dist,
            "cv": 0.0 if dist == "deterministic" else draw(st.sampled_from([0.3, 1.0])),
            "steps_min": {"s": draw(st.sampled_from([3.0, 10.0, 25.0]))},
            "transshipment_steps_min": {"t": draw(st.sampled_from([0.0, 5.0]))},
            "by_channel_min": {"green": 0.0, "yellow": 2.0, "red": draw(st.sampled_from([0.0, 30.0]))},
        },
        "travel_min": draw(st.sampled_from([0.0, 0.0, 15.0])),
    }
    if draw(st.booleans()):
        stage["daily_capacity"] = draw(st.integers(5, 60))
    if with_rules or timed:
        stage.update(draw(_rules(servers is not None, state_dependent=with_rules)))
    return stage


@st.composite
def small_scenarios(draw, with_rules: bool = True, timed: bool = False):
    """One or two gates; both directions; a road, a yard, hours, daily quotas, routing rules
    (a class passes a stage by at some hours), and the queue rules (``with_rules``), or only
    server schedules and outages (``timed``: what the kernel books)."""
    data = copy.deepcopy(_BASE)
    data["calendar"] = {
        "start_date": START,
        "warmup_days": draw(st.integers(0, 1)),
        "drain_days": draw(st.integers(0, 1)),
    }
    gates = {}
    for g in range(draw(st.integers(1, 2))):
        road: dict[str, Any] = {
            "kind": "road",
            "per_lane_vehicles_per_h": draw(st.sampled_from([4.0, 12.0, 40.0])),
            "hours": draw(_hours),
            "travel_min": draw(st.sampled_from([0.0, 10.0])),
        }
        ruled = (with_rules or timed) and draw(st.booleans())
        road_rules = draw(_rules(True, state_dependent=with_rules)) if ruled else {}
        if not road_rules and draw(st.booleans()):
            road["lanes_by_direction"] = {
                "export": draw(st.integers(1, 2)),
                "import": draw(st.integers(1, 2)),
            }
        else:
            road["lanes"] = draw(st.integers(1, 3))
            road.update(road_rules)
        stages = {
            "decl": draw(_service_stage("declaration", with_rules, timed)),
            "road": road,
            "accept": draw(_service_stage("acceptance", with_rules, timed)),
            "release": draw(_service_stage("release", with_rules, timed)),
        }
        export = {"stages": ["decl", "road", "accept"]}
        imports = {"stages": ["release", "road", "decl"]}
        gate: dict[str, Any] = {
            "name": f"gate {g}",
            "arrivals": {
                "per_day": draw(st.sampled_from([40.0, 150.0, 400.0])),
                "export_share": draw(st.sampled_from([0.3, 0.7])),
                "cargo_mix": {
                    "export": {"fruit": 0.5, "electronics": 0.3, "other": 0.2},
                    "import": {"fruit": 0.2, "electronics": 0.4, "other": 0.4},
                },
                "channel_shares": {"green": 0.6, "yellow": 0.3, "red": 0.1},
                "transshipment_share": 0.5,
                "hourly_profile": [1.0] * 6 + [3.0] * 12 + [1.0] * 6,
                "weekday_profile": [1.0] * 7,
            },
            "stages": stages,
            "routes": {"export": export, "import": imports},
        }
        if with_rules and draw(st.booleans()):  # imports arrive later in the day than exports
            gate["arrivals"]["hourly_profile_by_direction"] = {
                "export": [1.0] * 6 + [3.0] * 12 + [1.0] * 6,
                "import": [0.5] * 12 + [4.0] * 6 + [0.5] * 6,
            }
        if draw(st.booleans()):
            gate["yard"] = {"capacity_trucks": draw(st.integers(1, 30))}
            export["yard_from"], export["yard_until"] = draw(
                st.sampled_from([("decl", "accept"), ("decl", "road"), ("road", "accept")])
            )
            if draw(st.booleans()):
                gate["yard"]["used_by"] = ["export", "import"]
                imports["yard_from"], imports["yard_until"] = draw(
                    st.sampled_from([("release", "decl"), ("road", "decl"), ("release", "road")])
                )
        for route in (export, imports):  # a routing rule: a class passes a stage by at some hours
            free = [s for s in route["stages"] if s not in (route.get("yard_from"), route.get("yard_until"))]
            if free and draw(st.booleans()):
                by = draw(st.sampled_from(["cargo", "channel"]))
                start_h = draw(st.sampled_from([0.0, 6.5, 12.0, 18.0]))
                route["skip"] = [
                    {
                        "stage": draw(st.sampled_from(free)),
                        "by": by,
                        "classes": draw(
                            st.lists(st.sampled_from(_ATTRS[by]), min_size=1, max_size=2, unique=True)
                        ),
                        "from_h": start_h,
                        "to_h": draw(st.sampled_from([start_h + 3.0, 24.0])),
                    }
                ]
        gates[f"g{g}"] = gate
    data["gates"] = gates
    return validate(data)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=small_scenarios(), seed=st.integers(0, 2**32 - 1))
def test_random_scenarios_twin_matches_fast_engine(scenario, seed):
    fast, twin = both_logs(scenario, 2, seed=seed)
    assert_same(fast, twin)


# Eight times the search above: the nightly tier (`pytest -m nightly`), not run by .ci/run.
@pytest.mark.nightly
@pytest.mark.timeout(3600)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=small_scenarios(), seed=st.integers(0, 2**32 - 1))
def test_random_scenarios_twin_matches_fast_engine_many(scenario, seed):
    fast, twin = both_logs(scenario, 3, seed=seed)
    assert_same(fast, twin)


def test_cli_engine_reference_writes_the_same_outputs(tmp_path):
    """``gatesim run --engine reference``: the same summary, CI and hourly tables, byte for byte."""
    import json

    from click.testing import CliRunner

    from gatesim.cli import main

    root = Path(__file__).resolve().parents[2]
    common = ["run", str(root / "scenarios" / "baseline_2026.yaml"), "--days", "1", "-r", "1", "-q"]
    common += ["--set", "calendar.warmup_days=1", "--set", "calendar.drain_days=1", "--no-events"]
    for engine in ("fast", "reference"):
        res = CliRunner().invoke(main, [*common, "--engine", engine, "--out", str(tmp_path / engine)])
        assert res.exit_code == 0, res.output
    for name in ("summary.csv", "summary_ci.csv", "timeseries.csv"):
        assert (tmp_path / "fast" / name).read_bytes() == (tmp_path / "reference" / name).read_bytes(), name
    manifest = json.loads((tmp_path / "reference" / "manifest.json").read_text())
    assert manifest["engine"] == "reference"
    res = CliRunner().invoke(main, [*common, "--engine", "slow", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and not (tmp_path / "x").exists()

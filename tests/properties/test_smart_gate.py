"""The automated lane and the route buffer on the log: capacity, Little's law, the buffer's
bound, conservation, the twin, and which engine runs them.

Small one-gate scenarios built in code (tests/helpers/tiny.py): with deterministic lane
times a saturated lane's output is known to the cycle, and a stable one is a queue whose
time-average content must equal its arrival rate times its mean time inside.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gatesim.errors import InputError
from gatesim.events.kinds import NO_TRUCK, Kind
from gatesim.events.log import LogData
from gatesim.model.engines import engine_refusal, resolve_engine
from gatesim.projections import registry
from gatesim.projections.smart_gate import SMART_GATE_COLUMNS, smart_gate_kpis
from gatesim.projections.tables import tables
from gatesim.scenario.load import validate
from gatesim.scenario.schema import Scenario
from gatesim.scenario.smart import LANE_STAGE
from tests.helpers.tiny import GATE, one_gate_data, service_stage
from tests.helpers.twin_compare import assert_same, both_logs, run_engine
from tests.properties.test_engine_twin import small_scenarios

CHINA_DAY = {"tz": "china", "open_h": 8, "close_h": 20}


def _closed_day() -> list[dict]:
    """A regime closing the gate on 2 Jan 2026 (the lane closes with it)."""
    return [
        {
            "name": "closed_day",
            "kind": "closed",
            "start": "2026-01-02",
            "end": "2026-01-02",
            "gates": [GATE],
            "arrival_multiplier": 1.0,
        }
    ]


def _lane(**kw: Any) -> dict[str, Any]:
    lane = {
        "replaces": ["road", "accept"],
        "fleet_agvs": 4,
        "cycle_min": 37,
        "load_min": 5,
        "unload_min": 6,
        "travel_out_min": 12,
        "charge_min": 5,
        "downtime_share": 0.1,
        "hours": {"open_h": 6, "close_h": 18},
        "cargo": ["fruit"],
    }
    lane.update(kw)
    return lane


def _gate_data(per_day: float, lane: dict | None = None, **kw: Any) -> dict[str, Any]:
    """Exports: declaration -> road -> acceptance, a yard from declaration to acceptance."""
    stages = {
        "decl": service_stage(6, 6.0, "lognormal", role="declaration"),
        "road": service_stage(2, 3.0, "deterministic"),
        "accept": service_stage(1, 4.0, "exponential", hours=CHINA_DAY, role="acceptance"),
    }
    data = one_gate_data(
        stages, per_day, yard_trucks=kw.pop("yard_trucks", 400), yard_span=("decl", "accept"), **kw
    )
    if lane is not None:
        data["gates"][GATE]["agv_lane"] = lane
    return data


def _log(data: dict[str, Any], days: int, engine: str = "fast", seed: int = 3) -> LogData:
    return run_engine(engine, validate(data), days, 0, seed)


def _lane_rows(log: LogData, kind: Kind) -> np.ndarray:
    return np.flatnonzero((log.kind == kind) & (log.stage == log.meta["stages"].index(LANE_STAGE)))


# ---- the lane ---------------------------------------------------------------------


def test_saturated_lane_carries_fleet_times_hours_over_cycle():
    """A lane always with containers waiting carries fleet x open hours / hold per day
    (the fluid capacity), give or take the last cycle each vehicle starts before closing."""
    lane = _lane()
    data = _gate_data(600.0, lane, warmup_days=1)
    log = _log(data, 4)
    row = smart_gate_kpis(log).iloc[0]
    scenario = validate(data)
    hold_h = scenario.gates[GATE].agv_lane.hold_h
    assert hold_h == pytest.approx((37 + 5) / 0.9 / 60)
    fluid = 4 * 12 / hold_h  # fleet x hours / hold, per day
    per_day = row["agv_containers_per_day"]
    assert fluid <= per_day <= fluid + 4  # at most one more cycle per vehicle
    assert per_day == 4 * math.ceil(12 / hold_h)  # deterministic: each vehicle's cycles in the hours
    assert abs(per_day / fluid - 1) < 0.05
    assert row["agv_utilisation"] == pytest.approx(1.0)  # saturated: every open hour busy
    assert row["agv_containers_per_open_h"] == pytest.approx(per_day / 12)


def test_lane_obeys_littles_law_and_its_hours():
    """Stable lane open all day: time-average containers in the lane = arrival rate x mean
    time in it (queue + loading, travel out, unloading), over a long window."""
    data = _gate_data(100.0, _lane(hours={"open_h": 0, "close_h": 24}), warmup_days=1)
    data["calendar"]["drain_days"] = 2
    log = _log(data, 20)
    w0, w1 = log.meta["window_start_h"], log.meta["window_end_h"]
    q, e = _lane_rows(log, Kind.QUEUED), _lane_rows(log, Kind.ENDED)
    t_q = dict(zip(log.truck[q].tolist(), log.t_h[q].tolist()))
    t_e = dict(zip(log.truck[e].tolist(), log.t_h[e].tolist()))
    # the area under the count in the lane over the window, and the trucks that entered in it
    area = sum(max(0.0, min(t_e.get(k, w1), w1) - max(t, w0)) for k, t in t_q.items())
    entered = [k for k, t in t_q.items() if w0 <= t < w1]
    assert all(k in t_e for k in entered)  # a stable lane: every container crosses (drain)
    lam = len(entered) / (w1 - w0)
    w_mean = float(np.mean([t_e[k] - t_q[k] for k in entered]))
    in_lane = area / (w1 - w0)
    assert in_lane == pytest.approx(lam * w_mean, rel=0.02)  # Little: L = lambda W
    crossing_h = validate(data).gates[GATE].agv_lane.crossing_h
    assert w_mean > crossing_h  # some wait for a vehicle (4 vehicles, ~73% busy)
    # each vehicle's hold is exact: loading to return = hold_h, returns logged per vehicle
    s, r = _lane_rows(log, Kind.STARTED), _lane_rows(log, Kind.AGV_RETURNED)
    assert (log.truck[r] == NO_TRUCK).all()
    busy = np.cumsum(np.r_[np.ones(s.size), -np.ones(r.size)][np.argsort(np.r_[s, r], kind="stable")])
    assert busy.max() <= 4 and busy.min() >= 0  # never more vehicles out than the fleet


def test_a_round_the_clock_lane_with_a_closed_day_has_its_open_hours():
    """Open 0-24 with a closed day: the lane closes and reopens at each midnight in one instant;
    its open hours are the window less the closed day, and its utilisation is measured."""
    data = _gate_data(300.0, _lane(hours={"open_h": 0, "close_h": 24}))
    data["calendar"]["regimes"] = _closed_day()
    row = smart_gate_kpis(_log(data, 3)).iloc[0]
    assert row["agv_containers_per_open_h"] == pytest.approx(row["agv_containers"] / 48)
    assert 0.9 < row["agv_utilisation"] <= 1.0  # 300 a day, ~100 fruit ones > what 4 vehicles carry


def test_lane_cycles_start_only_in_its_hours():
    log = _log(_gate_data(300.0, _lane(hours={"open_h": 18.5, "close_h": 20})), 3)
    t = log.t_h[_lane_rows(log, Kind.STARTED)] % 24.0
    assert t.size and ((t >= 18.5 - 1e-9) & (t < 20)).all()


def test_conservation_with_the_lane():
    """Every truck of the window crossed by the lane or the road, gave up, or is still inside:
    arrivals = crossings by either route + left in system + reneged; lane trucks skip the
    replaced stages, others never touch the lane."""
    data = _gate_data(250.0, _lane(booked_share=0.5), warmup_days=1)
    arrivals = data["gates"][GATE]["arrivals"]
    arrivals["cargo_mix"]["export"] = {"fruit": 0.6, "electronics": 0.3, "other": 0.1}
    data["gates"][GATE]["stages"]["accept"]["patience_h"] = {"dist": "exponential", "mean_h": 3.0}
    log = _log(data, 4)
    summary, _ = tables(log)
    row = summary.iloc[0]
    w0, w1 = log.meta["window_start_h"], log.meta["window_end_h"]

    def trucks_of(kind: Kind, stage: int | None = None, before: float = math.inf) -> set[int]:
        m = (log.kind == kind) & (log.t_h < before)
        if stage is not None:
            m &= log.stage == stage
        return set(log.truck[m].tolist())

    arr = log.kind == Kind.ARRIVED
    cohort = set(log.truck[arr & (log.t_h >= w0) & (log.t_h < w1)].tolist())
    crossed = trucks_of(Kind.CROSSED, before=w1) & cohort
    lane_code = log.meta["stages"].index(LANE_STAGE)
    by_lane = crossed & trucks_of(Kind.STARTED, lane_code)
    by_road = crossed - trucks_of(Kind.QUEUED, lane_code)
    reneged = trucks_of(Kind.RENEGED, before=w1) & cohort
    assert by_lane and by_road and reneged  # all three ways out are in play
    assert len(cohort) == row["arrivals"]
    assert len(by_lane) + len(by_road) == row["departures"]
    assert row["arrivals"] == len(by_lane) + len(by_road) + row["left_in_system"] + row["reneged"]
    # the lane's trucks never queue at a replaced stage; the others never at the lane
    replaced = [log.meta["stages"].index(s) for s in ("road", "accept")]
    lane_trucks = trucks_of(Kind.QUEUED, lane_code)
    for code in replaced:
        assert not (trucks_of(Kind.QUEUED, code) & lane_trucks)
    cargo = log.payload["cargo"]
    assert all(cargo[k] == 0 for k in lane_trucks)  # fruit only


# ---- the buffer -------------------------------------------------------------------


def _buffer_data(capacity: int, until_rules: dict | None = None) -> dict[str, Any]:
    """A fast Vietnamese handover feeding a slow Chinese acceptance through a small buffer."""
    stages = {
        "decl": service_stage(8, 5.0, "lognormal", role="declaration"),
        "handover": service_stage(10, 5.0, "lognormal", role="handover"),
        "accept": service_stage(1, 6.0, "exponential", hours=CHINA_DAY, role="acceptance"),
    }
    if until_rules:
        stages["accept"].update(until_rules)
    data = one_gate_data(stages, 150.0, yard_trucks=60, yard_span=("decl", "accept"), warmup_days=1)
    data["gates"][GATE]["routes"]["export"]["buffer"] = {
        "capacity_trucks": capacity,
        "from_stage": "handover",
        "until_stage": "accept",
    }
    return data


def test_buffer_never_exceeds_its_size_and_blocked_handovers_wait():
    log = _log(_buffer_data(5), 3)
    kinds = log.kind
    step = np.where(kinds == Kind.BUFFER_IN, 1, np.where(kinds == Kind.BUFFER_OUT, -1, 0))
    level = np.cumsum(step)
    assert level.max() == 5 and level.min() >= 0  # full at times, never over
    full = np.flatnonzero(kinds == Kind.BUFFER_FULL)
    assert full.size > 20  # handovers were held back
    handover = log.meta["stages"].index("handover")
    t_in = {int(log.truck[i]): float(log.t_h[i]) for i in np.flatnonzero(kinds == Kind.BUFFER_IN)}
    started = (kinds == Kind.STARTED) & (log.stage == handover)
    t_start = dict(zip(log.truck[started].tolist(), log.t_h[started].tolist()))
    queued = (kinds == Kind.QUEUED) & (log.stage == handover)
    t_queued = dict(zip(log.truck[queued].tolist(), log.t_h[queued].tolist()))
    for i in full:
        k, t = int(log.truck[i]), float(log.t_h[i])
        assert t == t_queued[k]  # logged as it queued at the handover
        if k in t_in:
            assert t_in[k] > t  # it waited for a place ...
            assert t_start[k] >= t_in[k]  # ... before its handover started
    # first come, first served: places go in the order the trucks found the buffer full
    order = [int(log.truck[i]) for i in full if int(log.truck[i]) in t_in]
    assert [t_in[k] for k in order] == sorted(t_in[k] for k in order)
    row = smart_gate_kpis(log).iloc[0]
    assert row["buffer_max_trucks"] == 5 and row["buffer_blocked"] > 0 and row["buffer_wait_mean_h"] > 0
    # the waits counted in the handover's queue (where the time goes)
    summary, _ = tables(log)
    assert summary.iloc[0]["wait_at_handover_h"] > 0.05


def test_buffer_holds_back_the_vietnamese_side():
    """A smaller buffer: no more trucks between handover and acceptance than its places, and no
    more accepted than without it (the Chinese side sets the pace)."""
    wide, narrow = _log(_buffer_data(1000), 3), _log(_buffer_data(3), 3)
    accept = wide.meta["stages"].index("accept")

    def accepted(log: LogData) -> int:
        return int(((log.kind == Kind.STARTED) & (log.stage == accept)).sum())

    assert accepted(narrow) <= accepted(wide)
    assert smart_gate_kpis(narrow).iloc[0]["buffer_max_trucks"] == 3
    assert smart_gate_kpis(wide).iloc[0]["buffer_max_trucks"] > 3


# ---- the twin and the engines -------------------------------------------------------


def _lane_and_buffer_cases() -> list[tuple[str, dict[str, Any], int]]:
    lane = _gate_data(300.0, _lane(hours={"open_h": 17, "close_h": 23}, booked_share=0.7), warmup_days=1)
    lane["gates"][GATE]["arrivals"]["cargo_mix"]["export"] = {"fruit": 0.7, "electronics": 0.3, "other": 0.0}
    # imports carried from the Chinese side, then Vietnamese declaration after unloading
    imports = copy.deepcopy(lane)
    g = imports["gates"][GATE]
    g["arrivals"]["export_share"] = 0.5
    g["stages"]["release"] = service_stage(2, 4.0, "exponential", hours=CHINA_DAY, role="release")
    g["routes"]["import"] = {"stages": ["release", "road", "decl"]}
    g["agv_lane"] = _lane(direction="import", replaces=["road"], hours={"open_h": 0, "close_h": 24})
    # a buffer whose far end has a dated schedule and patience (the general path)
    rules = {
        "server_schedule": [{"start": "2026-01-02", "end": "2026-01-02", "servers": 2}],
        "patience_h": {"dist": "exponential", "mean_h": 2.0},
    }
    # Chinese hours and a day the gate is closed (a regime): the lane closes too
    closed = copy.deepcopy(lane)
    closed["gates"][GATE]["agv_lane"]["hours"] = {"tz": "china", "open_h": 19, "close_h": 22}
    closed["calendar"]["regimes"] = _closed_day()
    return [
        ("lane", lane, 3),
        ("import_lane", imports, 3),
        ("buffer", _buffer_data(4, rules), 3),
        ("lane_china_hours_closed_day", closed, 3),
    ]


@pytest.mark.parametrize(
    ("name", "data", "days"), _lane_and_buffer_cases(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_twin_equals_the_simpy_engine(name, data, days):
    """Truck by truck (to 1e-9 h), the vehicles' returns and the summary."""
    fast, twin = both_logs(validate(data), days, seed=7)
    assert (fast.kind == Kind.STARTED).sum() > 100
    if name == "buffer":
        assert (fast.kind == Kind.BUFFER_FULL).sum() > 0 and (fast.kind == Kind.RENEGED).sum() > 0
    else:
        assert _lane_rows(fast, Kind.AGV_RETURNED).size > 20
    assert_same(fast, twin)
    assert smart_gate_kpis(fast).equals(smart_gate_kpis(twin))


def test_auto_runs_them_on_simpy_and_the_kernel_refuses():
    for data in (_gate_data(100.0, _lane()), _buffer_data(5)):
        scenario: Scenario = validate(data)
        assert resolve_engine(scenario, "auto") == "fast"
        reason = engine_refusal(scenario, "kernel")
        assert reason is not None and "automated lane or a route buffer" in reason
    assert resolve_engine(validate(_gate_data(100.0)), "auto") == "kernel"


def test_columns_only_with_a_lane_or_buffer():
    plain, _ = tables(_log(_gate_data(50.0), 1))
    assert not set(SMART_GATE_COLUMNS) & set(plain.columns)
    assert len(SMART_GATE_COLUMNS) == 9


def test_bookings_per_day_go_to_the_days_first_trucks():
    data = _gate_data(300.0, _lane(bookings_per_day=25), warmup_days=1)
    log = _log(data, 3)
    q = _lane_rows(log, Kind.QUEUED)
    arrived = log.kind == Kind.ARRIVED
    t_arr = dict(zip(log.truck[arrived].tolist(), log.t_h[arrived].tolist()))
    lane_trucks = sorted(log.truck[q].tolist())
    days = np.floor(np.array([t_arr[k] for k in lane_trucks]) / 24.0)
    per_day = np.bincount(days.astype(int))
    assert per_day.max() == 25  # the cap binds (all trucks carry fruit)
    # the day's first arrivals hold them: no truck of that day arriving earlier went by road
    for d in range(per_day.size):
        day_trucks = [k for k, t in t_arr.items() if d * 24 <= t < (d + 1) * 24]
        assert sorted(k for k in lane_trucks if d * 24 <= t_arr[k] < (d + 1) * 24) == day_trucks[: per_day[d]]


def test_state_counts_the_lane():
    """The instant's state has the lane as a place; its rows still add up to trucks in the system."""
    from gatesim.projections.state import state_at

    log = _log(_gate_data(300.0, _lane(hours={"open_h": 18.5, "close_h": 20})), 2)
    at = 42.75  # 18:45 on the second day: containers waiting and on vehicles
    state = state_at(log, at).set_index("place")
    assert state.loc[LANE_STAGE, "waiting"] > 0 and state.loc[LANE_STAGE, "in_service"] > 0
    upto = log.t_h <= at
    inside = int(((log.kind == Kind.ARRIVED) & upto).sum() - ((log.kind == Kind.CROSSED) & upto).sum())
    total = state.loc["in_system"]
    assert total["waiting"] + total["in_service"] == inside


# ---- random scenarios: the twin's small scenarios with a lane and a buffer -----------------


@st.composite
def _smart_scenarios(draw):
    """The twin test's random gates (hours, quotas, yards, routing and queue rules), each given a
    lane over a consecutive span of a route and a buffer on a route, where the rules allow."""
    data = draw(small_scenarios()).model_dump(mode="json", exclude_none=True)
    for gate in data["gates"].values():
        if draw(st.booleans()):
            direction = draw(st.sampled_from(["export", "import"]))
            stages = gate["routes"][direction]["stages"]
            first = draw(st.integers(0, len(stages) - 1))
            last = draw(st.integers(first, len(stages) - 1))
            gate["agv_lane"] = _lane(
                direction=direction,
                replaces=stages[first : last + 1],
                fleet_agvs=draw(st.integers(1, 3)),
                hours=draw(st.sampled_from([{"open_h": 0, "close_h": 24}, {"open_h": 17, "close_h": 21}])),
                cargo=draw(st.sampled_from([["fruit"], ["fruit", "electronics"]])),
                booked_share=draw(st.sampled_from([0.5, 1.0])),
            )
        if draw(st.booleans()):
            direction = draw(st.sampled_from(["export", "import"]))
            stages = gate["routes"][direction]["stages"]
            i = draw(st.integers(0, len(stages) - 2))
            gate["routes"][direction]["buffer"] = {
                "capacity_trucks": draw(st.integers(1, 6)),
                "from_stage": stages[i],
                "until_stage": stages[draw(st.integers(i + 1, len(stages) - 1))],
            }
    try:
        return validate(data)
    except InputError:
        assume(False)  # a lane or buffer the rules refuse (over a yard's start, a ruled first stage)


@pytest.mark.integration
@pytest.mark.slow
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(scenario=_smart_scenarios(), seed=st.integers(0, 2**32 - 1))
def test_random_smart_scenarios_twin_matches_fast_engine(scenario, seed):
    fast, twin = both_logs(scenario, 2, seed=seed)
    assert_same(fast, twin)


@pytest.mark.integration
def test_run_prints_and_reports_them(tmp_path):
    """`gatesim run` prints the lane's rows and `gatesim report` has its section; a run
    without a lane or buffer has neither."""
    import json

    from click.testing import CliRunner

    from gatesim.cli import main

    for name, data, shown in (("lane", _gate_data(200.0, _lane()), True), ("plain", _gate_data(50.0), False)):
        path = tmp_path / f"{name}.yaml"
        path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML 1.2
        out = tmp_path / f"run_{name}"
        res = CliRunner().invoke(
            main, ["run", str(path), "--days", "2", "-r", "2", "--out", str(out), "--no-events"]
        )
        assert res.exit_code == 0, res.output
        assert (registry.short("agv_containers_per_day") in res.output) == shown
        res = CliRunner().invoke(main, ["report", str(out)])
        assert res.exit_code == 0, res.output
        page = (out / "report.html").read_text(encoding="utf-8")
        assert ("Automated lane and buffers per gate" in page) == shown


def test_hourly_columns_add_up_to_the_summary():
    from gatesim.projections.smart_gate import with_smart_gate_series

    data = _gate_data(300.0, _lane(hours={"open_h": 18.5, "close_h": 20}), warmup_days=1)
    gate = data["gates"][GATE]
    gate["stages"]["fees"] = service_stage(1, 5.0, "exponential", role="fees")
    gate["routes"]["export"]["stages"] = ["decl", "fees", "road", "accept"]
    gate["routes"]["export"]["buffer"] = {  # before the lane's span: both in play
        "capacity_trucks": 3,
        "from_stage": "decl",
        "until_stage": "fees",
    }
    log = _log(data, 3)
    summary, hourly = tables(log)
    row = smart_gate_kpis(log).iloc[0]
    hourly = with_smart_gate_series(hourly, log)
    assert hourly["agv_containers"].sum() == row["agv_containers"]
    assert hourly["buffer_blocked"].sum() == row["buffer_blocked"] > 0
    assert hourly["buffer_trucks"].max() <= 3 and hourly["agv_waiting"].max() > 0
    at_18 = hourly["t_h"] % 24 == 18  # the hour 18:00-19:00: the lane opens at 18:30
    assert (hourly.loc[~at_18 & (hourly["t_h"] % 24 != 19), "agv_containers"] == 0).all()

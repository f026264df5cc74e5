"""Check 3: extremes and clocks (exact checks: these hold on every sample path)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from gatesim.events.kinds import Kind
from gatesim.model.calendar import CHINA_OFFSET_H, Clock, open_intervals
from gatesim.run import run_replication
from gatesim.scenario.load import load_scenario
from gatesim.scenario.schema import Hours
from tests.validation.vv_extremes import (
    CHINA,
    HANOI,
    MIXED_HOURS,
    hours_violations,
    mixed_hours_scenario,
    unlimited_case,
    unlimited_with_hours_case,
    wall_clock_violations,
    zero_hours_case,
)
from tests.validation.vv_published import BASELINE


def test_zero_opening_hours_zero_throughput():
    res = zero_hours_case()
    assert res.ok, str(res)


def test_unlimited_capacity_zero_wait():
    res = unlimited_case()
    assert res.ok, str(res)


def test_unlimited_capacity_waits_only_for_the_opening():
    results = unlimited_with_hours_case()
    assert [r.ok for r in results] == [True, True], "\n".join(map(str, results))


@pytest.fixture(scope="module")
def mixed_log():
    sc = mixed_hours_scenario()
    return sc, run_replication(sc, 3, 0, 5)


def test_no_start_outside_local_hours_mixed_time_zones(mixed_log):
    sc, log = mixed_log
    assert hours_violations(log, sc) == {f"g.{s}": 0 for s in MIXED_HOURS}
    for sid in MIXED_HOURS:  # every stage did serve, so the check had something to look at
        code = log.meta["stages"].index(sid)
        assert np.sum((log.kind == Kind.STARTED) & (log.stage == code)) > 20, sid


def test_hours_check_detects_a_wrong_time_zone(mixed_log):
    """Reading the Chinese stages' hours as Hanoi time must show violations."""
    sc, log = mixed_log
    gate = sc.gates["g"]
    wrong_stages = {
        sid: st.model_copy(update={"hours": st.hours.model_copy(update={"tz": "hanoi"})})
        for sid, st in gate.stages.items()
    }
    wrong = sc.model_copy(update={"gates": {"g": gate.model_copy(update={"stages": wrong_stages})}})
    bad = hours_violations(log, wrong)
    assert bad["g.cn_day"] > 0 and bad["g.cn_night"] > 0


def test_openings_at_local_wall_clock_hours(mixed_log):
    sc, log = mixed_log
    assert wall_clock_violations(log, sc) == {f"g.{s}": 0 for s in MIXED_HOURS}


def test_baseline_no_start_outside_hours_and_openings_on_the_clock():
    sc, _ = load_scenario(BASELINE)
    log = run_replication(sc, 1, 0, 3)
    assert sum(hours_violations(log, sc).values()) == 0
    assert sum(wall_clock_violations(log, sc).values()) == 0


def test_china_is_hanoi_plus_one_hour():
    """gatesim's offset and open_intervals against the IANA time-zone database."""
    noon = dt.datetime(2026, 1, 1, 12, tzinfo=HANOI)
    assert noon.astimezone(CHINA).utcoffset() - noon.utcoffset() == dt.timedelta(hours=CHINA_OFFSET_H)
    sc, _ = load_scenario(BASELINE)
    clock = Clock.of(sc, 2)
    # Pò Chài opens 08:00 and closes 20:00 China time: in sim hours (Hanoi) 07:00-19:00.
    opens, closes = open_intervals(Hours(tz="china", open_h=8, close_h=20), clock, frozenset())
    t0 = clock.t0.replace(tzinfo=HANOI)
    for o, c in zip(opens, closes):
        assert (t0 + dt.timedelta(hours=o)).astimezone(CHINA).hour == 8
        assert (t0 + dt.timedelta(hours=c)).astimezone(CHINA).hour == 20
    assert opens.size == clock.n_days
    # A Chinese day starting at midnight opens at 23:00 Hanoi the evening before;
    # the first one is clipped to the start of the run.
    opens, closes = open_intervals(Hours(tz="china", open_h=0, close_h=2), clock, frozenset())
    assert opens[0] == 0.0 and closes[0] == 1.0
    assert opens[1] == 23.0 and closes[1] == 25.0
    # A closed local date drops that Chinese day's opening, not the Hanoi one.
    closed = frozenset({clock.date_of_day(1)})
    opens, _ = open_intervals(Hours(tz="china", open_h=0, close_h=2), clock, closed)
    assert 23.0 not in opens.tolist() and 47.0 in opens.tolist()

"""Queue rules beyond FIFO on the fast engine: properties on the event log.

Priority order, reneging conservation, schedules (metamorphic), an outage
(fluid check), split road lanes, a yard used by imports, per-direction
arrival profiles, live state against the log's ``state`` projection, and the
general path against the booking path where both apply. The theory checks
(Cobham, Erlang-A) and the twin are in ``test_engine_theory.py`` and
``test_engine_twin.py``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from gatesim.events.kinds import NO_TRUCK, Kind
from gatesim.events.log import LogData
from gatesim.events.store import read_log, write_log
from gatesim.model.live import LiveState
from gatesim.model.process import start
from gatesim.model.simulate import simulate
from gatesim.projections.kpis import summarize
from gatesim.projections.state import state_at
from gatesim.projections.tables import tables
from gatesim.scenario.load import load_scenario, validate
from gatesim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
_, BASE_DATA = load_scenario(ROOT / "scenarios" / "baseline_2026.yaml")
GATE = "tan_thanh"


def one_gate(rules: dict[str, dict] | None = None, keep_yard: bool = True, **gate_keys) -> Scenario:
    """The baseline's Tân Thanh alone, with queue rules merged into its stages."""
    data = copy.deepcopy(BASE_DATA)
    data["gates"] = {GATE: data["gates"][GATE]}
    data["calendar"]["regimes"] = [
        {**r, "gates": [GATE]} for r in data["calendar"]["regimes"] if GATE in r["gates"]
    ]
    data["calendar"]["warmup_days"] = 0
    data["calendar"]["drain_days"] = 1
    gate = data["gates"][GATE]
    if not keep_yard:
        gate.pop("yard", None)
        for route in gate["routes"].values():
            route.pop("yard_from", None)
            route.pop("yard_until", None)
    for sid, extra in (rules or {}).items():
        gate["stages"][sid] = {**gate["stages"][sid], **extra}
    gate.update(gate_keys)
    return validate(data)


def run(scenario: Scenario, days: int = 3, rep: int = 0, seed: int = 11) -> LogData:
    log, meta = simulate(scenario, days, rep, seed)
    return log.decode(meta)


def per_truck(log: LogData, stage: str, kind: Kind) -> np.ndarray:
    """Time of ``kind`` at ``stage`` by truck id (NaN where none)."""
    code = log.meta["stages"].index(stage)
    out = np.full(log.n_trucks, np.nan)
    m = (log.stage == code) & (log.kind == kind)
    out[log.truck[m]] = log.t_h[m]
    return out


PRIORITY = {
    "cn_acceptance": {
        "discipline": "priority",
        "priority_by": "cargo",
        "priority_order": ["fruit", "electronics", "other"],
        "patience_h": {"dist": "exponential", "mean_h": 6.0},
    },
    "declaration": {
        "discipline": "priority",
        "priority_by": "channel",
        "priority_order": ["green", "yellow", "red"],
    },
}


@pytest.fixture(scope="module")
def priority_log() -> LogData:
    return run(one_gate(PRIORITY))


def _class_of(log: LogData, by: str, order: list[str]) -> np.ndarray:
    names = log.meta[{"cargo": "cargo", "channel": "channels"}[by]]
    rank = np.array([order.index(v) for v in names])
    return rank[log.payload[by]]


def test_no_higher_class_starts_after_a_lower_class_that_queued_later(priority_log):
    log = priority_log
    for sid, rule in PRIORITY.items():
        q, s = per_truck(log, sid, Kind.QUEUED), per_truck(log, sid, Kind.STARTED)
        cls = _class_of(log, rule["priority_by"], rule["priority_order"])
        served = ~np.isnan(s)
        overtaken = 0
        for hi in range(3):
            for lo in range(hi, 3):
                h = np.flatnonzero(served & (cls == hi))
                low = np.flatnonzero(served & (cls == lo))
                h = h[np.argsort(q[h])]
                # the latest start among the higher class's trucks queued before each lower one
                latest = np.maximum.accumulate(s[h])
                before = np.searchsorted(q[h], q[low], side="left") - 1
                ok = before >= 0
                bad = latest[before[ok]] > s[low[ok]] + 1e-9
                assert not bad.any(), (sid, hi, lo, int(bad.sum()))
                if lo > hi:  # priority really reorders: a lower class queued earlier starts later
                    later = np.searchsorted(q[low], q[h], side="left")
                    overtaken += int(np.sum(s[h] < np.r_[s[low], np.inf][np.minimum(later, low.size)] - 1e-9))
        assert overtaken > 0, sid


def test_conservation_with_reneging(priority_log):
    log = priority_log
    s = summarize(log)
    assert (s["arrivals"] == s["departures"] + s["left_in_system"] + s["reneged"]).all()
    assert int(s["reneged"].sum()) > 0
    reneged = log.truck[log.kind == Kind.RENEGED]
    crossed = log.truck[log.kind == Kind.CROSSED]
    assert len(set(reneged.tolist())) == reneged.size  # each truck reneges at most once
    assert not set(reneged.tolist()) & set(crossed.tolist())  # and never crosses after
    # a truck that reneges at a stage never starts there, and gives back its yard slot
    code = log.meta["stages"].index("cn_acceptance")
    r = (log.kind == Kind.RENEGED) & (log.stage == code)
    started = set(log.truck[(log.kind == Kind.STARTED) & (log.stage == code)].tolist())
    assert not set(log.truck[r].tolist()) & started
    yard_in = np.bincount(log.truck[log.kind == Kind.YARD_IN], minlength=log.n_trucks)
    yard_out = np.bincount(log.truck[log.kind == Kind.YARD_OUT], minlength=log.n_trucks)
    gone = np.unique(log.truck[r])
    assert np.array_equal(yard_in[gone], yard_out[gone])
    # the waiting level never goes negative (RENEGED closes a queue spell)
    st = state_at(log, float(log.meta["window_end_h"]))
    assert (st["waiting"] >= 0).all()


def test_stage_events_are_not_on_a_real_truck(priority_log):
    stage_kinds = [Kind.OPENED, Kind.CLOSED, Kind.SERVERS, Kind.OUTAGE_START, Kind.OUTAGE_END]
    m = np.isin(priority_log.kind, stage_kinds)
    assert m.any() and (priority_log.truck[m] == NO_TRUCK).all()
    assert (priority_log.truck[~m] >= 0).all()


def test_general_and_timed_paths_equal_the_booking_path_on_a_fifo_stage():
    """A schedule that keeps the stage's servers sends it down the timed booking path, a
    surge that never comes down the general path, without changing the rule: every
    truck's times must be the same on the three."""
    same = {"cn_release": {"server_schedule": [{"from_h": 0, "to_h": 24, "servers": 4}]}}
    never = {
        "cn_release": {
            "surge": {"queue_at_least": 100000, "extra_servers": 1, "delay_h": 0.0, "until_queue_below": 1}
        }
    }
    a = run(one_gate())
    for rule, path in ((same, "timed"), (never, "general")):
        b = run(one_gate(rule))
        assert b.meta["gates"][0]["stages"][-1]["path"] == path
        for sid in ("cn_release", "road", "handover", "declaration", "cn_acceptance"):
            for kind in (Kind.QUEUED, Kind.STARTED, Kind.ENDED):
                x, y = per_truck(a, sid, kind), per_truck(b, sid, kind)
                assert np.array_equal(np.isnan(x), np.isnan(y))
                assert np.nanmax(np.abs(x - y)) < 1e-9, (sid, kind, path)


def test_more_servers_in_a_date_range_never_raises_that_ranges_waits():
    """Metamorphic: cn_release (the imports' first stage, FIFO) with 4 -> 6 servers
    on the 2nd and 3rd of January; no truck of the range starts later."""

    def ranged(n: int) -> Scenario:
        entry = {"start": "2026-01-02", "end": "2026-01-03", "servers": n}
        return one_gate({"cn_release": {"server_schedule": [entry]}}, keep_yard=False)

    few, more = run(ranged(4)), run(ranged(6))
    q = per_truck(few, "cn_release", Kind.QUEUED)
    assert np.array_equal(q, per_truck(more, "cn_release", Kind.QUEUED), equal_nan=True)  # same trucks
    w_few = per_truck(few, "cn_release", Kind.STARTED) - q
    w_more = per_truck(more, "cn_release", Kind.STARTED) - q
    in_range = (q >= 24.0) & (q < 72.0)
    assert np.nanmax(w_more[in_range] - w_few[in_range]) <= 1e-9
    assert np.nanmean(w_more[in_range]) < np.nanmean(w_few[in_range])  # and it helps
    # the schedule's changes are SERVERS events carrying the new count
    code = more.meta["stages"].index("cn_release")
    rows = np.flatnonzero((more.kind == Kind.SERVERS) & (more.stage == code))
    assert sorted(set(more.servers[: rows.size].tolist())) == [4, 6]


def test_an_outage_at_a_saturated_stage_delays_the_backlog_by_its_length():
    """Fluid check: cn_release (4 servers, 4 min each) has a backlog every morning
    (it opens at 07:00 Hanoi after a closed night). A 09:00-11:00 outage on 2 January
    shifts the backlog's starts by 2 h less the service in hand (<= 4 min)."""
    outage = {"outages": [{"start": "2026-01-02T09:00", "end": "2026-01-02T11:00"}]}
    base, down = run(one_gate(keep_yard=False)), run(one_gate({"cn_release": outage}, keep_yard=False))
    s0, s1 = per_truck(base, "cn_release", Kind.STARTED), per_truck(down, "cn_release", Kind.STARTED)
    assert not np.any((s1 >= 33.0) & (s1 < 35.0))  # nothing starts in the outage
    q = per_truck(base, "cn_release", Kind.QUEUED)
    backlog = (q < 33.0) & (s1 >= 35.0) & (s1 < 36.0)  # queued before it, served in the hour after
    assert backlog.sum() >= 30
    delay = s1[backlog] - s0[backlog]
    assert delay.min() >= 2.0 - 4.0 / 60.0 - 1e-9 and delay.max() <= 2.0 + 1e-9, (delay.min(), delay.max())
    code = down.meta["stages"].index("cn_release")
    kinds = down.kind[(down.stage == code) & np.isin(down.kind, [Kind.OUTAGE_START, Kind.OUTAGE_END])]
    assert kinds.tolist() == [Kind.OUTAGE_START, Kind.OUTAGE_END]


def test_split_road_lanes_serve_their_own_direction_only():
    road = {"lanes": None, "lanes_by_direction": {"export": 1, "import": 3}}
    log = run(one_gate({"road": road}), days=2)
    s, e = per_truck(log, "road", Kind.STARTED), per_truck(log, "road", Kind.ENDED)
    direction = log.payload["direction"]
    for d, lanes in ((0, 1), (1, 3)):
        m = (direction == d) & ~np.isnan(s) & ~np.isnan(e)
        t = np.r_[s[m], e[m]]
        step = np.r_[np.ones(m.sum()), -np.ones(m.sum())]
        order = np.lexsort((step, t))  # ends before starts at the same instant
        busy = np.cumsum(step[order])
        assert busy.max() == lanes, (d, busy.max())
    summary = summarize(log)
    assert summary["util_road"].notna().all()


def test_yard_used_by_imports_too():
    import_route = {
        "stages": ["cn_release", "road", "handover", "declaration", "fees"],
        "yard_from": "handover",
        "yard_until": "declaration",
    }
    data_gate = BASE_DATA["gates"][GATE]
    sc = one_gate(
        yard={"capacity_trucks": data_gate["yard"]["capacity_trucks"], "used_by": ["export", "import"]},
        routes={**data_gate["routes"], "import": import_route},
    )
    log = run(sc, days=2)
    yard_in = log.truck[log.kind == Kind.YARD_IN]
    assert (log.payload["direction"][yard_in] == 1).any() and (log.payload["direction"][yard_in] == 0).any()
    with pytest.raises(Exception, match="used_by"):
        one_gate(
            yard={"capacity_trucks": 10, "used_by": ["export"]},
            routes={**data_gate["routes"], "import": import_route},
        )


def test_hourly_profile_by_direction():
    arrivals = dict(BASE_DATA["gates"][GATE]["arrivals"])
    arrivals["hourly_profile_by_direction"] = {"import": [0.0] * 10 + [1.0] + [0.0] * 13}
    log = run(one_gate(arrivals=arrivals), days=2)
    arrived = log.kind == Kind.ARRIVED
    t, d = log.t_h[arrived], log.payload["direction"][log.truck[arrived]]
    assert np.all(np.floor(t[d == 1]) % 24 == 10)
    assert len(np.unique(np.floor(t[d == 0]) % 24)) > 12  # exports keep the day's profile


def test_live_state_equals_the_state_projection():
    rules = {
        **PRIORITY,
        "cn_release": {"surge": {"queue_at_least": 30, "extra_servers": 2, "until_queue_below": 10}},
    }
    sc = one_gate(rules)
    probes = [10.37 + 3.0 * i for i in range(20)]
    seen: list[tuple[float, dict]] = []

    def attach(gates):
        live = LiveState(gates)
        env = next(iter(gates.values())).env

        def probe():
            for t in probes:
                yield t - env.now
                counts = {"approach": (live.on_approach(GATE), 0), "yard": (live.in_yard(GATE), 0)}
                for sid in sc.gates[GATE].stages:
                    counts[sid] = (live.queued(GATE, sid), live.in_service(GATE, sid))
                    assert live.expected_wait_h(GATE, sid) >= 0
                seen.append((env.now, counts))

        start(env, lambda _r: probe())

    log, meta = simulate(sc, 3, 0, 11, on_build=attach)
    data = log.decode(meta)
    assert len(seen) == len(probes)
    busy = 0
    for t, counts in seen:
        st = state_at(data, t).set_index("place")
        # the projection names the yard's row for what it counts (slots held, counted in the stages)
        st = st.rename(index=lambda p: "yard" if p.startswith("yard") else p)
        for place, (waiting, in_service) in counts.items():
            assert (st.loc[place, "waiting"], st.loc[place, "in_service"]) == (waiting, in_service), (
                t,
                place,
            )
        busy += counts["cn_acceptance"][0]
    assert busy > 0


def test_expected_wait_is_exact_on_the_booking_path():
    """The FIFO estimate is the booked start of a truck arriving now: a truck that
    does arrive then waits exactly that long (checked on the next arrival's wait)."""
    sc = one_gate()
    got: list[tuple[int, float]] = []

    def attach(gates):
        live = LiveState(gates)
        gate = gates[GATE]
        env = gate.env
        times = gate.trucks.arrivals.t_h
        first_import = [
            k for k in range(len(times)) if gate.trucks.arrivals.direction[k] == 1 and times[k] > 30.0
        ][:5]

        def probe():
            for k in first_import:
                yield (
                    float(times[k]) - env.now
                )  # just before truck k joins cn_release (NORMAL < truck priority)
                got.append((k, live.expected_wait_h(GATE, "cn_release")))

        start(env, lambda _r: probe())

    log, meta = simulate(sc, 3, 0, 11, on_build=attach)
    data = log.decode(meta)
    q, s = per_truck(data, "cn_release", Kind.QUEUED), per_truck(data, "cn_release", Kind.STARTED)
    for k, w in got:
        assert abs((s[k] - q[k]) - w) < 1e-9, (k, w, s[k] - q[k])


def test_new_kinds_survive_parquet_and_replay_identically(priority_log, tmp_path):
    rules = {
        **PRIORITY,
        "cn_release": {
            "server_schedule": [{"from_h": 8, "to_h": 12, "servers": 6}],
            "random_outages": {"rate_per_day": 1.0, "duration_h": {"dist": "exponential", "mean_h": 1.0}},
        },
    }
    log = run(one_gate(rules))
    assert np.isin([Kind.RENEGED, Kind.SERVERS, Kind.OUTAGE_START], log.kind).all()
    path = tmp_path / "rep.parquet"
    write_log(log, path)
    back = read_log(path)
    assert np.array_equal(back.servers, log.servers)
    assert np.array_equal(back.truck, log.truck) and np.array_equal(back.kind, log.kind)
    assert np.array_equal(back.payload["priority"], log.payload["priority"])
    a, b = tables(log), tables(back)
    assert a[0].to_csv() == b[0].to_csv() and a[1].to_csv() == b[1].to_csv()


def test_surge_comes_after_its_delay_and_goes_below_its_threshold():
    surge = {"surge": {"queue_at_least": 30, "extra_servers": 2, "delay_h": 0.5, "until_queue_below": 10}}
    plain, surged = run(one_gate(keep_yard=False)), run(one_gate({"cn_release": surge}, keep_yard=False))
    code = surged.meta["stages"].index("cn_release")
    rows = np.flatnonzero((surged.kind == Kind.SERVERS) & (surged.stage == code))
    values = surged.servers[np.searchsorted(np.flatnonzero(surged.kind == Kind.SERVERS), rows)]
    assert values[0] == 4 and set(values.tolist()) == {4, 6} and rows.size >= 3
    queued = surged.t_h[(surged.kind == Kind.QUEUED) & (surged.stage == code)]
    for row, value in zip(rows[1:], values[1:]):
        t = surged.t_h[row]
        waiting = state_at(surged, t).set_index("place").loc["cn_release", "waiting"]
        if value == 6:  # called in by a truck that joined delay_h before
            assert np.min(np.abs(queued - (t - 0.5))) < 1e-9
            assert waiting >= 10
        else:
            assert waiting < 10
    w = lambda log: summarize(log)["wait_at_cn_release_h"].iloc[0]  # noqa: E731
    assert w(surged) < w(plain)


def test_utilisation_is_empty_when_a_schedule_leaves_no_servers_on_duty():
    none_on_duty = {"cn_release": {"server_schedule": [{"from_h": 0, "to_h": 24, "servers": 0}]}}
    s = summarize(run(one_gate(none_on_duty, keep_yard=False), days=1))
    assert np.isnan(s["util_cn_release"].iloc[0])
    assert s["util_declaration"].notna().all()

"""The smart border gate's proposal files: what each changes, that every value is sourced or a
labelled assumption whose citations resolve, and that each runs a short day on every engine
that can run it (trucks conserved, the lane used where its hours fall in the day)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatesim.events.kinds import Kind
from gatesim.evidence.citations import cited_ids
from gatesim.evidence.sources import load_sources
from gatesim.model.engines import engine_refusal
from gatesim.projections.kpis import summarize
from gatesim.run import run_replication
from gatesim.scenario.load import load_scenario, read_yaml

pytestmark = pytest.mark.integration

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
LANE = ("direction", "replaces", "fleet_agvs", "cycle_min", "load_min", "unload_min", "charge_min")
_LANE_KEYS = ("downtime_share", "hours", "cargo", "booked_share", *LANE)


def _lane(gate: str) -> set[str]:
    return {f"gates.{gate}.agv_lane"}


# The top-level key paths each file adds or changes against the baseline.
CHANGES = {
    "smart_agv_night_trial": _lane("tan_thanh"),
    "smart_huu_nghi_2026": _lane("huu_nghi"),
    "smart_goal_2027": _lane("tan_thanh")
    | _lane("huu_nghi")
    | {
        "gates.tan_thanh.arrivals.per_day",
        "gates.huu_nghi.arrivals.per_day",
        "gates.tan_thanh.stages.declaration.servers",
        "gates.huu_nghi.stages.declaration.servers",
        "gates.tan_thanh.stages.fees.service",
        "gates.huu_nghi.stages.fees.service",
    },
}
CHANGES["smart_goal_2030"] = CHANGES["smart_goal_2027"] | {
    f"gates.{g}.stages.{k}" for g in ("tan_thanh", "huu_nghi") for k in ("road.lanes", "handover.servers")
}


def _leaves(data, prefix: str = "") -> dict[str, object]:
    if isinstance(data, dict):
        out: dict[str, object] = {}
        for k, v in data.items():
            out.update(_leaves(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: data}


def _resolved(name: str) -> dict[str, object]:
    _, data = load_scenario(SCENARIOS / f"{name}.yaml")
    return _leaves({k: v for k, v in data.items() if k not in ("name", "description", "sources")})


@pytest.fixture(scope="module")
def base_leaves() -> dict[str, object]:
    return _resolved("baseline_2026")


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_smart_file_changes_only_its_proposal_and_sources_every_change(name, base_leaves):
    raw = read_yaml(SCENARIOS / f"{name}.yaml")
    assert raw["extends"] == "baseline_2026.yaml" and raw["name"] == name
    leaves = _resolved(name)
    changed = {k for k in leaves if leaves.get(k) != base_leaves.get(k)}
    assert changed, name
    for key in changed:
        assert any(key == c or key.startswith(c + ".") for c in CHANGES[name]), f"{name}: {key} changed"
        assert any(key == s or key.startswith(s + ".") for s in raw["sources"]), (
            f"{name}: {key} has no source"
        )
    for c in CHANGES[name]:
        assert any(k == c or k.startswith(c + ".") for k in changed), f"{name}: {c} not changed"
    for key, s in raw["sources"].items():
        assert s["basis"] in ("seed", "public", "assumption"), key
        if s["basis"] == "assumption":
            assert s.get("reason"), f"{name}: {key}: an assumption says why"


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_every_citation_of_a_smart_file_resolves(name):
    sources = load_sources()
    text = (SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8")
    ids = cited_ids(text)
    assert ids, name
    missing = [i for i in ids if i not in sources]
    assert missing == [], missing


def test_the_trial_is_the_published_trial():
    scenario, _ = load_scenario(SCENARIOS / "smart_agv_night_trial.yaml")
    lane = scenario.gates["tan_thanh"].agv_lane
    assert lane is not None
    assert (lane.hours.tz, lane.hours.open_h, lane.hours.close_h) == ("hanoi", 18.5, 20)
    assert lane.direction == "import" and lane.fleet_agvs == 6 and lane.cargo == ["electronics"]


def test_the_goals_are_two_and_four_times_todays_trucks():
    base, _ = load_scenario(SCENARIOS / "baseline_2026.yaml")
    for name, times in (("smart_goal_2027", 2), ("smart_goal_2030", 4)):
        goal, _ = load_scenario(SCENARIOS / f"{name}.yaml")
        for g in ("tan_thanh", "huu_nghi"):
            assert goal.gates[g].arrivals.per_day == times * base.gates[g].arrivals.per_day
            assert goal.gates[g].agv_lane is not None and goal.gates[g].agv_lane.hours.always_open
        for g in ("coc_nam", "chi_ma"):
            assert goal.gates[g].arrivals.per_day == base.gates[g].arrivals.per_day


ENGINES = ("kernel", "fast", "reference")


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_smart_file_runs_a_short_day_on_every_engine_it_supports(name):
    scenario, _ = load_scenario(SCENARIOS / f"{name}.yaml")
    scenario = scenario.model_copy(
        update={"calendar": scenario.calendar.model_copy(update={"warmup_days": 0, "drain_days": 0})}
    )
    ran = []
    for engine in ENGINES:
        if engine_refusal(scenario, engine) is not None:
            continue
        log = run_replication(scenario, 1, 0, 20260101, engine)
        ran.append(engine)
        s = summarize(log)
        assert (s["arrivals"] == s["departures"] + s["left_in_system"] + s["reneged"]).all(), engine
        lane_gate = [g for g in ("tan_thanh", "huu_nghi") if scenario.gates[g].agv_lane is not None][0]
        code = [g["id"] for g in log.meta["gates"]].index(lane_gate)
        on_lane = (log.gate == code) & (log.stage == log.meta["stages"].index("agv_lane"))
        assert ((log.kind == Kind.STARTED) & on_lane).sum() > 0, f"{engine}: the lane carried nothing"
    assert "fast" in ran, ran

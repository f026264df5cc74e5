"""docs/make_smart_gate.py: the goals page's words follow from the numbers (a small fixed case)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def page():
    spec = importlib.util.spec_from_file_location("make_smart_gate", ROOT / "docs" / "make_smart_gate.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def _gate(page, name="Tân Thanh", arrivals=1340.0, crossings=1330.0, p95=8.0, conv=3.0, base=4.0, utils=None):
    return page.GateFacts(
        gate=name,
        arrivals_per_day=arrivals,
        crossings_per_day=crossings,
        wait_p95_h=p95,
        conventional={"exports at the Chinese acceptance": (conv, base)},
        utils=utils if utils is not None else {"agv_utilisation": 0.91, "util_cn_acceptance": 0.85},
    )


def test_a_goal_carried_says_so_and_names_what_binds_and_the_conventional_wait(page):
    goal = page.GoalFacts(
        "The 2027 goal",
        "2× today's trucks",
        12.0,
        (_gate(page),),
        chosen="Tân Thanh: 18 AGVs, 450 yard slots",
        chosen_conventional={"Tân Thanh": {"exports at the Chinese acceptance": (1.5, 4.0)}},
    )
    text = page.goal_paragraph(goal)
    assert "**carry it**" in text
    assert "1,330 of 1,340 trucks a day cross" in text
    assert "what binds first is the AGVs (utilisation 0.91)" in text
    assert (
        "at Tân Thanh, exports at the Chinese acceptance wait 3.00 h on average against 4.00 h today" in text
    )
    assert "the wait falls by 1.00 h." in text
    assert (
        "**It is carried with more**: the cheapest configuration `gatesim optimise` found that meets the bound is Tân Thanh: 18 AGVs, 450 yard slots."
        in text
    )
    assert (
        "With it, on the conventional route at Tân Thanh, exports at the Chinese acceptance wait 1.50 h"
        in text
    )


def test_a_goal_not_carried_names_the_gate_and_the_closest_configuration(page):
    short = _gate(
        page, crossings=900.0, p95=40.0, conv=30.0, utils={"util_cn_acceptance": 1.0, "agv_utilisation": 0.6}
    )
    goal = page.GoalFacts(
        "The 2030 goal", "4×", 12.0, (short,), closest="fleet 10 (met in 0% of 5 replications)"
    )
    text = page.goal_paragraph(goal)
    assert "**do not carry it**" in text and "(not carried)" in text
    assert "what binds first is the Chinese side's acceptance (utilisation 1.00)" in text
    assert "the wait rises by 26.0 h." in text
    assert "**No configuration `gatesim optimise` tried carries it**; the closest: fleet 10" in text


def test_resources_as_busy_as_the_busiest_are_named_together(page):
    both = _gate(page, utils={"util_cn_acceptance": 1.0, "util_cn_release": 0.995, "agv_utilisation": 0.9})
    text = page.goal_paragraph(page.GoalFacts("G", "d", 12.0, (both,)))
    assert (
        "what binds first is the Chinese side's acceptance and the Chinese side's release (utilisation 1.00)"
        in text
    )


def test_an_optimise_study_is_read_as_chosen_or_closest(page, tmp_path):
    cand = pd.DataFrame(
        {
            "candidate": [0, 1],
            "gates.huu_nghi.agv_lane.fleet_agvs": [40, 44],
            "gates.tan_thanh.stages.cn_acceptance.servers": [2, 3],
            "violation": [0.05, -0.01],
            "chosen": [False, True],
            "detail": ["met in 60% of 5 replications", "met in 100% of 5 replications"],
        }
    )
    cand.to_csv(tmp_path / "candidates.csv", index=False)
    highs = {"gates.huu_nghi.agv_lane.fleet_agvs": 44.0, "gates.tan_thanh.stages.cn_acceptance.servers": 4.0}
    chosen, closest = page.optimise_result(tmp_path, highs)
    assert closest is None
    assert chosen == (
        "Tân Thanh: 3 Chinese acceptance lanes; Hữu Nghị: 44 AGVs (the top of the searched range) "
        "(2 configurations tried; this one met it in 100% of 5 replications)"
    )
    cand.assign(chosen=False).to_csv(tmp_path / "candidates.csv", index=False)
    chosen, closest = page.optimise_result(tmp_path)
    assert chosen is None
    assert (
        closest
        == "Tân Thanh: 3 Chinese acceptance lanes; Hữu Nghị: 44 AGVs (met in 100% of 5 replications; 2 configurations tried)"
    )
    assert page.optimise_result(tmp_path / "none") == (None, None)
    bound, highs = page.study_bound_h(ROOT / "scenarios" / "decisions" / "smart_goal_2027.yaml")
    assert bound == 12.0 and highs["gates.tan_thanh.agv_lane.fleet_agvs"] == 30.0


def test_one_gate_short_is_not_carried_and_a_quiet_gate_has_nothing_binding(page):
    quiet = _gate(page, name="Hữu Nghị", utils={"util_fees": 0.5})
    slow = _gate(page, p95=12.5)  # all cross, but the wait is over the bound
    text = page.goal_paragraph(page.GoalFacts("G", "d", 12.0, (slow, quiet)))
    assert "**do not carry it**" in text
    assert "At Hữu Nghị nothing binds" in text


def test_resource_labels_and_facts_from_summaries(page):
    assert page.resource_label("util_cn_release") == "the Chinese side's release"
    assert page.resource_label("agv_utilisation") == "the AGVs"
    assert page.resource_label("util_something_new") == "something new"
    run = pd.DataFrame(
        {
            "gate": ["tan_thanh", "tan_thanh"],
            "days": [4, 4],
            "arrivals": [400, 420],
            "throughput_per_day": [100.0, 104.0],
            "wait_p95_h": [5.0, 7.0],
            "wait_mean_h": [2.0, 4.0],
            "wait_at_cn_release_h": [2.0, 4.0],
            "util_fees": [0.5, 0.7],
            "agv_utilisation": [0.8, float("nan")],
        }
    )
    base = run.assign(wait_at_cn_release_h=[1.0, 1.0])
    f = page.gate_facts(run, base, "tan_thanh")
    assert (f.gate, f.arrivals_per_day, f.crossings_per_day, f.wait_p95_h) == ("Tân Thanh", 102.5, 102.0, 6.0)
    assert f.conventional == {"imports at the Chinese release": (3.0, 1.0)}
    assert f.utils == {"util_fees": pytest.approx(0.6), "agv_utilisation": pytest.approx(0.8)}


def test_the_block_replaces_only_what_is_between_the_markers(page):
    text = f"head\n{page.START}\nold\n{page.END}\ntail\n"
    assert page.write(text, "new") == f"head\n{page.START}\nnew\n{page.END}\ntail\n"
    with pytest.raises(SystemExit):
        page.write("no markers", "new")


def test_the_levels_table_shows_what_was_measured_and_dashes_what_was_not(page):
    base = pd.DataFrame(
        {
            "gate": ["tan_thanh", "huu_nghi"],
            "days": [4, 4],
            "arrivals": [2680, 4000],
            "throughput_per_day": [660.0, 990.0],
            "wait_mean_h": [4.0, 3.9],
            "wait_p95_h": [11.6, 11.7],
        }
    )
    lane = base.assign(agv_utilisation=[0.75, float("nan")])
    table = page.levels_table({"baseline_2026": base, "smart_x": lane})
    rows = table.splitlines()
    assert rows[2].startswith("| `baseline_2026` | Tân Thanh | 670 | 660 | 4.00 | 11.60 |")
    assert "| `smart_x` | Tân Thanh | 670 | 660 | 4.00 | 11.60 | - | 0.75 |" in table
    assert rows[5].split(" | ")[7] == "-"  # Hữu Nghị has no lane: not measured, never 0


def test_the_fluid_utilisation_is_littles_law_on_the_vehicles(page):
    # 6 vehicles, each held 0.75 h per container, open 24 h: 96 containers a day keep them half busy
    assert page.fluid_utilisation(96.0, 6, 0.75, 24.0) == pytest.approx(0.5)
    assert page.fluid_utilisation(0.0, 6, 0.75, 24.0) == 0.0


def test_a_pilot_sentence_says_what_the_lane_carries_and_where_the_waits_move(page):
    base = pd.DataFrame(
        {
            "gate": ["huu_nghi"],
            "wait_mean_h": [3.8],
            "wait_p95_h": [11.6],
            "wait_at_cn_release_h": [2.8],
            "wait_at_declaration_h": [0.60],
            "wait_at_handover_h": [0.30],
        }
    )
    run = base.assign(
        wait_mean_h=[3.9],
        wait_at_cn_release_h=[2.5],
        wait_at_declaration_h=[1.5],
        wait_at_handover_h=[0.32],  # moves by less than 0.05 h: not said
        agv_containers_per_day=[142.0],
        agv_utilisation=[0.82],
        agv_wait_mean_h=[1.2],
    )
    text = page.pilot_sentence("smart_huu_nghi_2026", "huu_nghi", run, base)
    assert text.startswith(
        "`smart_huu_nghi_2026` at Hữu Nghị: the lane carries 142 containers a day, AGV utilisation 0.82"
    )
    assert "a container waits 1.20 h for an AGV" in text and "goes from 3.80 to 3.90 h" in text
    assert text.endswith("by stage: at the Chinese release 2.80 → 2.50 h, at the declaration 0.60 → 1.50 h.")

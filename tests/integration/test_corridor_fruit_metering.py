"""The shipped scenario in which metering acts: in the fruit peak the approach queues of Tân
Thanh and Hữu Nghị reach the threshold, so trucks are held at their origin (in January they
never are); holding delays trucks but loses none."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatesim.projections.corridor_kpis import with_corridor_kpis
from gatesim.projections.kpis import summarize
from gatesim.run import run_replication
from gatesim.scenario.load import load_scenario

pytestmark = pytest.mark.integration

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_metering_holds_trucks_in_the_fruit_peak_and_loses_none():
    sc, _ = load_scenario(SCENARIOS / "corridor_fruit_peak_metering.yaml")
    assert sc.corridor is not None and set(sc.corridor.metering) == {"tan_thanh", "huu_nghi"}
    log = run_replication(sc, 3, 0, sc.run.seed)
    summary = with_corridor_kpis(summarize(log), log)
    by_gate = summary.set_index("gate")
    assert by_gate.loc["tan_thanh", "held_trucks"] + by_gate.loc["huu_nghi", "held_trucks"] > 100
    assert (by_gate.loc[["coc_nam", "chi_ma"], "held_trucks"] == 0).all()  # not metered
    balance = by_gate["arrivals"] - by_gate["departures"] - by_gate["reneged"] - by_gate["left_in_system"]
    assert (balance == 0).all()

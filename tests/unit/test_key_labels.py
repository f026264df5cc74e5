"""A scenario key path has one set of words and one unit: a chart's axis (param_label) and a study's
sentence (factor_label) say the same, each in its own order."""

from __future__ import annotations

import pytest

from gatesim.decide.labels import factor_label
from gatesim.projections.key_labels import key_words, param_label

# key path, the axis's words, the sentence's words
SAID = [
    ("gates.tan_thanh.stages.road.lanes", "Tân Thanh, dedicated road: lanes [lanes]", "dedicated road: lanes at Tân Thanh"),
    ("gates.coc_nam.stages.cn_acceptance.hours.close_h", "Cốc Nam, acceptance, Chinese side: closing hour [h, local time]",
     "acceptance, Chinese side: closing hour at Cốc Nam"),
    ("gates.tan_thanh.stages.handover.service.steps_min.check", "Tân Thanh, handover / transshipment: check [min]",
     "handover / transshipment: check (min) at Tân Thanh"),
    ("gates.tan_thanh.stages.declaration.service.by_channel_min.yellow",
     "Tân Thanh, customs declaration: yellow channel [min]", "customs declaration: yellow channel (min) at Tân Thanh"),
    ("gates.tan_thanh.arrivals.transshipment_share", "Tân Thanh: transshipment share [share]",
     "transshipment share at Tân Thanh"),
    ("gates.tan_thanh.yard.capacity_trucks", "Tân Thanh: yard capacity [trucks]", "yard capacity (trucks) at Tân Thanh"),
    ("gates.chi_ma.approach.lanes", "Chi Ma: approach lanes [lanes]", "approach lanes at Chi Ma"),
    ("growth.volume_multiplier", "growth: traffic volume multiplier [×]", "traffic volume multiplier"),
    ("economy.vnd_per_usd", "economy: VND per USD", "VND per USD"),
    ("cargo.fruit.value_usd_mean", "cargo: fruit mean value [USD]", "fruit mean value (USD)"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "axis", "sentence"), SAID)
def test_a_key_reads_the_same_on_an_axis_and_in_a_sentence(key, axis, sentence):
    assert param_label(key) == axis
    assert factor_label(key) == sentence


def test_units_that_were_wrong_are_right():
    """A rate per hour is no duration, the fee stage's servers are no money, a money rate keeps its 'per'."""
    assert param_label("gates.tan_thanh.stages.road.per_lane_vehicles_per_h") == (
        "Tân Thanh, dedicated road: vehicles per lane per hour"
    )
    assert param_label("gates.tan_thanh.stages.fees.servers") == "Tân Thanh, fee payment: servers [servers]"
    assert param_label("corridor.choice.value_of_time_vnd_per_h") == "corridor: choice value of time [VND/h]"
    assert factor_label("economy.delay_cost.driver_vnd_per_h") == "delay cost driver (VND/h)"
    assert param_label("fees.infrastructure_vnd_per_trip.export") == "fees: infrastructure export [VND/trip]"
    # a mapping's entries carry the mapping's unit
    assert (
        param_label("corridor.origins.guangxi.travel_min.chi_ma")
        == "corridor: origins guangxi travel chi ma [min]"
    )
    assert key_words("economy.delay_cost.inventory_rate_per_h.fruit").unit == ""  # "per h" stays in the words


def test_the_gate_is_the_runs_name_and_may_be_left_out():
    assert param_label("gates.tan_thanh.stages.road.lanes", {"tan_thanh": "TT"}).startswith("TT, ")
    assert factor_label("gates.tan_thanh.stages.road.lanes", gate=False) == "dedicated road: lanes"
    k = key_words("gates.tan_thanh.stages.road.lanes")
    assert (k.gate, k.stage, k.section, k.what) == ("Tân Thanh", "dedicated road", "", "lanes")

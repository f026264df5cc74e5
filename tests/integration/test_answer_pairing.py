"""Each proposal is paired against its own base: the growth package against the growth base."""

from __future__ import annotations

from pathlib import Path

from gatesim.answer.plan import make_plan
from gatesim.compare.pairing import own_base
from gatesim.scenario.load import load_scenario
from gatesim.trust.assess import BASE, Variant
from gatesim.trust.assess_cli import paired_bases

SC = Path(__file__).parents[2] / "scenarios"


def _res(name: str) -> dict:
    return load_scenario(SC / f"{name}.yaml")[1]


def test_growth_package_is_paired_against_the_growth_base():
    own = own_base(
        _res("smart_gate_package_growth"), str(SC / "smart_gate_package_growth.yaml"),
        _res("baseline_2026"), str(SC / "baseline_2026.yaml"),
    )  # fmt: skip
    assert own.name == "traffic_growth_2026" and own.context == ("growth.volume_multiplier",)


def test_a_measure_alone_and_growth_alone_are_paired_against_the_root():
    root = _res("baseline_2026")
    for name in ("tan_thanh_8_lanes", "traffic_growth_2026", "fruit_season_peak"):
        assert (
            own_base(_res(name), str(SC / f"{name}.yaml"), root, str(SC / "baseline_2026.yaml")).resolved
            is None
        )


def test_answer_and_assess_run_the_growth_base_beside_the_package():
    plan = make_plan(
        [str(SC / "tan_thanh_8_lanes.yaml"), str(SC / "smart_gate_package_growth.yaml")],
        None,
        None,
        2,
        1,
        1,
        None,
    )
    assert plan.pairs == {"tan_thanh_8_lanes": BASE, "smart_gate_package_growth": "traffic_growth_2026"}
    assert {p.params["variant"] for p in plan.sweep.points} == {
        BASE,
        "traffic_growth_2026",
        "tan_thanh_8_lanes",
        "smart_gate_package_growth",
    }
    assert {p.params["world"] for p in plan.sweep.points} >= {-1}  # the calibrated baseline too
    base = Variant(BASE, str(SC / "baseline_2026.yaml"), _res("baseline_2026"))
    pkg = Variant(
        "smart_gate_package_growth",
        str(SC / "smart_gate_package_growth.yaml"),
        _res("smart_gate_package_growth"),
    )
    extra, pairs = paired_bases(base, [pkg])
    assert [e.name for e in extra] == ["traffic_growth_2026"] and pairs == {pkg.name: "traffic_growth_2026"}


def test_a_built_growth_base_is_named_after_the_proposal_when_none_is_shipped(tmp_path):
    (tmp_path / "base.yaml").write_text(f"extends: {SC / 'baseline_2026.yaml'}\nname: b\n", encoding="utf-8")
    (tmp_path / "p.yaml").write_text(
        f"extends: {SC / 'tan_thanh_8_lanes.yaml'}\nname: p\ngrowth:\n  volume_multiplier: 1.2\n",
        encoding="utf-8",
    )
    own = own_base(
        _res("baseline_2026") | {}, str(tmp_path / "p.yaml"), _res("baseline_2026"), str(tmp_path / "x.yaml")
    )
    assert own.resolved is None  # the root itself changes nothing
    p = load_scenario(tmp_path / "p.yaml")[1]
    own = own_base(p, str(tmp_path / "p.yaml"), _res("baseline_2026"), str(tmp_path / "x.yaml"))
    assert own.name == "baseline_2026 + growth of p" and own.resolved["growth"]["volume_multiplier"] == 1.2
    assert own.resolved["gates"]["tan_thanh"]["stages"]["road"]["lanes"] == 4

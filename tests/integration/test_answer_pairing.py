"""Each proposal is paired against its own base: the growth package against the growth base."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatesim.answer.plan import make_plan
from gatesim.compare.pairing import own_base
from gatesim.scenario.load import load_scenario
from gatesim.trust.assess import BASE, Variant
from gatesim.trust.assess_cli import paired_bases

SC = Path(__file__).parents[2] / "scenarios"
pytestmark = pytest.mark.integration  # loads every shipped scenario several times (about a minute in all)


def _res(name: str) -> dict:
    return load_scenario(SC / f"{name}.yaml")[1]


@pytest.mark.slow  # several seconds: the slow tier, so the default tier stays under 10 min
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


@pytest.mark.slow  # several seconds: the slow tier, so the default tier stays under 10 min
def test_answer_and_assess_run_the_growth_base_beside_the_package():
    from gatesim.scenario.load import load_scenario as load
    from gatesim.trust.assess import build_sweep
    from gatesim.trust.priors import load_priors

    sc, res = load(SC / "baseline_2026.yaml")
    base = Variant(BASE, str(SC / "baseline_2026.yaml"), res)
    pkg = Variant(
        "smart_gate_package_growth",
        str(SC / "smart_gate_package_growth.yaml"),
        _res("smart_gate_package_growth"),
    )
    lanes = Variant("tan_thanh_8_lanes", str(SC / "tan_thanh_8_lanes.yaml"), _res("tan_thanh_8_lanes"))
    extra, pairs = paired_bases(base, [lanes, pkg])
    assert [e.name for e in extra] == ["traffic_growth_2026"]
    assert pairs == {"tan_thanh_8_lanes": BASE, "smart_gate_package_growth": "traffic_growth_2026"}
    priors = load_priors(SC / "baseline_2026.priors.yaml", sc, res)
    sweep = build_sweep(base, [pkg], priors, [], 1, 1, 1, baseline_world=True, bases=extra, run_base=False)
    assert {p.params["variant"] for p in sweep.points} == {"traffic_growth_2026", "smart_gate_package_growth"}
    assert {p.params["world"] for p in sweep.points} == {-1}  # the calibrated baseline as a world


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


def test_base_option_reaches_the_ensemble_up_its_extends_chain(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "answer_case", Path(__file__).parents[1] / "golden" / "answer_case.py"
    )
    case = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(case)
    paths = case.write_case(tmp_path)
    plan = make_plan([str(paths["noop"])], str(paths["two_lanes"]), None, 2, 1, 1, None)
    assert plan.root_file.endswith("tiny.yaml") and plan.ensemble_file.endswith("tiny.ensemble.csv")
    assert plan.base_name == "two_lanes" and plan.pairs == {"noop": "two_lanes"}
    assert BASE not in {
        p.params["variant"] for p in plan.sweep.points
    }  # no proposal is compared with the root

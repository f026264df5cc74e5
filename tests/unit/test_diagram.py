"""The gate pictures are drawn from the scenario: they follow its routes, sides and capacities,
and docs/gates.md is what docs/make_gates.py writes from the shipped baseline today."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from gatesim.report.diagram import corridor_svg, gate_svg, gates_html, stage_side
from gatesim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def _baseline(*overrides: str):
    return load_scenario(ROOT / "scenarios" / "baseline_2026.yaml", overrides)[0]


def _box_titles(svg: str) -> list[str]:
    return re.findall(r'font-weight="bold" text-anchor="middle">([a-z_]+) \((?:Vietnam|China)\)<', svg)


def test_stages_drawn_in_route_order_per_direction() -> None:
    gate = _baseline().gates["tan_thanh"]
    titles = _box_titles(gate_svg(gate))
    assert titles == [*gate.routes["export"].stages, *gate.routes["import"].stages]


def test_border_between_the_sides() -> None:
    gate = _baseline().gates["tan_thanh"]
    svg = gate_svg(gate)
    changes = sum(
        stage_side(gate, a) != stage_side(gate, b)
        for r in gate.routes.values()
        for a, b in zip(r.stages, r.stages[1:])
    )
    assert changes == 2  # exports cross before Chinese acceptance, imports after Chinese release
    assert svg.count(">border<") == changes
    assert stage_side(gate, "cn_acceptance") == "cn" and stage_side(gate, "declaration") == "vn"


def test_picture_follows_the_scenario() -> None:
    before = gate_svg(_baseline().gates["tan_thanh"])
    after = gate_svg(
        _baseline("gates.tan_thanh.stages.road.lanes=8", "gates.tan_thanh.yard.capacity_trucks=90").gates[
            "tan_thanh"
        ]
    )
    assert "road: 4 lanes" in before and "road: 8 lanes" in after
    assert "yard: 90 trucks" in after and "yard: 90 trucks" not in before


def test_corridor_picture_only_with_a_corridor() -> None:
    assert corridor_svg(_baseline()) is None
    corridor = load_scenario(ROOT / "scenarios" / "corridor_2026.yaml")[0]
    svg = corridor_svg(corridor)
    assert svg is not None and all(g.name in svg for g in corridor.gates.values())
    assert gates_html(corridor).count("<svg") == len(corridor.gates) + 1


def test_docs_gates_md_is_current(tmp_path, monkeypatch) -> None:
    spec = importlib.util.spec_from_file_location("make_gates", ROOT / "docs" / "make_gates.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "DOCS", tmp_path)
    monkeypatch.chdir(ROOT)
    mod.main()
    assert (tmp_path / "gates.md").read_text() == (ROOT / "docs" / "gates.md").read_text()
    for svg in (tmp_path / "img").iterdir():
        assert svg.read_text() == (ROOT / "docs" / "img" / svg.name).read_text(), svg.name

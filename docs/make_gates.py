"""Write docs/gates.md and docs/img/gate_<id>.svg: a picture of each gate of the shipped
baseline, drawn from the scenario by the same function as the run report
(``gatesim.report.diagram``), so the pictures stay true to the model.

    python docs/make_gates.py [SCENARIO [CORRIDOR_SCENARIO]]
"""

from __future__ import annotations

import sys
from pathlib import Path

from gatesim.report.diagram import corridor_svg, gate_svg, stage_facts, stage_side
from gatesim.scenario.load import load_scenario

DOCS = Path(__file__).resolve().parent


def main(
    path: str = "scenarios/baseline_2026.yaml", corridor_path: str = "scenarios/corridor_2026.yaml"
) -> None:
    scenario, _ = load_scenario(Path(path))
    (DOCS / "img").mkdir(exist_ok=True)
    lines = [
        "# The gates as modelled",
        "",
        f"Drawn from `{path}` by `python docs/make_gates.py` (the same drawing as the run report's",
        '"How each gate works" section). Blue boxes are on the Vietnamese side, red-brown on the',
        "Chinese side (their hours in China's time, one hour ahead of Hanoi); the dashed red line is",
        "the border. Exports queue on the approach road before their first stage and hold a yard",
        "slot over the bracketed stages; imports arrive from the Chinese side.",
        "",
    ]
    for gid, gate in scenario.gates.items():
        (DOCS / "img" / f"gate_{gid}.svg").write_text(gate_svg(gate) + "\n", encoding="utf-8")
        lines += [f"## {gate.name} (`{gid}`)", "", f"![{gate.name}: stages in order](img/gate_{gid}.svg)", ""]
        lines += ["| stage | side | what it is | capacity | hours |", "|---|---|---|---|---|"]
        for sid in gate.stages:
            what, cap, hours = stage_facts(gate, sid)
            side = "China" if stage_side(gate, sid) == "cn" else "Vietnam"
            lines.append(f"| `{sid}` | {side} | {what} | {cap} | {hours} |")
        for d, r in gate.routes.items():
            yard = f"; yard slot from `{r.yard_from}` to `{r.yard_until}`" if r.yard_from else ""
            lines.append(f"\n{d}s: " + " → ".join(f"`{s}`" for s in r.stages) + yard + ".")
        lines.append("")
    corridor, _ = load_scenario(Path(corridor_path))
    svg = corridor_svg(corridor)
    if svg is not None:
        (DOCS / "img" / "corridor.svg").write_text(svg + "\n", encoding="utf-8")
        lines += [
            "## The corridor",
            "",
            f"From `{corridor_path}`: where trucks start and which gates they can reach.",
            "",
        ]
        lines += ["![The corridor: origins, roads and gates](img/corridor.svg)", ""]
    (DOCS / "gates.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])

"""A picture of each gate, drawn from the scenario: the stages in the order a truck meets them,
the side of the border each stage is on, its hours and servers (or lanes), the yard and the
approach road.

Drawn as inline SVG from the typed ``Scenario`` alone, so the picture cannot drift from what is
simulated: the report puts it beside a run's figures and ``docs/make_gates.py`` writes
``docs/gates.md`` from the shipped baseline with the same function.
"""

from __future__ import annotations

import html

from gatesim.model.trucks import mean_service_h
from gatesim.scenario.schema import DIRECTIONS, Gate, RoadStage, Scenario

__all__ = ["corridor_svg", "gate_svg", "gates_html", "stage_facts", "stage_side"]

_BOX_W, _BOX_H, _GAP, _LEFT, _ROW_H = 150, 74, 26, 150, 120
_SIDE_FILL = {"vn": "#e8f1fb", "cn": "#fbeee8"}
_SIDE_NAME = {"vn": "Vietnam", "cn": "China"}
_TZ_NAME = {"hanoi": "VN time", "china": "CN time"}


def stage_side(gate: Gate, stage_id: str) -> str:
    """``"cn"`` for a stage the Chinese side runs (its hours are in China's time), else ``"vn"``."""
    return "cn" if gate.stages[stage_id].hours.tz == "china" else "vn"


def _clock(hours: float) -> str:
    whole = int(hours)
    return f"{whole:02d}:{round((hours - whole) * 60):02d}"


def stage_facts(gate: Gate, stage_id: str) -> list[str]:
    """The lines written in a stage's box: what it is, its capacity and its hours."""
    stage = gate.stages[stage_id]
    h = stage.hours
    hours = "open 24 h" if h.always_open else f"{_clock(h.open_h)}–{_clock(h.close_h)} {_TZ_NAME[h.tz]}"
    if isinstance(stage, RoadStage):
        if stage.lanes_by_direction:
            lanes = " + ".join(f"{n} {d}" for d, n in stage.lanes_by_direction.items()) + " lanes"
        else:
            lanes = f"{stage.lanes} lanes" + (
                ", split by direction" if stage.lane_use == "by_direction" else ""
            )
        return [
            f"road: {lanes}",
            f"{stage.per_lane_vehicles_per_h:g} veh/lane/h, {stage.travel_min:g} min",
            hours,
        ]
    n = stage.servers
    servers = "unlimited servers" if n is None else f"{n} server{'s' if n != 1 else ''}"
    cap = f", ≤ {stage.daily_capacity}/day" if stage.daily_capacity is not None else ""
    return [stage.role, f"{servers}{cap}, ~{mean_service_h(gate, stage_id) * 60.0:.1f} min", hours]


def _text(x: float, y: float, s: str, size: int = 11, weight: str = "normal", anchor: str = "middle") -> str:
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" font-weight="{weight}" '
        f'text-anchor="{anchor}">{html.escape(s)}</text>'
    )


def _route_row(gate: Gate, direction: str, y: float) -> list[str]:
    route = gate.routes.get(direction)  # type: ignore[call-overload]
    if route is None:
        return [_text(_LEFT, y + _BOX_H / 2, f"{direction}s: no route", anchor="start")]
    out = [_text(10, y + _BOX_H / 2 + 4, f"{direction}s", 13, "bold", "start")]
    x = float(_LEFT)
    if direction == "export":  # exports queue on the approach road before their first stage
        a = gate.approach
        lanes = f"{a.lanes} lane{'s' if a.lanes != 1 else ''}"
        out.append(_text(10, y + _BOX_H / 2 + 20, f"approach road: {lanes},", 10, anchor="start"))
        out.append(_text(10, y + _BOX_H / 2 + 33, f"{a.truck_spacing_m:g} m per truck", 10, anchor="start"))
    prev_side = None
    xs: dict[str, float] = {}
    for sid in route.stages:
        side = stage_side(gate, sid)
        if prev_side is not None and side != prev_side:  # the border lies between these two stages
            bx = x - _GAP / 2
            out.append(
                f'<line x1="{bx:.0f}" y1="{y - 8:.0f}" x2="{bx:.0f}" y2="{y + _BOX_H + 8:.0f}" stroke="#b00" stroke-width="2" stroke-dasharray="5,3"/>'
            )
            out.append(_text(bx, y - 12, "border", 10))
        xs[sid] = x
        out.append(
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{_BOX_W}" height="{_BOX_H}" rx="6" '
            f'fill="{_SIDE_FILL[side]}" stroke="#567"/>'
        )
        out.append(_text(x + _BOX_W / 2, y + 16, f"{sid} ({_SIDE_NAME[side]})", 11, "bold"))
        for i, line in enumerate(stage_facts(gate, sid)):
            out.append(_text(x + _BOX_W / 2, y + 34 + 14 * i, line, 10))
        if sid != route.stages[-1]:
            out.append(
                f'<line x1="{x + _BOX_W:.0f}" y1="{y + _BOX_H / 2:.0f}" x2="{x + _BOX_W + _GAP - 4:.0f}" y2="{y + _BOX_H / 2:.0f}" stroke="#333" marker-end="url(#arrow)"/>'
            )
        x += _BOX_W + _GAP
        prev_side = side
    if gate.yard is not None and route.yard_from is not None and direction in gate.yard.used_by:
        x0, x1 = xs[route.yard_from], xs[route.yard_until] + _BOX_W
        yy = y + _BOX_H + 8
        out.append(f'<path d="M{x0:.0f},{yy:.0f} v6 H{x1:.0f} v-6" fill="none" stroke="#2a7"/>')
        out.append(
            _text((x0 + x1) / 2, yy + 20, f"holds a yard slot (yard: {gate.yard.capacity_trucks} trucks)", 10)
        )
    return out


def gate_svg(gate: Gate) -> str:
    """One gate as an SVG element: a row per direction, stages in route order."""
    n = max((len(r.stages) for r in gate.routes.values()), default=1)
    width = _LEFT + n * (_BOX_W + _GAP) + 10
    height = 30 + _ROW_H * len(DIRECTIONS)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'style="max-width:100%;height:auto" font-family="system-ui,sans-serif">',
        f"<title>{html.escape(gate.name)}: stages in order</title>",
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>',
        _text(
            10,
            18,
            f"{gate.name}: {gate.arrivals.per_day:g} trucks/day, {gate.arrivals.export_share:.0%} exports",
            13,
            "bold",
            "start",
        ),
    ]
    for i, d in enumerate(DIRECTIONS):
        parts += _route_row(gate, d, 40 + i * _ROW_H)
    parts.append("</svg>")
    return "\n".join(parts)


def corridor_svg(scenario: Scenario) -> str | None:
    """The corridor: each origin's trucks/day on the left, the gates on the right, an edge per
    road with its minutes; a gate that meters or books says so. None without a corridor."""
    c = scenario.corridor
    if c is None:
        return None
    origins, gates = list(c.origins.items()), list(scenario.gates.items())
    rows = max(len(origins), len(gates))
    height, width, ox, gx = 40 + 60 * rows, 820, 20, 560
    oy = {oid: 40 + 60 * i for i, (oid, _) in enumerate(origins)}
    gy = {gid: 40 + 60 * i for i, (gid, _) in enumerate(gates)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'style="max-width:100%;height:auto" font-family="system-ui,sans-serif">',
        "<title>The corridor: origins, roads and gates</title>",
        _text(10, 18, "The corridor: trucks/day by origin, road minutes to each gate", 13, "bold", "start"),
    ]
    for oid, o in origins:
        for gid, minutes in o.travel_min.items():
            if gid in gy:
                x0, y0, x1, y1 = ox + 220, oy[oid] + 20, gx, gy[gid] + 20
                parts.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="#9ab"/>')
                parts.append(_text(x0 + (x1 - x0) * 0.3, y0 + (y1 - y0) * 0.3 - 3, f"{minutes:g} min", 9))
        parts.append(
            f'<rect x="{ox}" y="{oy[oid]}" width="220" height="40" rx="6" fill="#f4f4f4" stroke="#567"/>'
        )
        parts.append(_text(ox + 110, oy[oid] + 17, oid, 11, "bold"))
        parts.append(
            _text(ox + 110, oy[oid] + 32, f"{o.per_day:g} trucks/day, {o.export_share:.0%} exports", 10)
        )
    for gid, g in gates:
        notes = [n for n, on in (("metered", gid in c.metering), ("booking", gid in c.booking)) if on]
        parts.append(
            f'<rect x="{gx}" y="{gy[gid]}" width="240" height="40" rx="6" fill="{_SIDE_FILL["vn"]}" stroke="#567"/>'
        )
        parts.append(_text(gx + 120, gy[gid] + 17, g.name, 11, "bold"))
        parts.append(_text(gx + 120, gy[gid] + 32, ", ".join(notes) or "walk-in", 10))
    parts.append("</svg>")
    return "\n".join(parts)


def gates_html(scenario: Scenario) -> str:
    """Every gate of the scenario, one picture each, with a legend line."""
    legend = (
        '<p class="meta">Blue: the Vietnamese side; red-brown: the Chinese side (its hours in China\'s '
        "time, one hour ahead); the dashed red line is the border. Each box: stage, capacity and mean "
        "minutes per truck, hours. Drawn from the scenario that was simulated.</p>"
    )
    pictures = [gate_svg(g) for g in scenario.gates.values()]
    corridor = corridor_svg(scenario)
    pictures += [corridor] if corridor is not None else []
    return legend + "".join(f'<div class="gate-diagram" style="overflow-x:auto">{p}</div>' for p in pictures)

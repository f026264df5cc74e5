"""A historical period's scenario: the baseline's structure + that period's volumes + its regimes.

:func:`period_overrides` turns a period of ``seeds/regimes.yaml`` into the changes to the baseline
(dates, each gate's arrivals from the period's counts, the backlog at its start as a burst on the
warm-up day, the regimes in force in their dated mechanisms, the settings that say where trucks
are held). :func:`historical_scenario` validates the result as a scenario; :func:`scenario_text`
writes it as a scenario file that extends the baseline (``python -m gatesim.evidence
feb_2022`` prints ``scenarios/history_feb_2022.yaml``).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import math
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from gatesim.errors import InputError
from gatesim.evidence.regimes import BASELINE_PATH, Mechanism, Period, RegimeEntry, Regimes, load_regimes
from gatesim.scenario.load import load_scenario, validate
from gatesim.scenario.schema import Scenario

__all__ = ["historical_scenario", "main", "period_overrides", "scenario_text"]


def _at(day: dt.date, hour: float = 0.0) -> str:
    t = dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hour)
    return t.strftime("%Y-%m-%dT%H:%M")


def _put(tree: dict, path: str, value: Any) -> None:
    *head, last = path.split(".")
    for k in head:
        tree = tree.setdefault(k, {})
    tree[last] = value


def _append(tree: dict, path: str, items: list) -> None:
    *head, last = path.split(".")
    for k in head:
        tree = tree.setdefault(k, {})
    tree.setdefault(last, []).extend(items)


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    return copy.deepcopy(over)


def _outages(r: RegimeEntry, first: dt.date, last: dt.date) -> list[dict[str, str]]:
    if r.windows:
        return [
            {"start": _at(w.date, w.from_h), "end": _at(w.date, w.to_h)}
            for w in r.windows
            if first <= w.date <= last
        ]
    start, end = max(r.start, first), min(r.end or last, last)
    return [{"start": _at(start), "end": _at(end + dt.timedelta(days=1))}]


def _seasons(r: RegimeEntry, s: Any) -> list[dict[str, Any]]:
    out = [
        {
            "name": r.id,
            "start": r.start.isoformat(),
            "end": (r.end or dt.date.max).isoformat(),
            "multiplier": s.multiplier,
            "directions": list(s.directions),
            "cargo": list(s.cargo),
        }
    ]
    if s.release_days and r.end is not None:
        held_days = (r.end - r.start).days + 1
        release_start = r.end + dt.timedelta(days=1)
        out.append(
            {
                "name": f"{r.id}-release",
                "start": release_start.isoformat(),
                "end": (release_start + dt.timedelta(days=s.release_days - 1)).isoformat(),
                # the held-back days' trucks spread evenly over release_days, on top of the usual flow
                "multiplier": round(1.0 + (1.0 - s.multiplier) * held_days / s.release_days, 6),
                "directions": list(s.directions),
                "cargo": list(s.cargo),
            }
        )
    return out


def _dated(r: RegimeEntry, first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The regime's days inside the simulated days."""
    return max(r.start, first), min(r.end or last, last)


def _outage(over: dict, r: RegimeEntry, rule: Any, first: dt.date, last: dt.date) -> None:
    for stage in rule.stages:
        _append(over, f"gates.{rule.gate}.stages.{stage}.outages", _outages(r, first, last))


def _servers(over: dict, r: RegimeEntry, rule: Any, first: dt.date, last: dt.date) -> None:
    start, end = _dated(r, first, last)
    entry = {"start": start.isoformat(), "end": end.isoformat(), "servers": rule.servers}
    _append(over, f"gates.{rule.gate}.stages.{rule.stage}.server_schedule", [entry])


def _capacity(over: dict, r: RegimeEntry, rule: Any, first: dt.date, last: dt.date) -> None:
    _put(over, f"gates.{rule.gate}.stages.{rule.stage}.daily_capacity", rule.daily_capacity)


def _hours(over: dict, r: RegimeEntry, rule: Any, first: dt.date, last: dt.date) -> None:
    for stage in rule.stages:
        hours = {"tz": rule.tz, "open_h": rule.open_h, "close_h": rule.close_h}
        _put(over, f"gates.{rule.gate}.stages.{stage}.hours", hours)


def _lanes(over: dict, r: RegimeEntry, rule: Any, first: dt.date, last: dt.date) -> None:
    _put(over, f"gates.{rule.gate}.stages.road.lanes", rule.lanes)


def _holiday(over: dict, r: RegimeEntry, rule: Any, first: dt.date, last: dt.date) -> None:
    item = {
        "name": r.id,
        "kind": rule.kind,
        "start": r.start.isoformat(),
        "end": (r.end or last).isoformat(),
        "gates": list(rule.gates),
        "arrival_multiplier": rule.arrival_multiplier,
    }
    _append(over, "calendar.regimes", [item])


def _season(over: dict, r: RegimeEntry, rule: Any, first: dt.date, last: dt.date) -> None:
    _append(over, "calendar.seasons", _seasons(r, rule))


def _stop(over: dict, r: RegimeEntry, rule: Any, first: dt.date, last: dt.date) -> None:
    start, end = _dated(r, first, last)
    stop = {
        "gate": rule.gate,
        "cargo": rule.cargo,
        "start": _at(start),
        "end": _at(end + dt.timedelta(days=1)),
    }
    _append(over, "corridor.stops", [stop])


_APPLY = {
    "outage": _outage,
    "servers": _servers,
    "capacity": _capacity,
    "hours": _hours,
    "lanes": _lanes,
    "holiday": _holiday,
    "season": _season,
    "stop": _stop,
}


def _apply(over: dict, r: RegimeEntry, m: Mechanism, p: Period, file: str, corridor: bool) -> None:
    first, last = p.first_day, p.last_day
    if m.kind == "stop" and not corridor:
        raise InputError(
            f"regime {r.id!r} stops a cargo class at a gate: that needs a corridor scenario",
            file=file,
            key="stop",
            allowed="a corridor base scenario, or a season with multiplier 0 (trucks held at origin)",
        )
    if m.period_wide and not r.covers(first, last):
        raise InputError(
            f"regime {r.id!r} ({m.kind}) is in force over part of the period only; "
            f"a {m.kind} setting has no date in the scenario",
            file=file,
            key=f"periods: {first}..{last}",
            allowed="a period inside the regime's dates, or a dated mechanism",
        )
    _APPLY[m.kind](over, r, m.rule, first, last)


def _volumes(over: dict, p: Period, base: dict) -> None:
    for gid, g in p.gates.items():
        total = g.export_per_day + g.import_per_day
        share = g.export_per_day / total if total else 0.0
        mix = dict(base["gates"][gid]["arrivals"]["cargo_mix"])
        mix["export"] = dict(p.export_cargo_mix)
        _put(
            over,
            f"gates.{gid}.arrivals",
            {"per_day": total, "export_share": round(share, 6), "cargo_mix": mix},
        )
    backlog = [g.backlog_exports / g.export_per_day for g in p.gates.values() if g.backlog_exports]
    if backlog:  # the stated rule: the day's own exports plus the backlog, on the last warm-up day
        day = (p.start - dt.timedelta(days=1)).isoformat()
        burst = {
            "name": "backlog",
            "start": day,
            "end": day,
            "multiplier": math.ceil((1.0 + max(backlog)) * 10) / 10,  # rounded up to a tenth
            "directions": ["export"],
        }
        _append(over, "calendar.seasons", [burst])


def period_overrides(name: str, regimes: Regimes | None = None, baseline: str | Path | None = None) -> dict:
    """The changes to the baseline that replay period ``name`` (a nested mapping)."""
    regimes = regimes if regimes is not None else load_regimes()
    if name not in regimes.periods:
        raise InputError("no such period", file=regimes.file, given=name, allowed=", ".join(regimes.periods))
    p = regimes.periods[name]
    _, base = load_scenario(Path(baseline) if baseline else BASELINE_PATH)
    over: dict[str, Any] = {
        "name": f"history_{name}",
        "description": p.what,
        "run": {"days": p.days},
        "calendar": {
            "start_date": p.start.isoformat(),
            "warmup_days": p.warmup_days,
            "drain_days": 0,
            "seasons": [],
            "regimes": [],
        },
        "growth": {"volume_multiplier": 1.0, "per_year": 0.0},
    }
    _volumes(over, p, base)
    for r in regimes.in_force(p):
        for m in r.apply:
            _apply(over, r, m, p, regimes.file, base.get("corridor") is not None)
    for s in p.set:
        _put(over, s.path, s.value)
    over["sources"] = _sources(p, regimes)
    return over


def _paths(m: Mechanism) -> list[str]:
    """The scenario key paths a mechanism sets."""
    r = m.rule
    if m.kind in ("holiday", "season", "stop"):
        return {"holiday": ["calendar.regimes"], "season": ["calendar.seasons"], "stop": ["corridor.stops"]}[
            m.kind
        ]
    if m.kind == "lanes":
        return [f"gates.{r.gate}.stages.road.lanes"]
    key = {"outage": "outages", "servers": "server_schedule", "capacity": "daily_capacity", "hours": "hours"}[
        m.kind
    ]
    stages = getattr(r, "stages", None) or [r.stage]
    return [f"gates.{r.gate}.stages.{s}.{key}" for s in stages]


def _sources(p: Period, regimes: Regimes) -> dict[str, dict[str, str]]:
    """A ``sources:`` entry for every key the period sets, citing the regimes and counts behind it."""
    cite = " ".join(f"[{s}]" for s in p.sources)
    out: dict[str, dict[str, str]] = {
        "calendar.start_date": {"basis": "public", "source": cite, "reason": p.what},
        "calendar.seasons": {
            "basis": "public",
            "source": cite,
            "reason": f"the backlog: {p.backlog_rule or 'none'}",
        },
    }
    for gid in p.gates:
        out[f"gates.{gid}.arrivals"] = {"basis": "public", "source": cite, "reason": p.volumes_rule}
    for r in regimes.in_force(p):
        why = f"{r.id}: {r.what}" + (f" ({r.note})" if r.note else "")
        for m in r.apply:
            for key in _paths(m):
                entry = out.setdefault(key, {"basis": "public", "source": "", "reason": ""})
                ids = " ".join(f"[{s}]" for s in r.sources)
                entry["source"] = f"{entry['source']} {ids}".strip()
                entry["reason"] = f"{entry['reason']}; {why}".strip("; ")
    for s in p.set:
        out[s.path] = {"basis": "public", "source": " ".join(f"[{x}]" for x in s.sources), "reason": s.reason}
    return out


def historical_scenario(
    name: str, regimes: Regimes | None = None, baseline: str | Path | None = None
) -> tuple[Scenario, dict]:
    """The period's scenario, validated: the baseline with :func:`period_overrides` merged in."""
    base_path = Path(baseline) if baseline else BASELINE_PATH
    _, base = load_scenario(base_path)
    data = _merge(base, period_overrides(name, regimes, base_path))
    return validate(data, None, f"history_{name}"), data


def scenario_text(name: str, regimes: Regimes | None = None) -> str:
    """The period's scenario file: extends the baseline, with the period's changes and their sources."""
    over = period_overrides(name, regimes)
    yaml = YAML()
    yaml.default_flow_style = None
    yaml.width = 120
    buf = io.StringIO()
    yaml.dump({"extends": "baseline_2026.yaml", **over}, buf)
    head = (
        f"# Generated by `python -m gatesim.evidence {name}` from seeds/regimes.yaml and\n"
        "# seeds/bulletins.csv: the baseline's structure, the period's volumes and its regimes.\n"
        "# Do not edit: change the regimes file and regenerate.\n"
    )
    return head + buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m gatesim.evidence PERIOD", file=sys.stderr)
        return 2
    try:
        sys.stdout.write(scenario_text(args[0]))
    except InputError as e:
        print(f"gatesim: error: {e}", file=sys.stderr)
        return 2
    return 0

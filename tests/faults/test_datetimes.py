"""Date-times as people write them: every form accepted in every date-time field, from a file
and from --set, written back in one form (scenario.resolved.yaml), read back to the same instant."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from faultkit import BASELINE, ROOT, cli, one_line

from gatesim.outputs import write_yaml
from gatesim.scenario.load import load_scenario, read_yaml

CORRIDOR = ROOT / "scenarios" / "corridor_2026.yaml"
ROAD = "gates.tan_thanh.stages.road"
WHEN = dt.datetime(2026, 1, 2, 8, 0)  # Hanoi time

# (as written in YAML, the Hanoi instant it means)
FORMS = [
    ("2026-01-02T08:00:00", WHEN),  # a YAML timestamp
    ("2026-01-02 08:00:00", WHEN),  # a YAML timestamp with a space
    ('"2026-01-02T08:00"', WHEN),  # quoted ISO text
    ('"2026-01-02 08:00"', WHEN),
    ("2026-01-02T01:00:00Z", WHEN),  # aware: converted to Hanoi time
    ("2026-01-02T09:00:00+08:00", WHEN),
    ('"2026-01-02T01:00+00:00"', WHEN),
    ("2026-01-02", dt.datetime(2026, 1, 2)),  # a date alone: 00:00 of that day
    ("2026-01-02T08:00:30", WHEN.replace(second=30)),
]

# Every date-time field of the scenario: (base file, list key, entry with START and END placeholders, getter)
FIELDS = {
    "outage": (
        BASELINE,
        f"{ROAD}.outages",
        "{start: START, end: END}",
        lambda s: s.gates["tan_thanh"].stages["road"].outages[0],
    ),
    "corridor_stop": (
        CORRIDOR,
        "corridor.stops",
        "{gate: tan_thanh, cargo: fruit, start: START, end: END}",
        lambda s: s.corridor.stops[0],
    ),
}
END = "2026-01-03T10:00:00"


def _entry(template: str, start: str) -> str:
    return template.replace("START", start).replace("END", END)


def _file(tmp_path: Path, base: Path, key: str, entry: str) -> Path:
    parts = key.split(".")
    text = f"extends: {base}\n"
    for depth, p in enumerate(parts[:-1]):
        text += "  " * depth + f"{p}:\n"
    text += "  " * (len(parts) - 1) + f"{parts[-1]}:\n" + "  " * len(parts) + f"- {entry}\n"
    f = tmp_path / "s.yaml"
    f.write_text(text, encoding="utf-8")
    return f


def _round_trip(tmp_path: Path, scenario, resolved):
    """Write the resolved data as a run does, read it back: the same scenario, the same data."""
    out = tmp_path / "scenario.resolved.yaml"
    write_yaml(out, resolved)
    again, again_resolved = load_scenario(out)
    assert again == scenario
    assert again_resolved == resolved
    return read_yaml(out)


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("written, meant", FORMS, ids=[f[0] for f in FORMS])
def test_every_form_from_a_file_round_trips(tmp_path, field, written, meant):
    base, key, template, get = FIELDS[field]
    scenario, resolved = load_scenario(_file(tmp_path, base, key, _entry(template, written)))
    assert get(scenario).start == meant and get(scenario).start.tzinfo is None
    _round_trip(tmp_path, scenario, resolved)


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("written, meant", FORMS, ids=[f[0] for f in FORMS])
def test_every_form_from_set_round_trips(tmp_path, field, written, meant):
    base, key, template, get = FIELDS[field]
    scenario, resolved = load_scenario(base, [f"{key}=[{_entry(template, written)}]"])
    assert get(scenario).start == meant
    _round_trip(tmp_path, scenario, resolved)


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_one_instant_written_two_ways_is_one_resolved_scenario(tmp_path, field):
    base, key, template, _ = FIELDS[field]
    written = {form for form, meant in FORMS if meant == WHEN}
    resolved = [load_scenario(base, [f"{key}=[{_entry(template, w)}]"])[1] for w in sorted(written)]
    assert all(r == resolved[0] for r in resolved)
    text = str(resolved[0])
    assert "'2026-01-02T08:00'" in text  # the canonical form: ISO, Hanoi time, to the minute


@pytest.mark.parametrize(
    "written, fragments",
    [
        ('"2026-13-02T08:00"', ["start", "not a date-time"]),
        ('"noon"', ["start", "not a date-time"]),
        ("2026-01-02T08:00:00+25:00", ["YAML"]),
        ('"1800-01-02T08:00"', ["start", "year 1800"]),
        ("true", ["start"]),
        ("[1, 2]", ["start"]),
    ],
)
def test_a_bad_date_time_is_one_line(tmp_path, written, fragments):
    entry = _entry(FIELDS["outage"][2], written)
    result, lines = cli(
        "run", BASELINE, "--set", f"{ROAD}.outages=[{entry}]", "--days", "1", "-r", "1", "-q",
        "--out", tmp_path / "o",
    )  # fmt: skip
    if "YAML" in fragments:  # an offset past 24 h is not a YAML timestamp: read as text, then refused
        fragments = ["start"]
    one_line(result, lines, 2, *fragments)
    assert not (tmp_path / "o").exists()


def test_aware_and_naive_ends_compare(tmp_path):
    """A zone on one end only was a TypeError (offset-naive and offset-aware) before."""
    entry = "{start: 2026-01-02T08:00:00, end: 2026-01-02T02:00:00Z}"
    scenario, _ = load_scenario(BASELINE, [f"{ROAD}.outages=[{entry}]"])
    o = scenario.gates["tan_thanh"].stages["road"].outages[0]
    assert (o.start, o.end) == (WHEN, WHEN.replace(hour=9))
    bad = "{start: 2026-01-02T08:00:00, end: 2026-01-02T00:00:00Z}"  # 07:00 Hanoi: before the start
    result, lines = cli("run", BASELINE, "--set", f"{ROAD}.outages=[{bad}]", "-q", "--out", tmp_path / "o")
    one_line(result, lines, 2, "end", "not after start")


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_a_run_with_yaml_timestamps_writes_its_resolved_scenario(tmp_path, engine):
    f = _file(
        tmp_path, BASELINE, f"{ROAD}.outages", "{start: 2026-01-02T08:00:00, end: 2026-01-02T03:00:00Z}"
    )
    out = tmp_path / "o"
    result, _ = cli("run", f, "--days", "1", "-r", "1", "-q", "--engine", engine, "--out", out)
    assert result.exit_code == 0, result.output
    outage = read_yaml(out / "scenario.resolved.yaml")["gates"]["tan_thanh"]["stages"]["road"]["outages"][0]
    assert outage == {"start": "2026-01-02T08:00", "end": "2026-01-02T10:00"}


def test_a_corridor_run_with_a_yaml_timestamp_stop(tmp_path):
    stop = "{gate: tan_thanh, cargo: fruit, start: 2026-01-02T08:00:00, end: 2026-01-03T00:00:00}"
    out = tmp_path / "o"
    result, _ = cli(
        "run", CORRIDOR, "--set", f"corridor.stops=[{stop}]", "--days", "1", "-r", "1", "-q", "--out", out
    )
    assert result.exit_code == 0, result.output
    assert read_yaml(out / "scenario.resolved.yaml")["corridor"]["stops"][0]["start"] == "2026-01-02T08:00"

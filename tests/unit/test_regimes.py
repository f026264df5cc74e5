"""Regimes: dated events in the engine's mechanisms, checked against the sources and the baseline;
a historical period's scenario built from the baseline, the period's volumes and its regimes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gatesim.errors import InputError
from gatesim.evidence.history import historical_scenario, main, period_overrides, scenario_text
from gatesim.evidence.regimes import REGIMES_PATH, load_regimes
from gatesim.evidence.sources import REPO_ROOT, load_sources
from gatesim.run import run_scenario

_ONE = """\
regimes:
  - id: closed-2025-04
    what: a closure
    start: 2025-04-10
    end: 2025-04-12
    sources: [vrviet-2025-04-14]
    apply:
      - outage: {gate: huu_nghi, stages: [cn_acceptance]}
"""

_PERIOD = """\
periods:
  apr_2025:
    what: a test period
    start: 2025-04-14
    days: 4
    warmup_days: 1
    sources: [evrimagaci-2025-04-27]
    gates:
      huu_nghi: {export_per_day: 300, import_per_day: 600}
    export_cargo_mix: {fruit: 0.7, electronics: 0.2, other: 0.1}
    volumes_rule: a stated rule
"""


@pytest.fixture(scope="module")
def sources():
    return load_sources()


@pytest.fixture(scope="module")
def regimes(sources):
    return load_regimes(sources=sources)


@pytest.fixture(scope="module")
def feb(regimes):
    return historical_scenario("feb_2022", regimes)[0]


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "regimes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_repository_regimes_load_and_cite(regimes, sources):
    assert len(regimes.regimes) >= 20
    kinds = {m.kind for r in regimes.regimes for m in r.apply}
    assert {"outage", "capacity", "hours", "lanes", "holiday", "season"} <= kinds
    for r in regimes.regimes:
        assert all(s in sources for s in r.sources), r.id
        assert bool(r.apply) != bool(r.not_modelled), r.id
    assert REGIMES_PATH.is_file()


def test_the_february_2022_scenario_has_the_periods_volumes(feb):
    hn, tt = feb.gates["huu_nghi"].arrivals, feb.gates["tan_thanh"].arrivals
    assert (hn.per_day, round(hn.per_day * hn.export_share)) == (432, 92)  # 92 exports + 340 imports
    assert (tt.per_day, tt.export_share) == (78, 1.0)
    assert feb.gates["chi_ma"].arrivals.per_day == 0 == feb.gates["coc_nam"].arrivals.per_day
    assert (feb.calendar.start_date, feb.run.days, feb.calendar.warmup_days) == (dt.date(2022, 2, 11), 10, 1)
    assert feb.growth.volume_multiplier == 1.0 and feb.calendar.regimes == []  # no 2026 Tết


def test_the_february_2022_scenario_has_its_regimes(feb):
    seasons = {s.name: s for s in feb.calendar.seasons}
    assert seasons["backlog"].multiplier == 10.8 and seasons["backlog"].start == dt.date(2022, 2, 10)
    stop, release = seasons["fruit-stop-2022-02"], seasons["fruit-stop-2022-02-release"]
    assert (stop.multiplier, stop.cargo, stop.directions) == (0, ["fruit"], ["export"])
    assert release.start == dt.date(2022, 2, 26) and release.multiplier == 2.0  # 10 held days over 10
    assert feb.gates["tan_thanh"].stages["cn_acceptance"].daily_capacity == 39
    assert feb.gates["huu_nghi"].stages["cn_acceptance"].daily_capacity == 69
    assert feb.gates["huu_nghi"].stages["road"].lanes == 4
    (out,) = feb.gates["chi_ma"].stages["cn_acceptance"].outages
    assert (out.start, out.end) == (dt.datetime(2022, 2, 10), dt.datetime(2022, 2, 21))
    assert feb.gates["tan_thanh"].yard.capacity_trucks == 2500  # held in the yards the sources name


@pytest.mark.parametrize("period", ["feb_2022", "jan_2022", "may_2023"])
def test_the_scenario_files_are_the_builders_output(regimes, period):
    path = REPO_ROOT / "scenarios" / f"history_{period}.yaml"
    assert path.read_text(encoding="utf-8") == scenario_text(period, regimes)


def test_the_january_2022_scenario_closes_tan_thanh_and_restricts_the_others(regimes):
    jan, _ = historical_scenario("jan_2022", regimes)
    (out,) = jan.gates["tan_thanh"].stages["cn_acceptance"].outages
    assert (out.start, out.end) == (dt.datetime(2021, 12, 27), dt.datetime(2022, 1, 17))
    assert jan.gates["chi_ma"].stages["cn_acceptance"].daily_capacity == 25
    assert jan.gates["huu_nghi"].stages["cn_acceptance"].daily_capacity == 69
    # 1 + 566 / 16 at Chi Ma, the largest backlog over a day's exports, rounded up to a tenth
    assert {s.name: s.multiplier for s in jan.calendar.seasons} == {"backlog": 36.4}


def test_the_february_2022_run_clears_at_the_restricted_rate(feb):
    result = run_scenario(feb, days=4, replications=1)
    s = result.summary.set_index("gate")
    assert s.loc["tan_thanh", "throughput_per_day"] == pytest.approx(39, abs=1)
    assert s.loc["chi_ma", "departures"] == 0
    assert s.loc["tan_thanh", "waiting_at_20h_mean"] > 500  # the backlog entered on the warm-up day


def test_windows_become_outages_and_period_wide_settings_must_cover(tmp_path, sources):
    body = _ONE.replace(
        "start: 2025-04-10\n    end: 2025-04-12\n", "start: 2025-04-15\n    end: 2025-04-16\n"
    )
    body = body.replace(
        "    sources: [vrviet-2025-04-14]\n",
        "    windows:\n"
        "      - {date: 2025-04-15, from_h: 7, to_h: 10}\n"
        "      - {date: 2025-04-16, from_h: 12.5, to_h: 14}\n"
        "    sources: [vrviet-2025-04-14]\n",
    )
    regimes = load_regimes(_file(tmp_path, body + _PERIOD), sources)
    over = period_overrides("apr_2025", regimes)
    outages = over["gates"]["huu_nghi"]["stages"]["cn_acceptance"]["outages"]
    assert outages == [
        {"start": "2025-04-15T07:00", "end": "2025-04-15T10:00"},
        {"start": "2025-04-16T12:30", "end": "2025-04-16T14:00"},
    ]
    partial = _ONE.replace(
        "      - outage: {gate: huu_nghi, stages: [cn_acceptance]}",
        "      - capacity: {gate: huu_nghi, stage: cn_acceptance, daily_capacity: 50}",
    ).replace("end: 2025-04-12", "end: 2025-04-15")
    regimes = load_regimes(_file(tmp_path, partial + _PERIOD), sources)
    with pytest.raises(InputError, match="in force over part of the period only"):
        period_overrides("apr_2025", regimes)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("gate: huu_nghi", "gate: lao_cai", "apply.0.outage: no such gate in the baseline; given 'lao_cai'"),
        ("[cn_acceptance]", "[customs]", "apply.0.outage: no such stage at huu_nghi; given 'customs'"),
        ("[vrviet-2025-04-14]", "[nobody-2025]", "regimes.0.sources.0: not an entry of seeds/sources.yaml"),
        ("end: 2025-04-12", "end: 2025-04-01", "is before start"),
        (
            "    apply:\n      - outage: {gate: huu_nghi, stages: [cn_acceptance]}\n",
            "    apply: []\n",
            "not_modelled",
        ),
        (
            "      - outage: {gate: huu_nghi, stages: [cn_acceptance]}",
            "      - {outage: {gate: huu_nghi, stages: [cn_acceptance]}, lanes: {gate: huu_nghi, lanes: 4}}",
            "one mechanism per item",
        ),
        (
            "      - outage: {gate: huu_nghi, stages: [cn_acceptance]}",
            "      - hours: {gate: huu_nghi, stages: [cn_acceptance], tz: china, open_h: 20, close_h: 8}",
            "apply.0.hours: not a valid hours",
        ),
        ("    what: a closure\n", "    what: a closure\n    colour: red\n", "unknown key"),
    ],
)
def test_a_bad_regime_is_refused_in_one_line(tmp_path, sources, old, new, message):
    assert old in _ONE
    path = _file(tmp_path, _ONE.replace(old, new))
    with pytest.raises(InputError) as err:
        load_regimes(path, sources)
    text = str(err.value)
    assert message in text and str(path) in text and "\n" not in text


def test_an_unknown_period_is_refused_and_the_command_exits_2(capsys, regimes):
    with pytest.raises(InputError, match="no such period; given 'may_1999'; allowed: feb_2022"):
        period_overrides("may_1999", regimes)
    assert main(["may_1999"]) == 2
    assert "no such period" in capsys.readouterr().err
    assert main([]) == 2


def test_tet_regimes_become_holidays_and_a_stop_needs_a_corridor(tmp_path, sources):
    tet = """\
regimes:
  - id: tet-2024
    what: Tết
    start: 2024-02-10
    end: 2024-02-13
    sources: [quochoitv-2024-02]
    apply:
      - holiday: {kind: closed, gates: [huu_nghi, tan_thanh], arrival_multiplier: 0.05}
  - id: fruit-stop-2024
    what: a stop
    start: 2024-02-12
    end: 2024-02-12
    sources: [quochoitv-2024-02]
    apply:
      - stop: {gate: tan_thanh, cargo: fruit}
"""
    period = _PERIOD.replace("apr_2025", "feb_2024").replace("2025-04-14", "2024-02-09")
    regimes = load_regimes(
        _file(
            tmp_path,
            tet.replace(
                "      - stop: {gate: tan_thanh, cargo: fruit}\n",
                "      - servers: {gate: tan_thanh, stage: declaration, servers: 4}\n",
            )
            + period,
        ),
        sources,
    )
    sc, _ = historical_scenario("feb_2024", regimes)
    (holiday,) = sc.calendar.regimes
    assert (holiday.name, holiday.kind, holiday.gates) == ("tet-2024", "closed", ["huu_nghi", "tan_thanh"])
    (entry,) = sc.gates["tan_thanh"].stages["declaration"].server_schedule
    assert (entry.start, entry.end, entry.servers) == (dt.date(2024, 2, 12), dt.date(2024, 2, 12), 4)
    with pytest.raises(InputError, match="needs a corridor scenario"):
        period_overrides("feb_2024", load_regimes(_file(tmp_path, tet + period), sources))

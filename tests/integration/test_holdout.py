"""``gatesim validate``: the series projection on a run's log, the command on a tiny case, refusals."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from gatesim.events.kinds import Kind
from gatesim.evidence.bulletins import Bulletin, parse_count
from gatesim.evidence.regimes import Period
from gatesim.run import run_replication
from gatesim.scenario.load import load_scenario
from gatesim.trust.evaluate import measure_task
from gatesim.trust.holdout import published_points
from gatesim.trust.measure import sim_hour
from tests.faults.faultkit import cli, one_line, snapshot
from tests.helpers.trust_cases import write_case

ENSEMBLE = "scenarios/baseline_2026.ensemble.csv"


def _row(line: int, day: str, place: str, waiting: str = "", cleared: str = "") -> Bulletin:
    return Bulletin(
        date=dt.date.fromisoformat(day),
        hour=20 if waiting else None,
        place=place,
        direction="export",
        cargo="all",
        days=1,
        vehicles_waiting=parse_count(waiting),
        vehicles_cleared=parse_count(cleared),
        arrivals=None,
        arrivals_derived=False,
        source="seed-000",
        note="",
        line=line,
    )


@pytest.mark.integration
def test_the_series_projection_counts_what_a_hand_count_of_the_log_gives(tmp_path):
    paths = write_case(tmp_path, accept=4.0)  # 400 exports a day, ~180 accepted: a queue builds
    sc, _ = load_scenario(paths["scenario"])
    gate = next(iter(sc.gates))
    period = Period(
        what="a test period",
        start=dt.date(2026, 3, 2),
        days=2,
        warmup_days=0,
        sources=["seed-000"],
        gates={gate: {"export_per_day": 400, "import_per_day": 0}},
        export_cargo_mix={"fruit": 1.0},
        volumes_rule="the case's",
    )
    rows = [_row(2, "2026-03-03", gate, waiting="300"), _row(3, "2026-03-03", gate, cleared="180")]
    pts = published_points("test", period, rows, "regimes.yaml")
    rules = tuple((p.id, r, json.dumps(a)) for p in pts for r, a in [p.rule()])
    rec = measure_task(sc, 2, 0, 11, rules=rules)
    assert rec["error"] == ""
    got = rec["rows"][0]
    log = run_replication(sc, 2, 0, 11)
    at = sim_hour(log, dt.date(2026, 3, 3), 20.0)
    arrived = set(log.truck[(log.kind == Kind.ARRIVED) & (log.t_h <= at)].tolist())
    crossed = set(log.truck[(log.kind == Kind.CROSSED) & (log.t_h <= at)].tolist())
    day0, day1 = sim_hour(log, dt.date(2026, 3, 3)), sim_hour(log, dt.date(2026, 3, 4))
    cleared = int(((log.kind == Kind.CROSSED) & (log.t_h >= day0) & (log.t_h < day1)).sum())
    assert got["L2-waiting"] == len(arrived - crossed) > 100  # all exports: the count is every truck
    assert got["L3-cleared"] == cleared > 100


@pytest.mark.slow  # several seconds: the slow tier, so the default tier stays under 10 min
@pytest.mark.integration
def test_validate_on_two_worlds_and_two_days_writes_its_tables(tmp_path):
    out = tmp_path / "v"
    args = ["validate", ENSEMBLE, "feb_2022", "--out", out, "--worlds", "2", "--days", "2", "-r", "1"]
    result, lines = cli(*args, "-j", "1", "-q")
    assert result.exit_code == 0, (result.output, lines)
    for name in ("scores.csv", "points.csv", "changes.csv", "worlds.csv"):
        assert (out / name).is_file(), name
    scores = pd.read_csv(out / "scores.csv")
    assert scores.loc[0, "period"] == "feb_2022" and scores.loc[0, "worlds_ok"] == 2
    points = pd.read_csv(out / "points.csv")
    held = points[points["role"] == "held out"]
    assert len(held) == scores.loc[0, "points_held_out"] >= 1  # 11 Feb: 70-90 cleared at three gates
    assert held["worlds"].eq(2).all() and held["median"].notna().all()
    worlds = pd.read_csv(out / "worlds.csv")
    assert set(worlds["set_id"]) == set(pd.read_csv(ENSEMBLE)["set_id"].iloc[[0, -1]])
    assert "feb_2022" in result.output and "inside the 90% band" in result.output
    # other options into the same folder: refused in one line, the first validation left whole
    before = snapshot(out)
    result, lines = cli(*args[:6], "3", *args[7:], "-j", "1", "-q")
    one_line(result, lines, 2, "holds the runs of another validation", "--out")
    assert snapshot(out) == before


@pytest.mark.integration
@pytest.mark.parametrize(
    "extra, fragments",
    [
        (["no_such_period"], ["no such period", "regimes.yaml", "feb_2022"]),
        (["may_2023", "--days", "2"], ["may_2023 has no published count left out of its inputs"]),
    ],
)
def test_validate_refuses_in_one_line_and_writes_nothing(tmp_path, extra, fragments):
    out = tmp_path / "v"
    result, lines = cli("validate", ENSEMBLE, *extra, "--out", out, "--worlds", "2", "-q")
    one_line(result, lines, 2, *fragments)
    assert not out.exists()


@pytest.mark.integration
def test_validate_refuses_a_period_with_no_published_points(tmp_path):
    empty = tmp_path / "bulletins.csv"  # one count, none in February 2022
    empty.write_text(
        "date,hour,place,direction,cargo,days,vehicles_waiting,vehicles_cleared,arrivals,arrivals_derived,"
        "source,note\n2026-02-01,,province,unstated,all,,488,,,false,eliteshipping-2026-02-02,a count of 2026\n",
        encoding="utf-8",
    )
    out = tmp_path / "v"
    result, lines = cli("validate", ENSEMBLE, "feb_2022", "--bulletins", empty, "--out", out, "-q")
    one_line(result, lines, 2, "feb_2022 has no published count")
    assert not out.exists()


@pytest.mark.integration
def test_validate_refuses_a_folder_holding_something_else(tmp_path):
    out = tmp_path / "v"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    result, lines = cli("validate", ENSEMBLE, "feb_2022", "--out", out, "-q")
    one_line(result, lines, 2, "--out", "not a validation directory")
    assert snapshot(out) == {"notes.txt": b"mine"}

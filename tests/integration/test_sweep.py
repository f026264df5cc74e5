"""Sweep files, their expansion, task ids, and local runs (serial = parallel, failures, refusal)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.errors import InputError
from gatesim.sweep import load_sweep, run_sweep, task_id

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "baseline_2026.yaml"
LANES = "gates.tan_thanh.stages.road.lanes"
GROWTH = "growth.volume_multiplier"
CLOSE = "gates.tan_thanh.stages.cn_acceptance.hours.close_h"

SMALL = f"""\
base: {BASE}
seed: 7
days: 1
replications: 2
set: ["calendar.warmup_days=0"]
parameters:
  {LANES}: [4, 8]
  {GROWTH}: {{start: 1.0, stop: 1.2, step: 0.2}}
"""


def write(tmp_path: Path, text: str, name: str = "sweep.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_grid_is_the_full_factorial_in_key_path_order(tmp_path):
    sweep = load_sweep(write(tmp_path, SMALL))
    assert sweep.param_names == sorted([LANES, GROWTH])
    assert [p.params for p in sweep.points] == [
        {LANES: 4, GROWTH: 1.0},
        {LANES: 4, GROWTH: 1.2},
        {LANES: 8, GROWTH: 1.0},
        {LANES: 8, GROWTH: 1.2},
    ]
    # each point's scenario carries its values; ranges do not drift (1.2, not 1.2000000000000002)
    assert [p.scenario.gates["tan_thanh"].stages["road"].lanes for p in sweep.points] == [4, 4, 8, 8]
    assert sweep.points[3].scenario.growth.volume_multiplier == 1.2
    assert sweep.points[0].scenario.calendar.warmup_days == 0  # the sweep's fixed `set:`
    assert (sweep.days, sweep.replications, sweep.seed, len(sweep.tasks)) == (1, 2, 7, 8)
    assert len({t.id for t in sweep.tasks}) == 8


def test_example_sweep_files_load():
    a = load_sweep(ROOT / "scenarios/sweeps/tan_thanh_lanes_hours.yaml")
    assert len(a.points) == 9 and {p.params[LANES] for p in a.points} == {4, 6, 8}
    assert {p.params[CLOSE] for p in a.points} == {20, 21, 22}
    b = load_sweep(ROOT / "scenarios/sweeps/growth_fee_automation_lhs.yaml")
    assert len(b.points) == 12 and b.spec.design == "lhs"


LHS = f"""\
base: {BASE}
design: lhs
n: 10
seed: 3
parameters:
  {GROWTH}: {{low: 1.0, high: 2.0}}
  {LANES}: {{low: 2, high: 11}}
  {CLOSE}: {{values: [20, 21]}}
"""


def test_lhs_is_stratified_seeded_and_typed(tmp_path):
    sweep = load_sweep(write(tmp_path, LHS))
    pts = [p.params for p in sweep.points]
    assert len(pts) == 10
    # Latin hypercube: one point in each tenth of every interval.
    assert sorted(int((p[GROWTH] - 1.0) * 10) for p in pts) == list(range(10))
    assert sorted(p[LANES] for p in pts) == list(range(2, 12))  # integer bounds -> integers
    assert all(isinstance(p[LANES], int) for p in pts)
    assert sorted(p[CLOSE] for p in pts) == [20] * 5 + [21] * 5
    assert [p.params for p in load_sweep(write(tmp_path, LHS, "again.yaml")).points] == pts
    other = load_sweep(write(tmp_path, LHS.replace("seed: 3", "seed: 4"), "other.yaml"))
    assert [p.params for p in other.points] != pts


@pytest.mark.parametrize("text", [SMALL, LHS], ids=["grid", "lhs"])
def test_points_and_task_ids_do_not_depend_on_key_order(tmp_path, text):
    lines = text.splitlines()
    i = lines.index("parameters:")
    head, params = lines[:i], lines[i + 1 :]
    shuffled = "\n".join([*reversed(head), "parameters:", *reversed(params)]) + "\n"
    a, b = load_sweep(write(tmp_path, text, "a.yaml")), load_sweep(write(tmp_path, shuffled, "b.yaml"))
    assert [(t.id, t.point, t.replication) for t in a.tasks] == [
        (t.id, t.point, t.replication) for t in b.tasks
    ]
    assert [p.params for p in a.points] == [p.params for p in b.points]
    assert a.hash == b.hash and a.seed == b.seed


def test_task_id_is_a_function_of_values_and_replication():
    assert task_id({"a": 1, "b": 2.5}, 0) == task_id({"b": 2.5, "a": 1}, 0)
    assert task_id({"a": 1, "b": 2.5}, 0) != task_id({"a": 1, "b": 2.5}, 1)
    assert task_id({"a": 1, "b": 2.5}, 0) != task_id({"a": 2, "b": 2.5}, 0)


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (("seed: 7", "seed: 7\nreplicatoins: 2"), ["unknown key", "replications", "sweep.yaml:3:"]),
        (
            (f"{LANES}: [4, 8]", f"{LANES}: [4, 0]"),
            ["point 2", LANES, "greater than or equal to 1", "given 0"],
        ),
        (("{start: 1.0, stop: 1.2, step: 0.2}", "{low: 1.0, high: 1.2}"), ["low/high is for design lhs"]),
        (
            ("{start: 1.0, stop: 1.2, step: 0.2}", "{start: 1.0, step: 0.2}"),
            ["start, stop and step go together"],
        ),
        ((f"base: {BASE}", "base: nowhere.yaml"), ["base scenario not found", "nowhere.yaml"]),
        (("calendar.warmup_days=0", "calendar.warmup_dayz=0"), ["sweep.yaml:5:", "in set", "warmup_dayz"]),
    ],
)
def test_bad_sweep_files_fail_before_anything_runs(tmp_path, edit, words):
    path = write(tmp_path, SMALL.replace(*edit))
    with pytest.raises(InputError) as err:
        load_sweep(path)
    text = str(err.value)
    assert "\n" not in text
    for w in words:
        assert w in text


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("serial")
    spec = write(d, SMALL)
    outcome = run_sweep(load_sweep(spec), d / "out", workers=1)
    return spec, d / "out", outcome


def test_serial_equals_parallel_and_matches_gatesim_run(serial_run, tmp_path):
    from gatesim.outputs import write_csv
    from gatesim.run import run_scenario

    spec, out, outcome = serial_run
    assert (outcome.ran, outcome.skipped, outcome.failed, outcome.lost) == (8, 0, [], [])
    parallel = run_sweep(load_sweep(spec), tmp_path / "par", workers=2)
    assert parallel.ran == 8
    assert (tmp_path / "par/results.csv").read_bytes() == (out / "results.csv").read_bytes()
    assert (tmp_path / "par/results_ci.csv").read_bytes() == (out / "results_ci.csv").read_bytes()
    table = rows(out / "results.csv")
    assert len(table) == 4 * 2 * 4  # points x replications x gates
    assert list(table[0])[:6] == ["point", LANES, GROWTH, "replication", "seed", "gate"]
    assert [(r["point"], r["replication"]) for r in table[:8]] == [("0", "0")] * 4 + [("0", "1")] * 4
    # A point's rows are exactly what `gatesim run` would write in summary.csv for that scenario.
    sweep = load_sweep(spec)
    point = sweep.points[3]
    write_csv(tmp_path / "summary.csv", run_scenario(point.scenario, 1, 2, 7).summary)
    summary = rows(tmp_path / "summary.csv")
    mine = [r for r in table if r["point"] == "3"]
    for want, got in zip(summary, mine, strict=True):
        assert {k: got[k] for k in want if k != "scenario"} == {
            k: v for k, v in want.items() if k != "scenario"
        }
        assert got["error"] == ""
    ci = rows(out / "results_ci.csv")
    assert len(ci) == 4 * 4 * len(
        [
            c
            for c in table[0]
            if c not in ("point", LANES, GROWTH, "replication", "seed", "gate", "scenario", "error")
        ]
    )
    assert {r["n"] for r in ci if r["kpi"] == "arrivals"} == {"2"}  # (util_road is empty at Cốc Nam: n 0)


def test_rerun_skips_done_tasks_and_rebuilds_identical_results(serial_run, tmp_path):
    import shutil

    spec, out, _ = serial_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    before = (copy / "results.csv").read_bytes()
    (copy / "results.csv").unlink()
    done = sorted((copy / "tasks").glob("*.json"))
    for f in done[::3]:
        f.unlink()
    (copy / "tasks" / ".deadbeef.json.tmp-1").write_text("{trunc")  # a write cut by kill -9
    again = run_sweep(load_sweep(spec), copy, workers=2)
    assert (again.ran, again.skipped) == (len(done[::3]), 8 - len(done[::3]))
    assert (copy / "results.csv").read_bytes() == before
    assert not list((copy / "tasks").glob(".*"))


def test_a_different_sweep_in_the_same_directory_is_refused(serial_run, tmp_path):
    spec, out, _ = serial_run
    changed = write(tmp_path, SMALL.replace("[4, 8]", "[4, 6]"))
    with pytest.raises(InputError, match="holds a different sweep"):
        run_sweep(load_sweep(changed), out, workers=1)
    with pytest.raises(InputError, match="holds a different sweep"):
        run_sweep(load_sweep(spec, days=2), out, workers=1)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a sweep directory"):
        run_sweep(load_sweep(spec), tmp_path / "other", workers=1)
    with pytest.raises(InputError, match="only replaces a sweep directory"):
        run_sweep(load_sweep(spec), tmp_path / "other", workers=1, force=True)
    assert (tmp_path / "other" / "notes.txt").exists()
    # the CLI says it in one line, exit code 2
    res = CliRunner().invoke(main, ["sweep", str(changed), "--out", str(out), "-q"])
    assert res.exit_code == 2
    assert "holds a different sweep" in res.output and "--force" in res.output


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_task_is_a_row_with_its_error(tmp_path, monkeypatch, workers):
    import gatesim.sweep.tasks as tasks

    real = tasks.run_replication

    def flaky(scenario, days, replication, seed):
        if scenario.gates["tan_thanh"].stages["road"].lanes == 8 and replication == 1:
            raise ZeroDivisionError("injected\nfailure")
        return real(scenario, days, replication, seed)

    monkeypatch.setattr(tasks, "run_replication", flaky)  # forked pool workers inherit it
    spec = write(tmp_path, SMALL)
    outcome = run_sweep(load_sweep(spec), tmp_path / "out", workers=workers)
    assert len(outcome.failed) == 2 and not outcome.lost
    table = rows(tmp_path / "out/results.csv")
    bad = [r for r in table if r["error"]]
    assert len(bad) == 2 * 4  # failed replications x gates
    assert {(r["point"], r["replication"]) for r in bad} == {("2", "1"), ("3", "1")}
    assert {r["error"] for r in bad} == {"ZeroDivisionError: injected failure"}
    assert all(r["arrivals"] == "" for r in bad)
    assert all(r["arrivals"] != "" for r in table if not r["error"])
    ci = {(r["point"], r["gate"], r["kpi"]): r["n"] for r in rows(tmp_path / "out/results_ci.csv")}
    assert ci[("2", "tan_thanh", "arrivals")] == "1" and ci[("0", "tan_thanh", "arrivals")] == "2"


def test_scheduler_without_dask_is_a_clear_input_error(serial_run, tmp_path, monkeypatch):
    import sys

    spec, _, _ = serial_run
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(InputError, match=r"gatesim\[cluster\]"):
        run_sweep(load_sweep(spec), tmp_path / "out", scheduler="tcp://127.0.0.1:8786")
    res = CliRunner().invoke(
        main, ["sweep", str(spec), "--out", str(tmp_path / "o"), "--scheduler", "tcp://h:1", "-j", "2"]
    )
    assert res.exit_code == 2 and "--workers is for local runs" in res.output

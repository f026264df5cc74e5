"""Nothing destroys data: --force replaces only what gatesim wrote, no output over or inside an input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from faultkit import BASELINE, cli, one_line, snapshot

from gatesim.outputs import atomic_dir, write_json

RUN = ["--days", "1", "-r", "1", "-q"]


def test_force_refuses_a_users_directory(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    before = snapshot(mine)
    result, lines = cli("run", BASELINE, *RUN, "--out", mine, "--force")
    one_line(result, lines, 2, "--force replaces only a directory gatesim wrote")
    assert snapshot(mine) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


@pytest.mark.parametrize("kind", ["file", "fifo", "symlink"])
def test_force_refuses_what_is_not_a_directory(tmp_path, kind):
    target = tmp_path / "target"
    if kind == "file":
        target.write_text("data")
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        (tmp_path / "real").mkdir()
        (tmp_path / "real" / "manifest.json").write_text('{"complete": true}')
        target.symlink_to(tmp_path / "real")
    result, lines = cli("run", BASELINE, *RUN, "--out", target, "--force")
    one_line(result, lines, 2, "--out")  # click itself refuses a file; gatesim the rest
    assert target.is_symlink() if kind == "symlink" else not target.is_dir()
    if kind == "fifo":
        import stat

        assert stat.S_ISFIFO(target.lstat().st_mode)


def test_force_replaces_a_gatesim_run(small_run, tmp_path):
    target = tmp_path / "run"
    shutil.copytree(small_run, target)
    result, _ = cli("run", BASELINE, *RUN, "--seed", "9", "--out", target, "--force")
    assert result.exit_code == 0, result.output
    assert json.loads((target / "manifest.json").read_text())["seed"] == 9
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_replay_onto_its_own_run_is_refused(run_copy):
    before = snapshot(run_copy)
    for out in (run_copy, run_copy / "sub", run_copy.parent):
        result, lines = cli("replay", run_copy, "--out", out, "--force")
        one_line(result, lines, 2, "an input of this command")
    assert snapshot(run_copy) == before


def test_run_never_replaces_the_folder_of_its_scenario(small_run, tmp_path):
    target = tmp_path / "run"
    shutil.copytree(small_run, target)
    scenario = target / "my.yaml"
    scenario.write_text(f"extends: {BASELINE}\nname: mine\n")
    before = snapshot(target)
    result, lines = cli("run", scenario, *RUN, "--out", target, "--force")
    one_line(result, lines, 2, "contains an input")
    assert snapshot(target) == before


@pytest.mark.parametrize("name", ["..", ".", ".hidden"])
def test_scenario_names_cannot_escape_the_output_directory(tmp_path, name):
    result, lines = cli("run", BASELINE, "--set", f"name={name}", *RUN, "--out", tmp_path / "o")
    one_line(result, lines, 2, "name")
    assert list(tmp_path.iterdir()) == []


def test_out_dot_is_refused(small_run, tmp_path, monkeypatch):
    target = tmp_path / "run"
    shutil.copytree(small_run, target)
    monkeypatch.chdir(target)
    before = snapshot(target)
    result, lines = cli("run", BASELINE, *RUN, "--out", ".", "--force")
    one_line(result, lines, 2, "current directory")
    assert snapshot(target) == before


def test_a_300_character_name_is_one_line(tmp_path):
    result, lines = cli("run", BASELINE, *RUN, "--out", tmp_path / ("x" * 300))
    one_line(result, lines, 2, "--out")
    assert list(tmp_path.iterdir()) == []


def test_output_under_a_file_is_one_line(tmp_path):
    (tmp_path / "f").write_text("x")
    result, lines = cli("run", BASELINE, *RUN, "--out", tmp_path / "f" / "out")
    one_line(result, lines, 2, "--out")
    assert (tmp_path / "f").read_text() == "x"


# --- compare and report ------------------------------------------------------------------


def test_compare_never_writes_over_a_run_file(run_copy, small_run, tmp_path):
    before = snapshot(run_copy)
    for out in ("manifest.json", "events/rep_000.parquet", "summary.csv", "new.csv"):
        for force in ([], ["--force"]):
            result, lines = cli("compare", small_run, run_copy, "--out", run_copy / out, *force)
            one_line(result, lines, 2, "--out")
    assert snapshot(run_copy) == before


def test_compare_needs_force_and_replaces_only_a_comparison(small_run, run_copy, tmp_path):
    out = tmp_path / "cmp.csv"
    result, _ = cli("compare", small_run, run_copy, "--out", out)
    assert result.exit_code == 0, result.output
    first = out.read_bytes()
    result, lines = cli("compare", small_run, run_copy, "--out", out)
    one_line(result, lines, 2, "file exists", "--force")
    assert out.read_bytes() == first
    result, _ = cli("compare", small_run, run_copy, "--out", out, "--force")
    assert result.exit_code == 0, result.output
    notes = tmp_path / "notes.csv"
    notes.write_text("a,b\n1,2\n")
    result, lines = cli("compare", small_run, run_copy, "--out", notes, "--force")
    one_line(result, lines, 2, "only a comparison CSV gatesim wrote")
    assert notes.read_text() == "a,b\n1,2\n"


def test_report_of_a_csv_inside_a_run_keeps_the_runs_report(run_copy, small_run, tmp_path):
    result, _ = cli("report", run_copy)
    assert result.exit_code == 0, result.output
    before = snapshot(run_copy)
    cmp = tmp_path / "c.csv"
    assert cli("compare", small_run, run_copy, "--out", cmp)[0].exit_code == 0
    shutil.copy(cmp, run_copy / "cmp.csv")
    before["cmp.csv"] = cmp.read_bytes()
    result, lines = cli("report", run_copy / "cmp.csv")
    assert result.exit_code == 0, result.output  # the comparison's own page, beside the run's
    after = snapshot(run_copy)
    assert after.pop("comparison.html")
    assert {k: v for k, v in after.items() if not k.startswith("comparison_png")} == before


# --- an interrupted replacement ----------------------------------------------------------


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_kill_between_the_two_renames_keeps_the_old_result(tmp_path):
    """Killed after parking the old result as .NAME.old-PID, before the new one was renamed in:
    the next run puts the old one back instead of deleting the only copy."""
    target = tmp_path / "out"
    pid = _dead_pid()
    old = tmp_path / f".out.old-{pid}"
    old.mkdir()
    write_json(old / "manifest.json", {"complete": True, "n": "old"})
    partial = tmp_path / f".out.partial-{pid}"
    partial.mkdir()
    write_json(partial / "manifest.json", {"complete": True, "n": "new"})
    with pytest.raises(Exception, match="output directory exists"), atomic_dir(target):
        pass
    assert json.loads((target / "manifest.json").read_text())["n"] == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_forced_replacement_is_one_exchange(tmp_path, monkeypatch):
    """With --force the new directory is swapped in; at no instant is the target missing."""
    import gatesim.outputs as outputs

    target = tmp_path / "out"
    with atomic_dir(target) as tmp:
        write_json(tmp / "manifest.json", {"complete": True, "n": 1})
    seen = []
    real = outputs._exchange

    def spy(a, b):
        ok = real(a, b)
        seen.append((ok, (target / "manifest.json").exists()))
        return ok

    monkeypatch.setattr(outputs, "_exchange", spy)
    with atomic_dir(target, force=True) as tmp:
        write_json(tmp / "manifest.json", {"complete": True, "n": 2})
    assert json.loads((target / "manifest.json").read_text())["n"] == 2
    assert seen and all(present for _, present in seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_replay_can_replace_its_own_earlier_replay(small_run, tmp_path):
    out = tmp_path / "r"
    for force in ([], ["--force"]):
        result, _ = cli("replay", small_run, "--out", out, *force)
        assert result.exit_code == 0, result.output
    assert json.loads((out / "manifest.json").read_text())["complete"] is True

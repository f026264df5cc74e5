"""Outputs appear whole or not at all: atomic directories and files, --force, kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from gatesim.cli import main
from gatesim.errors import InputError
from gatesim.outputs import atomic_dir, write_json, write_text
from gatesim.rundir import read_manifest

# Integration: runs the CLI end to end (see CONTRIBUTING.md, test tiers).
pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"
TABLES = ("summary.csv", "summary_ci.csv", "timeseries.csv", "scenario.resolved.yaml", "manifest.json")


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


# --- atomic_dir and write_text, in process ---------------------------------------------


def test_failed_block_leaves_nothing(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(RuntimeError), atomic_dir(target) as tmp:
        write_text(tmp / "a.txt", "half")
        raise RuntimeError("model crashed")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_failed_forced_block_keeps_the_old_result(tmp_path):
    target = tmp_path / "out"
    with atomic_dir(target) as tmp:
        write_json(tmp / "manifest.json", {"complete": True, "n": 1})
    before = snapshot(target)
    with pytest.raises(KeyboardInterrupt), atomic_dir(target, force=True) as tmp:
        write_json(tmp / "manifest.json", {"complete": True, "n": 2})
        raise KeyboardInterrupt
    assert snapshot(target) == before
    assert hidden(tmp_path) == []


def test_existing_target_needs_force(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "summary.csv").write_text("old")
    (target / "manifest.json").write_text('{"complete": true}')  # a directory gatesim wrote
    with pytest.raises(InputError, match="output directory exists"), atomic_dir(target):
        pytest.fail("the block must not run")
    assert snapshot(target) == {"summary.csv": b"old", "manifest.json": b'{"complete": true}'}
    with atomic_dir(target, force=True) as tmp:
        write_text(tmp / "new.txt", "new")
    assert snapshot(target) == {"new.txt": b"new"}
    assert hidden(tmp_path) == []


def test_target_appearing_meanwhile_is_not_clobbered(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(InputError, match="output directory exists"), atomic_dir(target) as tmp:
        write_text(tmp / "mine.txt", "mine")
        target.mkdir()
        (target / "theirs.txt").write_text("theirs")
    assert snapshot(target) == {"theirs.txt": b"theirs"}
    assert hidden(tmp_path) == []


def test_stale_partials_of_dead_runs_are_removed_live_ones_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".out.partial-{dead.pid}"
    stale_old = tmp_path / f".out.old-{dead.pid}"
    live = tmp_path / f".out.partial-{os.getppid()}"  # our parent is alive: another run's scratch
    for d in (stale, stale_old, live):
        d.mkdir()
        (d / "summary.csv").write_text("half")
    # the .old copy of a run killed between the two renames of a --force is the
    # only surviving result: it is put back, never deleted
    with pytest.raises(InputError, match="output directory exists"), atomic_dir(tmp_path / "out"):
        pytest.fail("the block must not run")
    assert not stale.exists() and not stale_old.exists()
    assert live.exists()
    assert snapshot(tmp_path / "out") == {"summary.csv": b"half"}


def test_write_text_replaces_whole_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "summary.csv"
    write_text(path, "old\n")

    with pytest.raises(TypeError):
        write_text(path, 42)  # type: ignore[arg-type]  # fails mid-write
    assert path.read_text() == "old\n"
    write_text(path, "new\n")
    assert path.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.csv"]


def test_parent_that_is_a_file_is_an_input_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with (
        pytest.raises(InputError, match="cannot create the output directory"),
        atomic_dir(tmp_path / "file" / "out"),
    ):
        pytest.fail("the block must not run")


# --- kill -9 of a real run -----------------------------------------------------------


def start_run(target: Path, *extra: str) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "gatesim.cli",
        "run",
        str(BASELINE),
        "--out",
        str(target),
        "-q",
        "--seed",
        "5",
        *extra,
    ]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def run_in_process(target: Path, *extra: str) -> None:
    result = CliRunner().invoke(
        main, ["run", str(BASELINE), "--out", str(target), "-q", "--seed", "5", *extra]
    )
    assert result.exit_code == 0, result.output


def kill_when(proc: subprocess.Popen, ready, timeout_s: float = 60.0) -> bool:
    """SIGKILL ``proc`` as soon as ``ready()``; False if it finished first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    pytest.fail("run neither finished nor reached the kill point")


def complete_or_absent(target: Path) -> str:
    """The invariant: no directory, or a complete one the manifest vouches for."""
    if not target.exists():
        return "absent"
    manifest = read_manifest(target)  # raises unless complete: true
    assert manifest["complete"] is True
    for name in TABLES:
        assert (target / name).is_file(), name
    reps = manifest["replications"]
    assert len(list((target / "events").glob("rep_*.parquet"))) == reps
    summary = pd.read_csv(target / "summary.csv")
    assert len(summary) == reps * 4  # replications x gates
    return "complete"


def partial_of(parent: Path, name: str):
    return lambda: list(parent.glob(f".{name}.partial-*"))


def test_kill_minus_9_leaves_a_complete_result_or_none(tmp_path):
    runs = tmp_path / "runs"
    slow = ("--days", "1", "-r", "3", "--set", "calendar.warmup_days=0")

    # 1. A complete earlier result, then a forced rerun killed after its first replication:
    #    the earlier result is still there, whole.
    first = runs / "forced"
    run_in_process(first, "--days", "1", "-r", "1")
    before = snapshot(first)
    proc = start_run(first, *slow, "--force")
    killed = kill_when(proc, lambda: any(runs.glob(".forced.partial-*/events/rep_000.parquet")))
    assert complete_or_absent(first) == "complete"
    if killed:
        assert snapshot(first) == before

    # 2. Killed at several moments of a fresh run: nothing, or everything.
    moments = {
        "b": lambda: True,  # while Python is still starting
        "c": lambda: any(runs.glob(".c.partial-*/events/rep_000.parquet")),  # one replication written
        "e": lambda: any(runs.glob(".e.partial-*/summary.csv")),  # tables being written (may finish first)
    }
    for name, ready in moments.items():
        proc = start_run(runs / name, *slow)
        kill_when(proc, ready)
        assert complete_or_absent(runs / name) in ("absent", "complete"), name
    assert not (runs / "b").exists() and not (runs / "c").exists()

    # 3. The next run into a killed target cleans the scratch left behind and is not confused by it.
    assert partial_of(runs, "c")(), "the killed run should have left its scratch directory"
    run_in_process(runs / "c", "--days", "1", "-r", "1")
    assert complete_or_absent(runs / "c") == "complete"
    assert json.loads((runs / "c" / "manifest.json").read_text())["days"] == 1
    assert not partial_of(runs, "c")()

"""sweep --force: the old sweep stays whole until the new one is complete; a cut-short
replacement is resumed by the same command; a resumed sweep is not a replacement."""

from __future__ import annotations

import shutil

import pytest
from faultkit import cli, one_line, snapshot

from gatesim.sweep import load_sweep, run_sweep
from gatesim.sweep.runner import replacement_dir
from gatesim.sweep.tasks import run_task
from tests.helpers.sweeps import sweep_text


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """An old sweep (lanes 4, 8) and, as reference, the new one (lanes 5, 6, 7) run straight through."""
    d = tmp_path_factory.mktemp("replace")
    old_spec, new_spec = d / "old.yaml", d / "new.yaml"
    old_spec.write_text(sweep_text({"gates.tan_thanh.stages.road.lanes": "[4, 8]"}))
    new_spec.write_text(sweep_text({"gates.tan_thanh.stages.road.lanes": "[5, 6, 7]"}))
    run_sweep(load_sweep(old_spec), d / "old", workers=1)
    run_sweep(load_sweep(new_spec), d / "new", workers=1)
    return old_spec, d / "old", new_spec, d / "new"


class _Breaks:
    """run_task that fails like a kill or a full disk after ``n`` tasks (in-process: -j 1)."""

    def __init__(self, n: int, exc: BaseException) -> None:
        self.n, self.exc = n, exc

    def __call__(self, *args):
        if self.n == 0:
            raise self.exc
        self.n -= 1
        return run_task(*args)


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), OSError(28, "No space left on device")])
def test_force_keeps_the_old_sweep_until_the_new_is_complete(sweeps, tmp_path, exc):
    old_spec, old_ref, new_spec, new_ref = sweeps
    out = tmp_path / "out"
    shutil.copytree(old_ref, out)
    before = snapshot(out)
    with pytest.raises((KeyboardInterrupt, OSError, Exception)):
        run_sweep(load_sweep(new_spec), out, workers=1, force=True, task=_Breaks(1, exc))
    assert snapshot(out) == before  # the old sweep, whole and untouched
    sibling = replacement_dir(out)
    assert len(list((sibling / "tasks").glob("*.json"))) == 1  # the new sweep's first task, kept
    # the same command resumes the new sweep and only then swaps it in
    result, lines = cli("sweep", new_spec, "--out", out, "-q", "-j", "1", "--force")
    assert result.exit_code == 0, result.output
    assert "1 already done" in result.output
    assert (out / "results.csv").read_bytes() == (new_ref / "results.csv").read_bytes()
    assert not sibling.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_force_over_a_sweep_replaces_it_whole(sweeps, tmp_path):
    old_spec, old_ref, new_spec, new_ref = sweeps
    out = tmp_path / "out"
    shutil.copytree(old_ref, out)
    result, _ = cli("sweep", new_spec, "--out", out, "-q", "-j", "1", "--force")
    assert result.exit_code == 0, result.output
    assert (out / "results.csv").read_bytes() == (new_ref / "results.csv").read_bytes()
    assert len(list((out / "tasks").glob("*.json"))) == 3  # none of the old sweep's tasks left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_resume_is_not_a_replacement(sweeps, tmp_path):
    old_spec, old_ref, new_spec, new_ref = sweeps
    out = tmp_path / "out"
    shutil.copytree(new_ref, out)
    first = sorted((out / "tasks").glob("*.json"))[0]
    first.unlink()  # as if killed before its last task
    result, _ = cli("sweep", new_spec, "--out", out, "-q", "-j", "1")
    assert result.exit_code == 0, result.output
    assert "2 already done" in result.output
    assert not replacement_dir(out).exists()
    assert (out / "results.csv").read_bytes() == (new_ref / "results.csv").read_bytes()


def test_force_from_inside_the_sweep_is_refused(sweeps, tmp_path, monkeypatch):
    old_spec, old_ref, new_spec, _ = sweeps
    out = tmp_path / "out"
    shutil.copytree(old_ref, out)
    before = snapshot(out)
    monkeypatch.chdir(out)
    result, lines = cli("sweep", new_spec, "--out", ".", "-q", "-j", "1", "--force")
    one_line(result, lines, 2, "is the current directory")
    assert snapshot(out) == before

"""A full disk and a read-only file system (a small tmpfs, mounted when we are root).

Exit 1, one line with the system's reason, no partial output, earlier outputs intact.
"""

from __future__ import annotations

import shutil

import pytest
from faultkit import BASELINE, cli, fill, is_root, make_readonly, one_line, small_tmpfs, snapshot

pytestmark = pytest.mark.skipif(not is_root(), reason="mounting a small tmpfs needs root")

SWEEP = """base: {base}
days: 1
replications: 1
parameters:
  gates.tan_thanh.stages.road.lanes: [4, 8]
"""


@pytest.fixture
def small_fs(tmp_path):
    with small_tmpfs(tmp_path, "4m") as mnt:
        yield mnt


def test_full_disk_run_leaves_nothing_and_keeps_the_old_run(small_fs, small_run):
    old = small_fs / "run"
    shutil.copytree(small_run, old)
    before = snapshot(old)
    fill(small_fs, 40_000)
    for target, force in ((small_fs / "new", []), (old, ["--force"])):
        result, lines = cli("run", BASELINE, "--days", "2", "-r", "2", "-q", "--out", target, *force)
        one_line(result, lines, 1, "no space left on device; nothing was changed")
    assert snapshot(old) == before
    assert sorted(p.name for p in small_fs.iterdir()) == ["filler", "run"]


def test_full_disk_compare_and_replay(small_fs, small_run):
    fill(small_fs, 2_000)
    result, lines = cli("compare", small_run, small_run, "--out", small_fs / "c.csv")
    one_line(result, lines, 1, "no space left on device")
    result, lines = cli("replay", small_run, "--out", small_fs / "r")
    one_line(result, lines, 1, "no space left on device")
    assert sorted(p.name for p in small_fs.iterdir()) == ["filler"]


def test_full_disk_sweep_then_resume(small_fs, tmp_path):
    spec = tmp_path / "sw.yaml"
    spec.write_text(SWEEP.format(base=BASELINE))
    filler = fill(small_fs, 3_000)
    out = small_fs / "sw"
    result, lines = cli("sweep", spec, "--out", out, "-q", "-j", "1")
    one_line(result, lines, 1, "no space left on device")
    filler.unlink()
    result, lines = cli("sweep", spec, "--out", out, "-q", "-j", "1")
    assert result.exit_code == 0, result.output
    assert (out / "results.csv").exists()


@pytest.mark.parametrize(
    "command",
    ["run", "compare", "report", "sweep", "replay", pytest.param("calibrate", marks=pytest.mark.slow)],
)
def test_read_only_output(small_fs, small_run, tmp_path, command):
    shutil.copytree(small_run, small_fs / "run")
    spec = tmp_path / "sw.yaml"
    spec.write_text(SWEEP.format(base=BASELINE))
    make_readonly(small_fs)
    before = snapshot(small_fs)
    args = {
        "run": ["run", BASELINE, "--days", "1", "-r", "1", "-q", "--out", small_fs / "new"],
        "compare": ["compare", small_run, small_run, "--out", small_fs / "c.csv"],
        "report": ["report", small_fs / "run"],
        "sweep": ["sweep", spec, "--out", small_fs / "sw", "-q"],
        "replay": ["replay", small_run, "--out", small_fs / "r"],
        "calibrate": ["calibrate", BASELINE, "-r", "1", "-q", "--out", small_fs / "cal.csv"],
    }[command]
    result, lines = cli(*args)
    one_line(result, lines, 1, "read-only file system")
    assert snapshot(small_fs) == before

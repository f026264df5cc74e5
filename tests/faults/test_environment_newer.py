"""A full disk and a read-only file system for report and calibrate (a small tmpfs, when root).

Exit 1, one line with the system's reason, earlier outputs intact, no partial output.
"""

from __future__ import annotations

import shutil

import pytest
from faultkit import cli, fill, is_root, make_readonly, one_line, small_tmpfs, snapshot

pytestmark = pytest.mark.skipif(not is_root(), reason="mounting a small tmpfs needs root")


@pytest.fixture
def small_fs(tmp_path):
    """A 16 MB tmpfs: room for a run with its event logs and one report (about 5 MB)."""
    with small_tmpfs(tmp_path, "16m") as mnt:
        yield mnt


@pytest.mark.slow  # a report's charts take ~30 s on the shared machine
def test_full_disk_report_keeps_the_earlier_report(small_fs, small_run):
    run = small_fs / "run"
    shutil.copytree(small_run, run)
    result, _ = cli("report", run)
    assert result.exit_code == 0, result.output
    before = snapshot(run)
    assert any(k.startswith("report_png/") for k in before)
    fill(small_fs, 20_000)  # less than the charts need
    result, lines = cli("report", run)
    one_line(result, lines, 1, "no space left on device; nothing was changed")
    assert snapshot(run) == before
    assert not [p.name for p in run.iterdir() if p.name.startswith(".")]  # no scratch left


@pytest.mark.slow  # a report's charts take ~30 s on the shared machine
def test_full_disk_first_report_leaves_no_half_charts(small_fs, small_run):
    run = small_fs / "run"
    shutil.copytree(small_run, run)
    before = snapshot(run)
    fill(small_fs, 20_000)
    result, lines = cli("report", run)
    one_line(result, lines, 1, "no space left on device")
    assert snapshot(run) == before  # no report.html, no report_png/
    assert sorted(p.name for p in run.iterdir()) == sorted({k.split("/")[0] for k in before})


@pytest.mark.slow  # a report's charts take ~30 s on the shared machine
def test_read_only_report(small_fs, small_run):
    run = small_fs / "run"
    shutil.copytree(small_run, run)
    before = snapshot(run)
    make_readonly(small_fs)
    result, lines = cli("report", run)
    one_line(result, lines, 1, "read-only file system")
    assert snapshot(run) == before


def test_full_disk_and_read_only_calibrate(small_fs, tmp_path):
    out = small_fs / "cal.csv"
    out.write_text("id,what,scope,period,unit,target,model_mean\nF1,x,all,p,u,1,1\n")
    before = snapshot(small_fs)
    make_readonly(small_fs)
    result, lines = cli("calibrate", "-r", "1", "-q", "--out", out, "--force")
    one_line(result, lines, 1, "read-only file system")
    assert snapshot(small_fs) == before

"""The CLI's last line of defence: a bug or a failing machine is one line, exit 1; --debug shows the traceback."""

from __future__ import annotations

import errno

import pytest
from faultkit import cli, one_line

import gatesim.rundir
from gatesim.errors import os_reason


def _boom(*args, **kwargs):
    raise RuntimeError("something nobody expected")


def test_a_bug_is_one_line_and_debug_shows_the_traceback(small_run, tmp_path, monkeypatch):
    monkeypatch.setattr(gatesim.rundir, "replay_dir", _boom)
    result, lines = cli("replay", small_run, "--out", tmp_path / "r")
    one_line(result, lines, 1, "internal error", "RuntimeError", "--debug")
    result, _ = cli("--debug", "replay", small_run, "--out", tmp_path / "r2")
    assert isinstance(result.exception, RuntimeError)  # raised through: the traceback is shown
    assert not (tmp_path / "r").exists() and not (tmp_path / "r2").exists()


@pytest.mark.parametrize(
    "err, words",
    [
        (
            OSError(errno.ENOSPC, "No space left on device", "/x/y"),
            "no space left on device; nothing was changed",
        ),
        (OSError(errno.EROFS, "Read-only file system", "/x/y"), "/x/y: read-only file system"),
        (OSError(errno.EACCES, "Permission denied", "/x/y"), "/x/y: permission denied"),
    ],
)
def test_system_reasons(err, words):
    assert os_reason(err) == words


def test_disk_full_midway_is_one_line(small_run, tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(gatesim.rundir, "replay_dir", full)
    result, lines = cli("replay", small_run, "--out", tmp_path / "r")
    one_line(result, lines, 1, "no space left on device; nothing was changed")
    assert list(tmp_path.iterdir()) == []

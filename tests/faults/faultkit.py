"""Helpers of the fault-injection suite.

Fault injection: damaged run and sweep directories, hostile paths, full disks, kills.

Every case checks the same rule: one line on stderr naming what is wrong,
exit 2 for bad input and 1 for a failure of the environment, no traceback,
and no change to any file that existed before.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from gatesim.cli import main

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"


def cli(*args: str, env: dict | None = None):
    """Run gatesim in process; return (result, stderr lines)."""
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    return result, [ln for ln in result.stderr.splitlines() if ln.strip()]


def one_line(result, lines: list[str], code: int, *fragments: str) -> str:
    """The rule: exit ``code``, one line on stderr starting 'gatesim: error:', no traceback."""
    assert result.exit_code == code, (result.exit_code, result.output, repr(result.exception))
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    errors = [ln for ln in lines if ln.startswith("gatesim: error:")]
    assert len(errors) == 1, lines
    assert "Traceback" not in result.output
    for f in fragments:
        assert f in errors[0], (f, errors[0])
    return errors[0]


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (or ``root`` itself) with its bytes."""
    root = Path(root)
    if root.is_file():
        return {root.name: root.read_bytes()}
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@contextmanager
def small_tmpfs(parent: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (e.g. "4m") mounted at ``parent/mnt`` for the test (root only;
    the test is skipped where it cannot be mounted), unmounted after."""
    mnt = parent / "mnt"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(mnt: Path, leave: int) -> Path:
    """Fill the file system, leaving about ``leave`` bytes free."""
    filler = mnt / "filler"
    free = shutil.disk_usage(mnt).free
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - leave))
    return filler


def make_readonly(mnt: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)

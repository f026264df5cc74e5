"""Helpers of the fault-injection suite.

Fault injection: damaged run and sweep directories, hostile paths, full disks, kills.

Every case checks the same rule: one line on stderr naming what is wrong,
exit 2 for bad input and 1 for a failure of the environment, no traceback,
and no change to any file that existed before.
"""

from __future__ import annotations

import os
from pathlib import Path

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

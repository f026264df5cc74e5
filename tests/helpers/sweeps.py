"""Sweep files of the baseline for the sweep tests, a reference run of one, and the CLI started
as a process of its own (to be interrupted or killed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gatesim.sweep import load_sweep, run_sweep

__all__ = ["BASELINE", "reference_sweep", "start_sweep", "sweep_text"]

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline_2026.yaml"


def sweep_text(parameters: dict[str, str], seed: int = 5, days: int = 1, replications: int = 1) -> str:
    """A sweep of the baseline without warm-up; ``parameters`` maps key paths to YAML lists."""
    lines = [
        f"base: {BASELINE}",
        f"seed: {seed}",
        f"days: {days}",
        f"replications: {replications}",
        'set: ["calendar.warmup_days=0"]',
        "parameters:",
        *(f"  {k}: {v}" for k, v in parameters.items()),
    ]
    return "\n".join(lines) + "\n"


def reference_sweep(d: Path, text: str, workers: int = 1, name: str = "sweep.yaml") -> tuple[Path, Path]:
    """Write the sweep file ``d/name`` and run it straight through into ``d/out``."""
    spec = d / name
    spec.write_text(text, encoding="utf-8")
    run_sweep(load_sweep(spec), d / "out", workers=workers)
    return spec, d / "out"


def start_sweep(spec: Path, out: Path, *extra: str, **popen) -> subprocess.Popen:
    """``gatesim sweep SPEC --out OUT EXTRA...`` in a child process (``popen``: its pipes, session)."""
    cmd = [sys.executable, "-m", "gatesim.cli", "sweep", str(spec), "--out", str(out), *extra]
    return subprocess.Popen(cmd, **popen)

"""Parameter sweeps: a sweep file, its points and tasks, local or dask execution, resume.

Names are imported on first use, so ``gatesim --help`` (which looks this
package up to list the ``sweep`` command) stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "Sweep",
    "SweepInterrupted",
    "SweepOutcome",
    "SweepSpec",
    "Task",
    "assemble",
    "expand",
    "load_sweep",
    "run_sweep",
    "task_id",
]

_WHERE = {
    "SweepInterrupted": "runner",
    "SweepOutcome": "runner",
    "assemble": "runner",
    "run_sweep": "runner",
    "Sweep": "spec",
    "SweepSpec": "spec",
    "Task": "spec",
    "expand": "spec",
    "load_sweep": "spec",
    "task_id": "spec",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"gatesim.sweep.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'gatesim.sweep' has no attribute {name!r}")

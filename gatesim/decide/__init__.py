"""Decisions: optimisation under noise, sensitivity analysis, replications to a precision, warm-up check.

Every simulation here is a sweep task (``gatesim.sweep``): the same stable
task ids and seeds (common random numbers), the same local pool or dask
executor, the same resumable task files. Modules are imported on first use so
that ``gatesim --help`` stays fast.
"""

from __future__ import annotations

__all__: list[str] = []

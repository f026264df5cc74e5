"""gatesim: event-sourced simulation of freight through Lạng Sơn border gates.

The public API (docs/api.md) is importable from here; it is loaded on first use, so that
``import gatesim`` (and ``gatesim --help``) stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gatesim.version import __version__

__all__ = [
    "InputError",
    "RunResult",
    "RunTables",
    "Scenario",
    "__version__",
    "compare_runs",
    "load_scenario",
    "read_events",
    "read_run",
    "run_scenario",
    "write_run",
]

if TYPE_CHECKING:
    from gatesim.api import (
        InputError,
        RunResult,
        RunTables,
        Scenario,
        compare_runs,
        load_scenario,
        read_events,
        read_run,
        run_scenario,
        write_run,
    )


def __getattr__(name: str) -> Any:
    if name in __all__:
        from gatesim import api

        return getattr(api, name)
    raise AttributeError(f"module 'gatesim' has no attribute {name!r}")

"""One sweep task, run wherever the executor puts it (this process, a pool worker, a dask worker).

The task gets the validated point scenario itself (pickled, a few tens of kB),
not a file path, so a worker never re-reads or re-validates YAML. It returns
plain Python data; an exception inside the model becomes an ``error`` string,
so one bad point is a row in results.csv, not a crashed sweep.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from gatesim.projections.kpis import summarize
from gatesim.projections.smart_gate import with_smart_gate_kpis
from gatesim.run import run_replication
from gatesim.scenario.schema import Scenario

__all__ = ["error_text", "run_task"]


def error_text(exc: BaseException) -> str:
    """One line: the exception type and its message."""
    msg = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v  # numpy scalars -> int/float/str


def run_task(
    scenario: Scenario,
    days: int,
    replication: int,
    seed: int,
    events_path: str | None = None,
) -> dict[str, Any]:
    """Run one replication of one point: its summary rows (one per gate) or its error."""
    t0 = time.perf_counter()
    try:
        log = run_replication(scenario, days, replication, seed)
        if events_path is not None:
            from gatesim.events.store import write_log

            path = Path(events_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
            write_log(log, tmp)
            os.replace(tmp, path)
        table = with_smart_gate_kpis(summarize(log), log)  # an automated lane's, buffers' columns
        rows = [{k: _plain(v) for k, v in row.items()} for row in table.to_dict(orient="records")]
        error = ""
    except Exception as exc:  # any failure of the model is this task's result, not the sweep's
        rows, error = [], error_text(exc)
    return {"rows": rows, "error": error, "wall_s": time.perf_counter() - t0}

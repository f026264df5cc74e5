"""Parameter sweeps: a sweep file, its points and tasks, local or dask execution, resume."""

from gatesim.sweep.runner import SweepInterrupted, SweepOutcome, assemble, run_sweep
from gatesim.sweep.spec import Sweep, SweepSpec, Task, expand, load_sweep, task_id

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

"""Which scenarios the compiled FIFO kernel runs (the rest stay on SimPy).

Apart from the kernel: asking must not load it (nor numba, should the kernel's
ahead-of-time module be missing: numba's runtime holds ~140 MiB), so a run on
SimPy never pays for it.
"""

from __future__ import annotations

from gatesim.model.build import StagePath, stage_path
from gatesim.scenario.schema import Scenario

__all__ = ["kernel_refusal"]


def kernel_refusal(scenario: Scenario) -> str | None:
    """Why the compiled kernel cannot run ``scenario`` (None: it can): a stage on SimPy's
    general path, i.e. with a state-dependent rule, or (in a corridor) with a server
    schedule or outages (see :func:`gatesim.model.build.stage_path`). A corridor's
    decisions run on SimPy beside the kernel (:mod:`gatesim.model.kernel_corridor`)."""
    corridor = scenario.corridor is not None
    for gid, gate in scenario.gates.items():
        for sid, st in gate.stages.items():
            if stage_path(st, corridor) != StagePath.GENERAL:
                continue
            if st.state_dependent:
                return (
                    f"stage {sid} of gate {gid} has a state-dependent rule (priority, patience "
                    "or surge) and runs on SimPy"
                )
            return (
                f"stage {sid} of gate {gid} has a server schedule or outages, which in a corridor "
                "run on SimPy (the gate choice reads its queue's estimate)"
            )
    return None

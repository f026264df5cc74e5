"""Which scenarios the compiled FIFO kernel runs (the rest stay on SimPy).

Apart from the kernel: asking must not load it (nor numba, should the kernel's
ahead-of-time module be missing: numba's runtime holds ~140 MiB), so a run on
SimPy never pays for it.
"""

from __future__ import annotations

from gatesim.scenario.schema import Scenario

__all__ = ["kernel_refusal"]


def kernel_refusal(scenario: Scenario) -> str | None:
    """Why the compiled kernel cannot run ``scenario`` (None: it can): a corridor, or a
    stage with a state-dependent rule (it takes SimPy's general path). Server schedules
    and outages are booked, on the kernel too (model/stage_timed.py)."""
    if scenario.corridor is not None:
        return "a corridor (gate choice, metering, booking) runs on SimPy"
    for gid, gate in scenario.gates.items():
        for sid, st in gate.stages.items():
            if st.state_dependent:
                return (
                    f"stage {sid} of gate {gid} has a state-dependent rule (priority, patience "
                    "or surge) and runs on SimPy"
                )
    return None

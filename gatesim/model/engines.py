"""The engines that run a replication, and which one ``auto`` picks.

- ``kernel``: the compiled FIFO kernel (:mod:`gatesim.model.kernel_sim`), for a
  scenario whose stages are all FIFO (server schedules and outages included) and
  that has no automated lane or route buffer (:func:`gatesim.model.smart.smart_refusal`);
  a corridor's gates run on it, its decisions on SimPy (:mod:`gatesim.model.kernel_corridor`);
- ``fast``: the SimPy booking engine (:mod:`gatesim.model.simulate`), every scenario;
- ``reference``: the plain-SimPy twin (:mod:`gatesim.model.reference`), the
  executable specification; every scenario;
- ``auto``: ``kernel`` where it can run the scenario, else ``fast``.

All of them build the replication with :mod:`gatesim.model.build` and write the
same event log: the kernel's is bit-identical to ``fast``'s, the twin's equal
per truck (to 1e-9 h).
"""

from __future__ import annotations

from collections.abc import Callable

from gatesim.events.log import EventLog
from gatesim.model.kernel_scope import kernel_refusal
from gatesim.model.simulate import simulate
from gatesim.model.smart import smart_refusal
from gatesim.scenario.schema import Scenario

__all__ = ["engine_refusal", "run_engine"]

ENGINES = ("auto", "kernel", "fast", "reference")


def engine_refusal(scenario: Scenario, engine: str) -> str | None:
    """Why ``engine`` cannot run ``scenario`` (None: it can)."""
    if engine not in ENGINES:
        return f"unknown engine {engine!r}"
    if engine == "kernel":
        return smart_refusal(scenario) or kernel_refusal(scenario)
    return None


def resolve_engine(scenario: Scenario, engine: str) -> str:
    """The engine that runs ``scenario`` when ``engine`` is asked for (``auto``: the fastest that can)."""
    if engine == "auto":
        return "kernel" if engine_refusal(scenario, "kernel") is None else "fast"
    reason = engine_refusal(scenario, engine)
    if reason is not None:
        raise ValueError(reason)
    return engine


def run_engine(
    engine: str,
    scenario: Scenario,
    days: int,
    replication: int,
    seed: int,
    on_day: Callable[[int, int], None] | None = None,
) -> tuple[EventLog, dict]:
    """One replication on ``engine`` (resolved first); ``on_day(k, n)`` after each
    simulated day on the kernel and the fast engine."""
    chosen = resolve_engine(scenario, engine)
    if chosen == "kernel":
        from gatesim.model.kernel_sim import simulate_kernel  # loads the compiled kernel: only when it runs

        return simulate_kernel(scenario, days, replication, seed, on_day=on_day)
    if chosen == "reference":
        from gatesim.model.reference import simulate_reference  # only when asked for: it is slow
        from gatesim.model.smart_twin import smart_twin

        return simulate_reference(scenario, days, replication, seed, make_twin=smart_twin)
    return simulate(scenario, days, replication, seed, on_day=on_day)

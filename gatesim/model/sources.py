"""Truck sources: where a replication's trucks come from.

A source hands each gate the per-truck columns its runtime reads, starts the
processes that bring trucks to the gates, hears of the trucks that give up at
a gate, and adds its payload and metadata once the run is over. ``simulate``
wires every source the same way (:class:`TruckSource`):

- :class:`GateArrivals`: each gate's own arrivals, drawn per gate by
  :mod:`gatesim.model.build` (a scenario without a corridor);
- :class:`gatesim.model.corridor.source.CorridorSource`: trucks leave their
  origins, choose a gate, may be held or book a slot, and reach the gate they
  chose (a scenario with a ``corridor``). The twin has its own, written the
  plain SimPy way (:class:`gatesim.model.reference_corridor.CorridorTwin`, picked
  by ``reference.twin_source``): both share the corridor's rules and draws.

:func:`truck_source` picks the scenario's source. A new source (e.g. trucks
sent from a staging yard) is a class with these four methods and a line in
:func:`truck_source` (and its twin's in ``reference.twin_source``); it reads and feeds the gates only through :class:`FedGate`,
which every engine's gate provides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sized
from typing import Any, NamedTuple, Protocol

import simpy

from gatesim.events.log import EventLog
from gatesim.model.build import GatePlan, ReplicationPlan
from gatesim.model.trucks import Trucks

__all__ = ["FedGate", "GateArrivals", "GateTrucks", "TruckSource", "truck_source"]


class GateTrucks(NamedTuple):
    """The per-truck columns one gate's runtime reads, and the log's id of its truck 0."""

    trucks: Trucks
    first_truck: int


class FedGate(Protocol):
    """A gate as a source sees it, in any engine (``GateRuntime``; the twin's ``GateTwin``)."""

    @property
    def code(self) -> int:
        """The gate's code in the log."""

    @property
    def yard_capacity(self) -> int: ...

    @property
    def stages(self) -> Mapping[tuple[str, str], Any]:
        """(stage id, direction) -> its runtime, with ``next_start(t)`` (live state)."""

    @property
    def yard_free(self) -> int: ...

    @property
    def waiters(self) -> Sized:
        """The trucks on the approach road, waiting for a yard slot."""

    def admit(self, k: int, at_h: float) -> None:
        """Truck ``k`` of the gate's columns arrives at the instant ``at_h``."""

    def start_arrivals(self) -> None:
        """Start the gate's own arrivals (its drawn trucks at their instants)."""


class TruckSource(Protocol):
    """What ``simulate`` asks of a source, in this order."""

    def trucks_for(self, gp: GatePlan, log: EventLog) -> GateTrucks:
        """The columns of the trucks that may come to gate ``gp`` (before the run)."""

    def attach(self, env: simpy.Environment, log: EventLog, gates: Mapping[str, FedGate]) -> None:
        """Start the processes that bring trucks to ``gates`` (every gate built)."""

    def reneged(self, gate_code: int, k: int) -> None:
        """Truck ``k`` gave up at gate ``gate_code`` now (see ``GateRuntime``)."""

    def finish(self, log: EventLog, meta: dict) -> None:
        """After the run: add what the log and the run's metadata need from the source."""


class GateArrivals:
    """Each gate's own arrivals: its trucks arrive at their drawn instants."""

    def trucks_for(self, gp: GatePlan, log: EventLog) -> GateTrucks:
        assert gp.trucks is not None  # drawn per gate by the build for a scenario without a corridor
        log.add_payload(gp.first_truck, gp.trucks.payload())
        return GateTrucks(gp.trucks, gp.first_truck)

    def attach(self, env: simpy.Environment, log: EventLog, gates: Mapping[str, FedGate]) -> None:
        for gate in gates.values():
            gate.start_arrivals()

    def reneged(self, gate_code: int, k: int) -> None:
        """A truck that gives up leaves the system."""

    def finish(self, log: EventLog, meta: dict) -> None:
        """Nothing to add: the payload went in with the gate's trucks."""


def truck_source(plan: ReplicationPlan) -> TruckSource:
    """The source of the plan's scenario: the corridor's demand if it has one, else each gate's arrivals."""
    if plan.scenario.corridor is None:
        return GateArrivals()
    from gatesim.model.corridor.source import CorridorSource  # the corridor's modules load only when used

    return CorridorSource(plan)

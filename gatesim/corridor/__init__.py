"""The corridor: trucks drawn per origin choose a gate, may be held
at their origin (metering, cargo stops), and then run through the gate's
stages like any truck.

- ``demand``: the corridor's trucks, drawn per origin from corridor streams
  (common random numbers per corridor truck, whichever gate it picks);
- ``choice``: captive shares and the multinomial logit (pure functions);
- ``waits``: the expected wait the platform publishes, from the gates' live state;
- ``dispatch``: the SimPy process that chooses, holds, meters and sends trucks;
- ``kpis``: corridor KPIs as a fold of the event log.
"""

from __future__ import annotations

__all__: list[str] = []

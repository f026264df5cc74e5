"""The corridor: trucks drawn per origin choose a gate, may be held at their
origin (metering, cargo stops) or book a slot, and then run through the gate's
stages like any truck. A truck source (:mod:`gatesim.model.sources`).

- ``demand``: the corridor's trucks, drawn per origin from corridor streams
  (common random numbers per corridor truck, whichever gate it picks);
- ``columns``: the per-truck columns the gates share, filled at departure;
- ``choice``: captive shares and the multinomial logit (pure functions);
- ``waits``: the expected wait the platform publishes, from the gates' live state;
- ``metering``, ``booking``, ``stops``: holding at the origin, booking slots, cargo stops;
- ``source``: the SimPy processes that choose, hold, meter and send trucks.

The corridor's KPIs and series are projections of the log
(``gatesim.projections.corridor_kpis``, ``corridor_series``).
"""

from __future__ import annotations

__all__: list[str] = []

"""Check 4: the same tandem network in Ciw (an independent simulator) and in gatesim.

Three stages in series, exponential service, multi-server, always open,
Poisson arrivals. Per stage, the mean wait (queue -> service start) of each
replication is averaged over replications in each simulator; the two means
must agree within the two CIs combined (a Welch-type 95% band) plus 5% for
the different start-up (both start empty; gatesim drops trucks that arrive
in its warm-up day, Ciw drops customers that arrive before the same time).
Both are also set beside the Jackson-network value (each stage an M/M/c
queue fed at rate lambda), which they must match in the same way.
"""

from __future__ import annotations

import ciw
import numpy as np

from tests.validation.vv_build import scenario_of, service_stage
from tests.validation.vv_measure import erlang_c_wait_h, mean_ci, replicate, stage_waits_h
from tests.validation.vv_theory import Result

__all__ = ["TANDEM", "TANDEM_LAM_H", "ciw_waits", "gatesim_waits", "tandem_results"]

TANDEM_LAM_H = 60.0  # trucks per hour
# stage id -> (servers, utilisation)
TANDEM = {"declare": (2, 0.6), "fees": (3, 0.8), "accept": (1, 0.7)}
AGREE_REL_TOL = 0.05


def _mean_h(servers: int, rho: float) -> float:
    return rho * servers / TANDEM_LAM_H


def ciw_waits(hours: float, warmup_h: float, reps: int, seed: int) -> dict[str, list[float]]:
    """Per stage, the mean wait of each Ciw replication (customers arriving after warm-up)."""
    n = len(TANDEM)
    routing = [[1.0 if j == i + 1 else 0.0 for j in range(n)] for i in range(n)]
    net = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(TANDEM_LAM_H)] + [None] * (n - 1),
        service_distributions=[ciw.dists.Exponential(1.0 / _mean_h(c, r)) for c, r in TANDEM.values()],
        number_of_servers=[c for c, _ in TANDEM.values()],
        routing=routing,
    )
    out: dict[str, list[float]] = {sid: [] for sid in TANDEM}
    for r in range(reps):
        ciw.seed(seed * 1000 + r)  # Ciw draws from its own global streams
        q = ciw.Simulation(net)
        q.simulate_until_max_time(warmup_h + hours)
        recs = q.get_all_records()
        # The customer's arrival at the network: its arrival at node 1.
        first = {rec.id_number: rec.arrival_date for rec in recs if rec.node == 1}
        for i, sid in enumerate(TANDEM, start=1):
            w = [
                rec.waiting_time
                for rec in recs
                if rec.node == i and warmup_h <= first.get(rec.id_number, -1.0) < warmup_h + hours
            ]
            out[sid].append(float(np.mean(w)))
    return out


def gatesim_waits(days: int, reps: int, seed: int) -> dict[str, list[float]]:
    """Per stage, the mean wait of each gatesim replication, from the event log."""
    stages = {sid: service_stage(c, _mean_h(c, r) * 60.0) for sid, (c, r) in TANDEM.items()}
    sc = scenario_of(stages, TANDEM_LAM_H * 24.0, warmup_days=1)
    df = replicate(
        sc, days, reps, seed, lambda log: {sid: float(stage_waits_h(log, sid).mean()) for sid in TANDEM}
    )
    return {sid: df[sid].tolist() for sid in TANDEM}


def tandem_results(reps: int, days: int, seed: int = 31) -> list[Result]:
    g = gatesim_waits(days, reps, seed)
    c = ciw_waits(24.0 * days, 24.0, reps, seed)
    out = []
    for sid, (servers, rho) in TANDEM.items():
        mg, mc = mean_ci(g[sid]), mean_ci(c[sid])
        band = float(np.hypot(mg.half, mc.half))
        jackson = erlang_c_wait_h(TANDEM_LAM_H, _mean_h(servers, rho), servers)
        agree = abs(mg.mean - mc.mean) <= band + AGREE_REL_TOL * jackson
        case = f"stage {sid} (c={servers}, rho={rho}), {reps}x{days} d"
        out.append(
            Result(
                "Tandem: gatesim vs Ciw",
                case,
                mc.mean,
                mg.mean,
                band,
                "h",
                f"both 95% CIs combined + {AGREE_REL_TOL:.0%}",
                bool(agree),
            )
        )
        out.append(
            Result(
                "Tandem: Ciw vs Jackson (M/M/c per stage)",
                case,
                jackson,
                mc.mean,
                mc.half,
                "h",
                f"95% CI + {AGREE_REL_TOL:.0%}",
                mc.covers(jackson, AGREE_REL_TOL),
            )
        )
        out.append(
            Result(
                "Tandem: gatesim vs Jackson (M/M/c per stage)",
                case,
                jackson,
                mg.mean,
                mg.half,
                "h",
                f"95% CI + {AGREE_REL_TOL:.0%}",
                mg.covers(jackson, AGREE_REL_TOL),
            )
        )
    return out

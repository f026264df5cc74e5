"""Bare SimPy reference: an open tandem of multi-server FIFO stages, no log.

Poisson arrivals, exponential services at utilisation ``rho`` on every stage,
each stage a ``simpy.Resource`` (request / timeout / release): the textbook
way, with nothing else. gatesim's speed is quoted as a ratio to this.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import simpy

__all__ = ["run_bare"]


def run_bare(
    n_trucks: int,
    n_stages: int = 5,
    servers: int = 4,
    rho: float = 0.85,
    seed: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Trucks per second through ``n_stages`` stages (``clock`` over the run only; wall by default)."""
    rng = np.random.default_rng(seed)
    lam = 1.0
    mu = lam / (servers * rho)
    gaps = rng.exponential(1 / lam, n_trucks).tolist()
    services = rng.exponential(1 / mu, (n_trucks, n_stages)).tolist()
    env = simpy.Environment()
    stages = [simpy.Resource(env, servers) for _ in range(n_stages)]

    def truck(svc):
        for res, s in zip(stages, svc):
            with res.request() as req:
                yield req
                yield env.timeout(s)

    def source():
        for gap, svc in zip(gaps, services):
            yield env.timeout(gap)
            env.process(truck(svc))

    env.process(source())
    t = clock()
    env.run()
    return n_trucks / (clock() - t)


if __name__ == "__main__":
    for k in (2, 5):
        print(f"{k} stages: {run_bare(100_000, k):,.0f} trucks/s")

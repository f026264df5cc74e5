"""One random stream per source of randomness, keyed by name, never by position.

Each stream is spawned from ``(seed, replication, gate id, source name)``
hashed with CRC-32, so adding a gate or a stage to a scenario leaves every
other stream untouched: scenarios that differ in one place see the same
trucks (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["stream"]


def _code(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def stream(seed: int, replication: int, *names: str) -> np.random.Generator:
    """The generator for one source of randomness in one replication."""
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(replication, *map(_code, names)))
    return np.random.Generator(np.random.PCG64(ss))

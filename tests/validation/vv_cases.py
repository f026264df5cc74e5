"""The cases each check runs, at two sizes: ``quick`` (default test run) and
``full`` (``@pytest.mark.slow`` and the table in docs/validation.md).

Theory cases are (rho, servers); sizes are (replications, days after a
one-day warm-up). The quick size keeps the default run of this directory
well under 90 s on a busy 2-core machine; the full size makes the CIs a
few times narrower, so the same relative tolerance is a tighter test.
"""

from __future__ import annotations

__all__ = ["FULL", "QUICK"]

QUICK = {
    "mmc": [(0.5, 1), (0.7, 2), (0.9, 5)],
    "mmc_size": (4, 8),
    "md1": [0.8],
    "md1_size": (4, 8),
    "little": (0.8, 3),
    "little_size": (4, 5),
    "tandem_size": (4, 4),
    "baseline_reps": 3,
    "bulletin_reps": 2,
}

FULL = {
    "mmc": [(0.5, 1), (0.7, 2), (0.8, 3), (0.9, 1), (0.9, 5), (0.9, 10)],
    "mmc_size": (8, 20),
    "md1": [0.5, 0.8, 0.9],
    "md1_size": (8, 20),
    "little": (0.9, 2),
    "little_size": (8, 10),
    "tandem_size": (8, 8),
    "baseline_reps": 5,
    "bulletin_reps": 5,
}

"""The within-world noise of `gatesim assess`: replications' variance pooled over worlds."""

from __future__ import annotations

import numpy as np
from scipy.stats import t as student_t

from gatesim.trust.assess import pooled_ci95_half


def test_pooled_half_width_equals_the_textbook_pooled_t_interval():
    rng = np.random.default_rng(3)
    worlds = [rng.normal(w, 2.0, size=3) for w in range(40)]  # worlds differ in mean, not in noise
    ss = np.array([((x - x.mean()) ** 2).sum() for x in worlds])
    n = np.full(len(worlds), 3.0)
    pooled_var = np.mean([x.var(ddof=1) for x in worlds])
    expected = student_t.ppf(0.975, 80) * np.sqrt(pooled_var / 3)
    assert abs(pooled_ci95_half(ss, n) - expected) < 1e-12
    # the spread across worlds (their means 0..39) does not enter the noise
    assert pooled_ci95_half(ss, n) < 2 * 2.0 * 2


def test_pooled_half_width_needs_a_degree_of_freedom():
    assert np.isnan(pooled_ci95_half(np.array([0.0, 0.0]), np.array([1.0, 1.0])))
    assert np.isnan(pooled_ci95_half(np.array([np.nan]), np.array([3.0])))

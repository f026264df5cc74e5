"""Check 5: the baseline against the published figures.

F1-F3 are fitted: the mean over replications must be within the figure's
tolerance (F1 5%, F2/F3 10%; the seeds say "about" and round). The
bulletins' "still waiting at 20:00" (targets C1, C5) are judged by the fit's
implausibility rule on the baseline as shipped; the verdict is computed (a
test below shows it can go either way) and reported in docs/validation.md,
not asserted: the test checks that the model's figure is measured the same
way by the projection and by an independent fold of the log.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.validation.vv_cases import FULL, QUICK
from tests.validation.vv_published import (
    BULLETINS,
    CUT,
    bulletin_results,
    bulletin_verdict,
    seed_figure_results,
)

# simulates the baseline or many random scenarios: integration, out of the quick tier
pytestmark = pytest.mark.integration


def test_baseline_matches_seed_figures_f1_f3():
    results, summary = seed_figure_results(QUICK["baseline_reps"])
    bad = [str(r) for r in results if not r.ok]
    assert not bad, "\n".join(bad)
    assert (summary["arrivals"] == summary["departures"] + summary["left_in_system"]).all()


def test_bulletin_figures_are_measured_consistently():
    results, folds = bulletin_results(QUICK["bulletin_reps"])
    assert [r.check for r in results] == [f"Bulletin {b}" for b in BULLETINS]
    for r in results:
        assert np.isfinite(r.simulated) and r.simulated >= 0, str(r)
    for f in folds:
        # waiting_at_20h_mean (projection, summed over gates) == trucks with an
        # ARRIVED and no CROSSED at each 20:00, folded here from the raw log.
        assert f["projection"] == pytest.approx(f["fold"], abs=1e-9), f


def test_bulletin_verdict_is_computed_and_can_fail():
    for bid, (_, value, *_rest) in BULLETINS.items():
        i_at, met_at = bulletin_verdict(bid, np.array([value - 1.0, value + 1.0]))
        i_far, met_far = bulletin_verdict(bid, np.array([value * 0.1, value * 0.1 + 2.0]))
        assert met_at and i_at < 0.1, bid
        assert not met_far and i_far > CUT, bid


@pytest.mark.slow
def test_baseline_matches_seed_figures_full():
    results, _ = seed_figure_results(FULL["baseline_reps"])
    bad = [str(r) for r in results if not r.ok]
    assert not bad, "\n".join(bad)

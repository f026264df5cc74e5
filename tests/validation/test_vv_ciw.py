"""Check 4: a three-stage tandem network in Ciw and in gatesim.

Tolerance (why): two independent simulators with independent random
numbers agree in distribution, not digit by digit: the per-stage mean waits
must differ by less than the two 95% CIs combined plus 5% of the Jackson
value (different start-up transients). Each is also held against the
Jackson-network value (every stage an M/M/c fed at rate lambda).
"""

from __future__ import annotations

import pytest

from tests.validation.vv_cases import FULL, QUICK
from tests.validation.vv_ciw import TANDEM, tandem_results

# simulates the baseline or many random scenarios: integration, out of the quick tier
pytestmark = pytest.mark.integration


def _check(results):
    assert len(results) == 3 * len(TANDEM)
    bad = [str(r) for r in results if not r.ok]
    assert not bad, "\n".join(bad)


def test_tandem_agrees_with_ciw():
    _check(tandem_results(*QUICK["tandem_size"]))


@pytest.mark.slow
def test_tandem_agrees_with_ciw_full():
    _check(tandem_results(*FULL["tandem_size"]))

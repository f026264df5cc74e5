"""Check 1-2: gatesim against queueing theory and the fluid limit.

Tolerances (why): theory is the steady state, the model starts empty and
its wait figure leaves out trucks still inside at the end, so the
theoretical mean wait must lie within the replications' 95% CI widened by
5% of it (Little: 2%, its two sides share the same trucks). Not seeded
digits: any seed passes these bands with high probability.
"""

from __future__ import annotations

import pytest

from tests.validation.vv_cases import FULL, QUICK
from tests.validation.vv_theory import (
    clearing_case,
    fluid_backlog_case,
    little_case,
    little_exact_case,
    md1_case,
    mmc_case,
)


@pytest.mark.parametrize(("rho", "servers"), QUICK["mmc"])
def test_mmc_matches_erlang_c(rho, servers):
    res = mmc_case(rho, servers, *QUICK["mmc_size"])
    assert res.ok, str(res)


@pytest.mark.parametrize("rho", QUICK["md1"])
def test_md1_matches_pollaczek_khinchine(rho):
    res = md1_case(rho, *QUICK["md1_size"])
    assert res.ok, str(res)


def test_little_law_on_projections():
    rho, servers = QUICK["little"]
    res = little_case(rho, servers, *QUICK["little_size"])
    assert res.ok, str(res)


def test_little_law_sample_path_is_exact():
    res = little_exact_case()
    assert res.ok, str(res)
    assert res.expected > 0  # trucks did wait: the identity is not 0 == 0


def test_theory_check_can_fail():
    """The M/M/c band is tight enough to reject a wrong server count."""
    res = mmc_case(0.7, 2, *QUICK["mmc_size"])
    from tests.validation.vv_measure import erlang_c_wait_h
    from tests.validation.vv_theory import LAM_H

    wrong = erlang_c_wait_h(LAM_H, 0.7 * 2 / LAM_H, 3)  # same service, one server more
    assert abs(res.simulated - wrong) > res.ci95_half + 0.05 * wrong


def test_backlog_grows_at_lambda_minus_mu():
    res = fluid_backlog_case()
    assert res.ok, str(res)


@pytest.mark.parametrize("cleared_per_day", [70, 90])
def test_february_2022_backlog_clears_in_18_to_23_days(cleared_per_day):
    res = clearing_case(1646, cleared_per_day)
    assert res.ok, str(res)
    # [sggp-2022-02-12]: 1,646 waiting, 70-90 cleared a day: clears in 18-23 days (1646/90 = 18.3, 1646/70 = 23.5)
    assert 17.0 <= res.simulated <= 25.0, str(res)


@pytest.mark.slow
@pytest.mark.parametrize(("rho", "servers"), FULL["mmc"])
def test_mmc_matches_erlang_c_full(rho, servers):
    res = mmc_case(rho, servers, *FULL["mmc_size"])
    assert res.ok, str(res)


@pytest.mark.slow
@pytest.mark.parametrize("rho", FULL["md1"])
def test_md1_matches_pollaczek_khinchine_full(rho):
    res = md1_case(rho, *FULL["md1_size"])
    assert res.ok, str(res)


@pytest.mark.slow
def test_little_law_on_projections_full():
    rho, servers = FULL["little"]
    res = little_case(rho, servers, *FULL["little_size"])
    assert res.ok, str(res)

"""The new queue rules against queueing theory, on the fast engine and on the twin.

- Priority: an M/M/1 stage with two non-preemptive priority classes (fruit
  first) against Cobham's formula for each class's mean wait.
- Reneging: an M/M/c stage with exponential patience against Erlang-A
  (Palm's M/M/c+M model, solved as a birth-death chain) for the mean wait
  and the share of trucks that renege.

Tolerance (why): theory is the steady state; the model starts empty after a
day's warm-up and counts the window's cohort, so the theoretical figure must
lie within the replications' 95% CI widened by 5% of it (as in
``tests/validation/test_vv_theory.py``). Not seeded digits: any seed passes
with high probability, and ``test_*_can_fail`` show the bands reject a
wrong model.
"""

from __future__ import annotations

import numpy as np
import pytest

from gatesim.events.kinds import Kind
from gatesim.events.log import LogData
from gatesim.scenario.load import validate
from tests.helpers.twin_compare import run_engine
from tests.validation.vv_build import scenario_of, service_stage
from tests.validation.vv_measure import mean_ci

PER_DAY = 2400.0  # 100 trucks/h, as the validation suite: many trucks per simulated day
LAM_H = PER_DAY / 24.0
REL_TOL = 0.05


# ---- theory --------------------------------------------------------------------


def cobham_waits_h(lams: list[float], mean_service_h: float) -> list[float]:
    """M/M/1 non-preemptive priority (Cobham 1954): mean wait of each class, first class first.

    W_k = W0 / ((1 - sigma_{k-1}) (1 - sigma_k)), W0 = sum_i lam_i E[S^2] / 2,
    sigma_k = the load of classes 1..k; exponential service: E[S^2] = 2 s^2.
    """
    w0 = sum(lam * 2.0 * mean_service_h**2 / 2.0 for lam in lams)
    out, sigma = [], 0.0
    for lam in lams:
        before = sigma
        sigma += lam * mean_service_h
        out.append(w0 / ((1.0 - before) * (1.0 - sigma)))
    return out


def erlang_a(lam: float, mean_service_h: float, servers: int, mean_patience_h: float) -> tuple[float, float]:
    """M/M/c+M (Palm's Erlang-A): mean wait in queue of all arrivals, and the share that renege.

    The number in system is a birth-death chain (births lam, deaths
    min(n, c) mu + max(n - c, 0) theta), truncated where its probabilities
    are negligible. Mean queue E[Q] = sum max(n - c, 0) p_n; Little gives the
    mean wait E[Q] / lam, and each waiting truck reneges at rate theta, so
    the reneging share is theta E[Q] / lam.
    """
    mu, theta = 1.0 / mean_service_h, 1.0 / mean_patience_h
    logp = [0.0]  # log of p_n / p_0
    n = 0
    while True:  # past the servers the chain decays; stop where p_n / max p < e^-50
        n += 1
        death = min(n, servers) * mu + max(n - servers, 0) * theta
        logp.append(logp[-1] + np.log(lam / death))
        if n > servers and death > lam and logp[-1] < max(logp) - 50.0:
            break
    n_max = n
    p = np.exp(np.array(logp) - max(logp))
    p /= p.sum()
    q = float(np.sum(np.maximum(np.arange(n_max + 1) - servers, 0) * p))
    return q / lam, theta * q / lam


# ---- measured on the log ---------------------------------------------------------


def _per_truck(log: LogData, mask: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.nan)
    out[log.truck[mask]] = log.t_h[mask]
    return out


def stage_outcomes(log: LogData, stage_id: str) -> dict[str, np.ndarray]:
    """Per truck of the window's cohort that queued at the stage: its wait
    (to its start, or to reneging), whether it reneged, and its cargo class."""
    code = log.meta["stages"].index(stage_id)
    n = int(log.truck.max()) + 1
    on = log.stage == code
    q = _per_truck(log, on & (log.kind == Kind.QUEUED), n)
    s = _per_truck(log, on & (log.kind == Kind.STARTED), n)
    reneged_kind = getattr(Kind, "RENEGED", None)
    r = (
        _per_truck(log, on & (log.kind == reneged_kind), n)
        if reneged_kind is not None
        else np.full(n, np.nan)
    )
    a = _per_truck(log, log.kind == Kind.ARRIVED, n)
    w0, w1 = float(log.meta["window_start_h"]), float(log.meta["window_end_h"])
    done = ~np.isnan(s) | ~np.isnan(r)
    keep = (a >= w0) & (a < w1) & ~np.isnan(q) & done
    end = np.where(np.isnan(s), r, s)
    return {
        "wait_h": (end - q)[keep],
        "reneged": ~np.isnan(r[keep]),
        "cargo": log.payload["cargo"][:n][keep],
    }


# ---- scenarios -------------------------------------------------------------------


def _with_rules(stage: dict, shares: dict[str, float] | None = None, **rules) -> object:
    sc = scenario_of({"s": {**stage, **rules}}, PER_DAY, warmup_days=1)
    if shares is None:
        return sc
    data = sc.model_dump(mode="json", exclude_none=True)
    data["gates"]["g"]["arrivals"]["cargo_mix"]["export"] = shares
    return validate(data)


def priority_case(engine: str, rho: float, reps: int, days: int, seed: int = 21):
    """M/M/1, fruit (half the trucks) served before other cargo; per class: (expected, MeanCI)."""
    mean_h = rho / LAM_H
    sc = _with_rules(
        service_stage(1, mean_h * 60.0),
        {"fruit": 0.5, "electronics": 0.0, "other": 0.5},
        discipline="priority",
        priority_by="cargo",
        priority_order=["fruit", "electronics", "other"],
    )
    fruit, other = [], []
    for r in range(reps):
        out = stage_outcomes(run_engine(engine, sc, days, r, seed), "s")
        fruit.append(out["wait_h"][out["cargo"] == 0].mean())
        other.append(out["wait_h"][out["cargo"] == 2].mean())
    exp = cobham_waits_h([LAM_H / 2, LAM_H / 2], mean_h)
    return [(exp[0], mean_ci(fruit)), (exp[1], mean_ci(other))]


def reneging_case(
    engine: str, rho: float, servers: int, patience_h: float, reps: int, days: int, seed: int = 22
):
    """M/M/c+M: (expected wait, MeanCI), (expected reneging share, MeanCI)."""
    mean_h = rho * servers / LAM_H
    sc = _with_rules(
        service_stage(servers, mean_h * 60.0), patience_h={"dist": "exponential", "mean_h": patience_h}
    )
    waits, shares = [], []
    for r in range(reps):
        out = stage_outcomes(run_engine(engine, sc, days, r, seed), "s")
        waits.append(out["wait_h"].mean())
        shares.append(out["reneged"].mean())
    w, p = erlang_a(LAM_H, mean_h, servers, patience_h)
    return [(w, mean_ci(waits)), (p, mean_ci(shares))]


def _check(pairs) -> None:
    for expected, m in pairs:
        assert m.covers(expected, REL_TOL), f"expected {expected:.5g}, simulated {m}"


# ---- tests -----------------------------------------------------------------------


def test_cobham_formula_reduces_to_mm1():
    """One class: Cobham's W1 is the M/M/1 wait rho s / (1 - rho)."""
    s = 0.8 / LAM_H
    assert cobham_waits_h([LAM_H], s)[0] == pytest.approx(0.8 * s / 0.2, rel=1e-12)


def test_erlang_a_limits():
    """Very patient trucks: Erlang-A tends to Erlang C, and almost nobody reneges."""
    from tests.validation.vv_measure import erlang_c_wait_h

    s = 2 * 0.7 / LAM_H
    w, p = erlang_a(LAM_H, s, 2, 1e4)
    assert w == pytest.approx(erlang_c_wait_h(LAM_H, s, 2), rel=1e-3)
    assert p < 1e-5


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_priority_matches_cobham(engine):
    _check(priority_case(engine, 0.8, reps=4, days=4))


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_reneging_matches_erlang_a(engine):
    _check(reneging_case(engine, 1.1, 3, 0.1, reps=4, days=4))


def test_priority_band_can_fail():
    """FIFO waits (both classes the M/M/1 wait) fall outside the per-class bands."""
    (e_fruit, m_fruit), (e_other, m_other) = priority_case("fast", 0.8, reps=4, days=4)
    fifo = 0.8 * (0.8 / LAM_H) / 0.2
    assert not (abs(m_fruit.mean - fifo) <= m_fruit.half + REL_TOL * fifo)
    assert not (abs(m_other.mean - fifo) <= m_other.half + REL_TOL * fifo)


# Heavier: more cases, 8 x 12 days each; every case on the fast engine, one on the
# twin (the twin equals the fast engine truck by truck: tests/properties/test_engine_twin.py).
@pytest.mark.slow
@pytest.mark.parametrize(("engine", "rho"), [("fast", 0.5), ("fast", 0.9), ("reference", 0.9)])
def test_priority_matches_cobham_full(engine, rho):
    _check(priority_case(engine, rho, reps=8, days=12))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("engine", "rho", "servers", "patience_h"),
    [("fast", 0.9, 1, 0.05), ("fast", 1.1, 3, 0.1), ("fast", 1.5, 5, 0.5), ("reference", 1.5, 5, 0.5)],
)
def test_reneging_matches_erlang_a_full(engine, rho, servers, patience_h):
    _check(reneging_case(engine, rho, servers, patience_h, reps=8, days=12))


def test_reneging_band_can_fail():
    """Erlang-A with twice the patience lies outside the bands of the simulated figures."""
    (_, m_wait), (_, m_share) = reneging_case("fast", 1.1, 3, 0.1, reps=4, days=4)
    w2, p2 = erlang_a(LAM_H, 1.1 * 3 / LAM_H, 3, 0.2)
    assert not m_wait.covers(w2, REL_TOL) or not m_share.covers(p2, REL_TOL)
    assert not m_share.covers(p2, REL_TOL)

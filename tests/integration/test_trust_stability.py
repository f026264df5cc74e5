"""The long experiment catches a queue the arithmetic misses; a fit recovers a stable truth
and excludes an unstable alternative the short targets alone would keep."""

from __future__ import annotations

import numpy as np
import pytest

from gatesim.scenario.load import load_scenario
from gatesim.trust.evaluate import Runner
from gatesim.trust.fit import FitConfig, run_fit
from gatesim.trust.priors import load_priors
from gatesim.trust.stability import backlog_task, backlog_trend, daily_arrivals, overloaded, utilisation
from gatesim.trust.targets import load_targets
from tests.helpers.trust_cases import write_case

pytestmark = pytest.mark.integration

# Outages the arithmetic does not subtract: about 2 a day of ~3 h each at the Chinese lane
OUTAGES = (
    "        hours: {tz: china, open_h: 8, close_h: 20}\n"
    "        random_outages: {rate_per_day: 2.0, duration_h: {dist: exponential, mean_h: 3.0}}\n"
)


def _long(paths, days: int = 28, reps: int = 3):
    sc, _ = load_scenario(paths["scenario"], ("calendar.warmup_days=0",))
    levels = [backlog_task(sc, days, r, 11)["rows"][0] for r in range(reps)]
    lv = {"g": np.array([x["g"] for x in levels])}
    arrivals = {"g": sum(daily_arrivals(sc, "g", days).values())}
    return sc, backlog_trend(lv, arrivals, 21, 0.01, 3.0)[0]


def test_the_long_experiment_catches_a_queue_the_arithmetic_passes(tmp_path):
    # 1.6 min a truck: 450 a day against 400 (utilisation 0.89) on paper; outages take ~a third
    paths = write_case(tmp_path / "outages", accept=1.6)
    text = paths["scenario"].read_text(encoding="utf-8")
    paths["scenario"].write_text(
        text.replace("        hours: {tz: china, open_h: 8, close_h: 20}\n", OUTAGES), encoding="utf-8"
    )
    sc, trend = _long(paths)
    assert overloaded(utilisation(sc, 28)) == []
    assert trend.grows, trend
    assert trend.last > trend.first + 300  # three weeks of ~45 more trucks a day

    stable = write_case(tmp_path / "stable", accept=1.2)  # 600 a day against 400, no outages
    sc, trend = _long(stable)
    assert overloaded(utilisation(sc, 28)) == []
    assert not trend.grows, trend


STABILITY = """\
stability:
  experiment: long
  hour: 20
  last_days: 21
  max_growth_share: 0.01
  z: 3
  reason: test
experiments:
  long:
    what: 28 days of the tiny gate
    start: 2026-03-02
    days: 28
    warmup_days: 0
"""


def test_a_synthetic_truth_is_recovered_and_an_unstable_alternative_excluded(tmp_path):
    """Truth 1.5 min (480 a day for 400). The only target is two days' acceptances from empty,
    with a wide sd: a world at 1.9 min (379 a day) accepts nearly as many in two days and is
    kept by the target alone, but cannot carry the traffic: the screen rules it out."""
    paths = write_case(tmp_path / "fit", accept=4.0, low=1.0, high=2.4, accepted=390.0)
    text = paths["targets"].read_text(encoding="utf-8")
    text = text.replace("experiments:\n", STABILITY, 1).replace("sd: 11.7", "sd: 25")
    paths["targets"].write_text(text, encoding="utf-8")
    sc, res = load_scenario(paths["scenario"])
    priors = load_priors(paths["priors"], sc, res)
    targets = load_targets(paths["targets"], gates=list(sc.gates))
    cfg = FitConfig(sets_per_wave=10, waves=1, replications=3, predict_members=2, seed=3)
    notes: list[str] = []
    result = run_fit(
        targets, priors, res, tmp_path / "out", cfg, Runner(workers=1, quiet=True), on_note=notes.append
    )
    d = result.design
    theta = result.ensemble["accept_min"].to_numpy(float)
    assert theta.size >= 2 and np.all(theta < 1.8)  # 720 / 1.8 = 400: every member clears its arrivals
    assert theta.min() <= 1.5 <= theta.max() + 0.2
    unstable = d[d["accept_min"] >= 1.8]
    assert len(unstable) >= 2 and unstable["screened_out"].all() and not unstable["plausible"].any()
    assert result.ensemble["stable"].astype(bool).all()
    # the target alone would have kept an unstable world: its two-day acceptances are within 3 sd
    from gatesim.trust.evaluate import evaluate

    alt = [{"set_id": 0, "wave": 1, "accept_min": 1.9}]
    v = evaluate(
        "alt", alt, targets, ("fit",), priors, res, tmp_path / "alt", 3, 3, Runner(workers=1, quiet=True)
    )
    assert abs(v["value"].mean() - 390.0) <= 3 * 25
    assert any("ruled out by capacity" in n for n in notes)

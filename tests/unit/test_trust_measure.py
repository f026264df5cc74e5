"""Measurement rules agree with the projections they stand beside; revenue summary arithmetic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gatesim.events.kinds import Kind
from gatesim.projections.kpis import summarize
from gatesim.projections.periods import period_totals
from gatesim.run import run_replication
from gatesim.scenario.load import load_scenario
from gatesim.trust.measure import measure, sim_hour
from gatesim.trust.revenue import revenue_summary, tax_growth_by_world
from gatesim.trust.revenue_basis import load_revenue_basis, mean_growth_factor, share_of_target
from tests.helpers.trust_cases import write_case


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    paths = write_case(tmp_path_factory.mktemp("m"), accept=4.0)  # 180 accepted a day of 400: a queue builds
    sc, _ = load_scenario(paths["scenario"])
    return run_replication(sc, 2, 0, 11)


def test_in_system_at_20h_matches_the_period_projection(log):
    a = sim_hour(log, pd.Timestamp("2026-03-03").date())
    got = measure(log, "in_system_at", {"date": "2026-03-03", "hour": 20})
    assert got == period_totals(log, a, a + 24.0)["waiting_at_20h"].sum()
    assert got > 100  # the case is congested: the rule is not trivially 0
    assert measure(log, "in_system_at", {"date": "2026-03-03", "hour": 20, "direction": "import"}) == 0


def test_crossings_and_acceptance_per_day_match_the_summary(log):
    summary = summarize(log)
    per_day = measure(log, "crossings_per_day", {"start": "2026-03-02", "end": "2026-03-03"})
    assert per_day == pytest.approx(float(summary["throughput_per_day"].sum()))
    accepted = measure(
        log, "stage_ended_per_day", {"start": "2026-03-02", "end": "2026-03-03", "stage": "cn_acceptance"}
    )
    assert accepted == pytest.approx(per_day)  # exports cross when China accepts them
    assert 170 <= accepted <= 185  # 720 min / 4 min a day, at most one more by the closing edge
    plus = measure(
        log, "crossings_per_day", {"start": "2026-03-02", "end": "2026-03-03", "plus_unmodelled": 50}
    )
    assert plus == per_day + 50


def test_approach_queue_km(log):
    km = measure(log, "approach_km_at", {"date": "2026-03-03", "hour": 20})
    at = sim_hour(log, pd.Timestamp("2026-03-03").date(), 20.0)
    # folded here from the raw rows: trucks blocked by then, less those of them that got a yard slot
    blocked = set(log.truck[(log.kind == Kind.BLOCKED) & (log.t_h <= at)].tolist())
    in_yard = set(log.truck[(log.kind == Kind.YARD_IN) & (log.t_h <= at)].tolist())
    waiting = len(blocked - in_yard)
    g = log.meta["gates"][0]
    assert km == pytest.approx(waiting * g["truck_spacing_m"] / g["approach_lanes"] / 1000.0)
    assert waiting > 0  # yard of 300 full after a day of 400 arriving, 180 accepted


def test_revenue_summary_compares_the_same_gates_above_and_below_the_line():
    results = pd.DataFrame(
        {
            "world": [0, 0, 0, 1, 1, 1],
            "gate": ["huu_nghi", "tan_thanh", "chi_ma"] * 2,
            "days": [365] * 6,
            "revenue_vnd": [4e12, 6e12, 1e12, 5e12, 7e12, 1e12],
            "value_usd": [1e9] * 6,
        }
    )
    basis = load_revenue_basis()
    s = revenue_summary(results, {"assigned": 10e12}, basis).set_index("gate")
    assert s.loc["all_modelled", "annual_tax_median_vnd"] == pytest.approx(12e12)
    assert s.loc["huu_nghi+tan_thanh", "annual_tax_median_vnd"] == pytest.approx(11e12)
    assert s.loc["all_modelled", "annual_value_median_usd"] == pytest.approx(3e9)
    # Hữu Nghị + Tân Thanh against their own 2025 share of the target; Chi Ma is not in the numerator
    assert basis.gates == ("huu_nghi", "tan_thanh")
    assert basis.share == pytest.approx((6044 + 4237) / 12144.9)
    assert s.loc["huu_nghi+tan_thanh", "vs_assigned_median"] == pytest.approx(
        11e12 / (10e12 * basis.share), rel=0.02
    )
    assert np.isnan(s.loc["all_modelled", "vs_assigned_median"])
    # the run's definition is the same function
    pct = share_of_target({"huu_nghi": 5.5e12, "tan_thanh": 5.5e12, "chi_ma": 9e12}, 10e12, basis)
    assert pct == pytest.approx(11e12 / (10e12 * basis.share))


def test_tax_per_truck_growth_scales_the_year_and_the_seeds_disagreement_is_stated():
    results = pd.DataFrame(
        {
            "world": [0, 0, 1, 1],
            "gate": ["huu_nghi", "tan_thanh"] * 2,
            "days": [365] * 4,
            "revenue_vnd": [1e12] * 4,
        }
    )
    basis = load_revenue_basis()
    growth = tax_growth_by_world([0, 1], 0.0, 0.5)
    assert growth == {0: 0.375, 1: 0.125}  # stratified, in reverse order
    s = revenue_summary(results, {}, basis, {"tax": growth}).set_index("gate")
    expected = np.median([mean_growth_factor(0.375), mean_growth_factor(0.125)]) * 1e12
    assert s.loc["huu_nghi", "annual_tax_median_vnd"] == pytest.approx(expected)
    assert mean_growth_factor(0.0) == 1.0 and 1.0 < mean_growth_factor(0.5) < 1.5
    assert 2.0 < basis.run_rate_ratio < 2.6 and "disagree" in basis.disagreement()
    lo, hi = basis.per_truck_growth["tax"]
    assert lo == 0.0 and hi == pytest.approx(1.82 / 1.15 - 1, abs=0.001)


def test_the_targets_file_knows_every_period_total(log):
    from gatesim.projections.periods import period_totals
    from gatesim.trust.targets import PERIOD_COLUMNS

    cols = [c for c in period_totals(log, 24.0, 48.0).columns if c != "gate"]
    assert tuple(cols) == PERIOD_COLUMNS


def test_revenue_words_in_billion_vnd_with_a_warning_for_few_worlds():
    from gatesim.trust.revenue import FEW_WORLDS, format_revenue

    rows = []
    for gate, bn in (("huu_nghi", 9_000.0), ("tan_thanh", 7_000.0), ("huu_nghi+tan_thanh", 16_000.0)):
        row = {"gate": gate, "worlds": 3}
        row.update(
            {f"annual_tax_{q}_vnd": bn * 1e9 * f for q, f in (("median", 1.0), ("p05", 0.9), ("p95", 1.1))}
        )
        row.update(
            {
                f"vs_assigned_{q}": (v if gate == "huu_nghi+tan_thanh" else float("nan"))
                for q, v in (("median", 2.0), ("p05", 1.8), ("p95", 2.2))
            }
        )
        rows.append(row)
    text = format_revenue(pd.DataFrame(rows), {"assigned": 9.6e12}, 3)
    assert "Hữu Nghị + Tân Thanh" in text and "16,000 [14,400-17,600]" in text
    assert "Hữu Nghị + Tân Thanh at 200% [180%-220%] of their part" in text
    assert "e+" not in text and "nan" not in text.lower()
    assert "warning: the 5-95% range is from 3 worlds only" in text
    assert "warning" not in format_revenue(pd.DataFrame(rows), {"assigned": 9.6e12}, FEW_WORLDS)


def test_a_failed_assessment_leaves_no_empty_out_it_made(tmp_path):
    from gatesim.trust.assess_cli import no_empty_out

    made = tmp_path / "new" / "out"
    made.mkdir(parents=True)
    (made / "runs").mkdir()
    with pytest.raises(OSError), no_empty_out(made, existed=False):
        raise OSError("the dask scheduler at tcp://127.0.0.1:1 did not answer")
    assert not made.exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "notes.txt").write_text("a user's file")
    with pytest.raises(OSError), no_empty_out(kept, existed=False):
        raise OSError("lost")
    assert (kept / "notes.txt").read_text() == "a user's file"  # a folder holding a file is never removed
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    with pytest.raises(OSError), no_empty_out(theirs, existed=True):
        raise OSError("lost")
    assert theirs.is_dir()  # a folder that existed before the command is left as it was

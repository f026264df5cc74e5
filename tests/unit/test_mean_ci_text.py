"""One cell format for a KPI over replications (the terminal's table, the report's headline and its
automated-lane table): the mean ± the 95% CI half-width, scaled, at the registry's digits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gatesim.stats import ci_half_width, mean_ci_text


def test_mean_and_half_width_scaled_to_the_digits():
    values = pd.Series([0.5, 0.7, 0.6, "x"])  # a cell that is not a number is left out
    half = ci_half_width(np.array([50.0, 70.0, 60.0]))
    assert mean_ci_text(values, 1, scale=100.0) == f"60.0 ± {half:.1f}"
    assert mean_ci_text([1234.0, 1236.0], 0) == f"1,235 ± {ci_half_width(np.array([1234.0, 1236.0])):,.0f}"


def test_one_value_has_no_interval_and_none_is_the_empty_mark():
    assert mean_ci_text([2.345], 2) == "2.35"  # no "± 0" claiming certainty
    assert mean_ci_text([np.nan, np.nan], 2) == "–"
    assert mean_ci_text(pd.Series([], dtype=float), 2, empty="-") == "-"

"""Regression tests for model bugs found by the validation checks."""

from __future__ import annotations

import numpy as np

from gatesim.run import run_replication
from tests.validation.vv_build import scenario_of, service_stage


def test_log_in_time_order_when_a_yard_slot_is_handed_over():
    # Found by Hypothesis (test_vv_properties with more examples): one China-time
    # stage open an hour a day, a 12-truck yard around it, 125 trucks a day.
    sc = scenario_of(
        {"s0": service_stage(1, 1.9, hours={"tz": "china", "open_h": 8, "close_h": 9})},
        125.0,
        yard_trucks=12,
        yard_span=("s0", "s0"),
    )
    log = run_replication(sc, 1, 0, 1)
    assert np.all(np.diff(log.t_h) >= 0)

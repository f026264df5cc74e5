"""The quick calibration table says why a ratio is far from 1."""

from __future__ import annotations

import pandas as pd

from gatesim.calibrate import format_calibration, load_figures, why_far
from gatesim.trust.targets import load_targets


def test_every_unfitted_figure_far_from_its_model_has_a_reason_in_the_figures_file():
    figs = load_figures()
    targets = {t.id: t for t in load_targets().targets}
    reasons = {str(f["id"]): why_far(f, targets.get(str(f["id"]))) for _, f in figs.iterrows()}
    assert all(reasons.values()), [k for k, v in reasons.items() if not v]
    # the targets file's flags come first: F1 is an echo (arrivals are set from it)
    assert reasons["F1"].startswith("echo: the model is set from this figure")
    assert reasons["F4a"].startswith("counts all goods crossing")  # the 0.06 ratio's reason
    assert reasons["F11a"] == "declarations, not trucks; 2020 traffic"  # the 8.6 ratio's


def test_an_upper_bound_and_a_structural_discrepancy_are_named():
    from gatesim.trust.targets import Target

    base = dict(what="w", counts="c", value=20.0, sd=10.0, unit="km", period="p", source="s", role="fit",
                experiment="e", note="tens of km read as 20 km; more")  # fmt: skip
    figure = pd.Series({"id": "X", "fitted": "no", "reason": ""})
    assert why_far(figure, Target(id="X", bound="upper", **base)).startswith("upper bound only")
    disc = Target(id="X", discrepancy_sd=5.0, **base)
    assert why_far(figure, disc) == "structural discrepancy (targets file): tens of km read as 20 km"
    assert why_far(figure, None) == ""


def test_the_quick_table_prints_the_reason_beside_the_ratio():
    row = {"id": "F4a", "what": "value of all types", "unit": "USD", "target": 3e9, "model_mean": 1.8e8,
           "model_ci95_low": 1.7e8, "model_ci95_high": 1.9e8, "ratio": 0.06, "fitted": "no",
           "within_tolerance": "", "reason": "counts all goods crossing the province"}  # fmt: skip
    unexplained = {**row, "id": "Z", "reason": "", "ratio": 2.0}
    lines = format_calibration(pd.DataFrame([row, unexplained])).splitlines()
    assert lines[0].rstrip().endswith("why the ratio is not 1")
    assert lines[1].startswith("F4a") and " 0.06 " in lines[1]
    assert lines[1].endswith("value of all types" + " " * 28 + "counts all goods crossing the province")
    assert lines[2].endswith("see the CSV's note column")

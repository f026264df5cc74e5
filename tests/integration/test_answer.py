"""``gatesim answer`` end to end on the tiny case: the golden text, both languages, refusals."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from gatesim.cli import main

_spec = importlib.util.spec_from_file_location(
    "answer_case", Path(__file__).parents[1] / "golden" / "answer_case.py"
)
answer_case = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(answer_case)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def answered(tmp_path_factory):
    root = tmp_path_factory.mktemp("answer")
    en = answer_case.produce(root, "en")
    vi = answer_case.produce(root, "vi")  # the same runs, resumed: only the words change
    return root, en, vi


def test_golden_answer_text(answered):
    _, (text, _), _ = answered
    expected = answer_case.GOLDEN.read_text(encoding="utf-8")
    assert text == expected, "answer text changed; if intended: python tests/golden/answer_case.py"


def test_the_effect_leads_in_plain_units_with_its_size_and_the_null_is_untouched(answered):
    _, (text, _), _ = answered
    first = text.splitlines()[2]
    assert first.startswith("Mean wait per truck at G: \u2212") and "(large; detectable)" in first
    assert re.search(r"\d+ h \d\d min", first)
    assert "What noop does" in text and "Untouched: G (identical in every run)." in text
    assert "1 of 4 worlds left out at G" in text  # accept 2.0 min: 360 of 400 a day cross


def test_vietnamese_text_uses_the_registry_labels(answered):
    _, _, (text, page) = answered
    assert "Thời gian chờ trung bình mỗi xe tại G" in text and "phút" in text
    assert "<html lang='vi'>" in page and "mean wait per truck" not in text


def test_verdicts_csv_has_one_family_over_both_scopes(answered):
    root, _, _ = answered
    rows = pd.read_csv(root / "answer" / "verdicts.csv")
    assert set(rows["scope"]) == {"baseline", "worlds"}
    tested = rows["p_value"].notna()
    assert (rows.loc[tested, "p_value_adj"] >= rows.loc[tested, "p_value"] - 1e-12).all()


def test_page_names_no_machine_path(answered):
    root, (_, page), (_, page_vi) = answered
    for p in (page, page_vi):
        assert str(root) not in p and "/tmp/" not in p and "/home/" not in p


def test_no_ensemble_is_refused_in_one_line_and_nothing_written(tmp_path):
    case = answer_case.write_case(tmp_path / "case")
    (tmp_path / "case" / "tiny.ensemble.csv").unlink()
    out = tmp_path / "never"
    res = CliRunner().invoke(main, ["answer", str(case["two_lanes"]), "--out", str(out)])
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1
    assert "no plausible ensemble" in res.output and not out.exists()


def test_it_says_how_many_runs_and_about_how_long_before_it_starts(answered):
    root, _, _ = answered
    case = root / "case"
    args = ["answer", str(case / "two_lanes.yaml"), str(case / "noop.yaml"), "--out", str(root / "answer")]
    res = CliRunner().invoke(main, [*args, *answer_case.ARGS])  # every run done: resumed, nothing run again
    assert res.exit_code == 0, res.output
    first = res.output.splitlines()[0]
    assert first.startswith(
        "30 runs (5 worlds incl. the calibrated baseline × 3 scenarios × 2 replications, 2 days each) on "
    )
    assert "; an estimate: about " in first and ("kernel" in first or "SimPy" in first)

"""A run's page in headless Chromium at 1200 px: the headline within the first screen, nothing wider
than the window outside a box that scrolls it, no machine path."""

from __future__ import annotations

from pathlib import Path

import pytest
from chromium import HEIGHT, WIDTH
from click.testing import CliRunner
from shots import TOO_WIDE

from gatesim.cli import main

pytestmark = pytest.mark.integration  # a 2-day run, its report and a browser (~25 s)

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline_2026.yaml"


@pytest.fixture(scope="module")
def run_page(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("width") / "run"
    res = CliRunner().invoke(
        main,
        ["run", str(BASELINE), "--days", "2", "-r", "2", "--out", str(out), "-q", "--no-events", "--report"],
    )
    assert res.exit_code == 0, res.output
    return out / "report.html"


def test_the_headline_is_on_the_first_screen_and_nothing_is_too_wide(open_page, run_page):
    w = open_page(run_page.as_uri())
    page = w.page
    table = page.locator("h2#headline ~ div.box table").first
    box = table.bounding_box()
    assert box is not None and box["y"] + box["height"] <= HEIGHT  # the headline, whole, before any scroll
    assert "mean wait per truck" in table.inner_text()
    assert page.evaluate(TOO_WIDE) == []
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    assert page.evaluate(TOO_WIDE) == []  # the calibration and stage tables too, once opened
    assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTH
    assert w.errors == [] and w.outside() == []
    text = page.content()
    assert str(run_page.parent) not in text and "/tmp/" not in text

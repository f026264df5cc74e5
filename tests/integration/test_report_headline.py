"""A run's page opens with the terminal's table in plain words, leaves empty panels out in one line,
and never draws a legend smaller than 11 px on the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure

from gatesim.cli import main
from gatesim.report.common import MIN_LEGEND_PX, PAGE_WIDTH_PX, legend_min_pt, new_figure, render_png

pytestmark = pytest.mark.integration  # a 2-day run and its report (~15 s)

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline_2026.yaml"


def _legend_px(fig: Figure) -> list[float]:
    """Every legend text's size in CSS pixels as the page shows the figure (scaled to the column)."""
    width_px = fig.get_figwidth() * fig.dpi
    shown = min(1.0, PAGE_WIDTH_PX / width_px)
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes)]
    return [
        float(t.get_fontsize()) * fig.dpi / 72.0 * shown
        for leg in legends
        if leg is not None
        for t in [*leg.get_texts(), leg.get_title()]
        if t.get_text()
    ]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """A run with Cốc Nam closed to traffic (every panel of it would be empty), and the legends seen."""
    seen: list[float] = []
    save = Figure.savefig

    def recording(self, *a, **kw):
        seen.extend(_legend_px(self))
        return save(self, *a, **kw)

    out = tmp_path_factory.mktemp("headline") / "run"
    mp = pytest.MonkeyPatch()
    mp.setattr(Figure, "savefig", recording)
    try:
        res = CliRunner().invoke(
            main,
            ["run", str(BASELINE), "--days", "2", "-r", "2", "--out", str(out), "-q", "--no-events", "--report",
             "--set", "gates.coc_nam.arrivals.per_day=0"],
        )  # fmt: skip
    finally:
        mp.undo()
    assert res.exit_code == 0, res.output
    return (out / "report.html").read_text(encoding="utf-8"), seen


def test_the_page_opens_with_the_headline_in_plain_words(page):
    text, _ = page
    first = re.search(r"<h2[^>]*>([^<]+)</h2>", text)
    assert first is not None and first.group(1) == "Headline"
    head = text[text.index("<h2") : text.index("<h2", text.index("<h2") + 1)]
    for words in ("mean wait per truck", "95th percentile of wait", "crossings per day", "customs tax due"):
        assert words in head
    assert "wait_mean_h" not in head and re.search(r"\d+ h \d\d min ± ", head)  # plain units
    assert " bn VND" in head


def test_empty_panels_are_left_out_and_said_in_one_line(page):
    text, _ = page
    for chart in ("Trucks waiting over time", "Hourly arrivals and crossings"):
        figure = text[text.index(f"<h3>{chart}</h3>") :]
        caption = figure[figure.index("<figcaption>") : figure.index("</figcaption>")]
        assert "at Cốc Nam: its panel is left out." in caption
    # a chart with nothing at any gate (no spillback in these two January days) is one line, not empty frames
    assert '<figure id="spillback_km">' not in text
    assert '<p class="empty" id="spillback_km"><b>Spillback on the approach road:</b> No truck' in text


def test_every_legend_on_the_page_is_at_least_11_px(page):
    _, seen = page
    assert seen and min(seen) >= MIN_LEGEND_PX - 1e-9


def test_a_small_legend_is_raised_and_a_wide_figure_needs_more_points():
    fig = new_figure(10, 4)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.legend(fontsize=6)
    assert min(_legend_px(fig)) < MIN_LEGEND_PX  # as asked for: too small
    render_png(fig)
    assert min(_legend_px(fig)) >= MIN_LEGEND_PX - 1e-9
    assert legend_min_pt(new_figure(14, 4)) > legend_min_pt(new_figure(10, 4))

"""The report in a real headless Chromium (Playwright; tests/browser/conftest.py): every page
loads offline with no console error and no request leaving the machine, every image is there,
the multi-scenario page is short until opened, and a screenshot of each chart at a fixed
viewport is not blank. Skips, saying why, where Chromium is absent."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from chromium import HEIGHT, WIDTH
from click.testing import CliRunner
from PIL import Image
from shots import ink, not_blank

from gatesim.cli import main
from gatesim.compare import compare_tables
from gatesim.report.common import new_figure, render_png

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline_2026.yaml"

# slow: four reports built from runs, ~60 s; .ci/run runs the slow tier
pytestmark = [pytest.mark.slow]


def _cli(*args: str):
    res = CliRunner().invoke(main, list(args))
    assert res.exit_code == 0, res.output
    return res


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """A run, a three-scenario run, a comparison and a sweep, each with its report.html."""
    root = tmp_path_factory.mktemp("browser")
    run = root / "run"
    _cli("run", str(BASELINE), "--days", "1", "-r", "2", "--out", str(run), "-q", "--report")
    multi = root / "multi"
    for n in ("baseline", "eight_lanes", "longer_hours"):
        shutil.copytree(run, multi / n, ignore=shutil.ignore_patterns("report*", "events"))
    (multi / "manifest.json").write_text(
        json.dumps({"complete": True, "scenarios": sorted(p.name for p in multi.iterdir())})
    )
    _cli("report", str(multi))
    cmp_dir = root / "cmp"
    cmp_dir.mkdir()
    base = pd.read_csv(run / "summary.csv")
    other = base.assign(scenario="eight_lanes")
    tt = other["gate"] == "tan_thanh"
    other.loc[tt, "wait_mean_h"] *= 0.6
    compare_tables(base, [other]).to_csv(cmp_dir / "comparison.csv", index=False)
    _cli("report", str(cmp_dir))
    sweep = root / "sweep"
    sweep.mkdir()
    rows = []
    for point, lanes in enumerate((4, 6, 8)):
        for rep in range(2):
            for gate in ("tan_thanh", "huu_nghi"):
                k = point if gate == "tan_thanh" else 0
                rows.append(
                    {"point": point, "gates.tan_thanh.stages.road.lanes": lanes, "replication": rep, "seed": 1,
                     "gate": gate, "scenario": f"b.p{point}", "days": 1.0, "throughput_per_day": 600 + 10 * k + rep,
                     "wait_mean_h": 4 - k + 0.2 * rep, "wait_p95_h": 8.0 + rep, "waiting_at_20h_mean": 50.0 + k,
                     "queue_max_km": 0.1 * k, "revenue_vnd": 1.5e10 + 1e8 * k, "error": np.nan}
                )  # fmt: skip
    pd.DataFrame(rows).to_csv(sweep / "results.csv", index=False)
    _cli("report", str(sweep))
    return {"run": run / "report.html", "multi": multi / "report.html", "comparison": cmp_dir / "report.html",
            "sweep": sweep / "report.html"}  # fmt: skip


_IMAGES = """JSON.stringify(Array.from(document.images).map(i => {
  const r = i.getBoundingClientRect();
  return {id: (i.closest('figure') || {}).id, complete: i.complete, w: i.naturalWidth, h: i.naturalHeight,
          x: r.left + window.scrollX, y: r.top + window.scrollY, cw: r.width, ch: r.height};
}))"""
_OPEN_ALL = "document.querySelectorAll('details').forEach(d => d.open = true); document.body.scrollHeight"


def _shot(page, box: dict) -> bytes:
    """A screenshot of a box in page coordinates."""
    return page.screenshot(full_page=True, clip=box)


@pytest.mark.parametrize("kind", ["run", "multi", "comparison", "sweep"])
def test_page_loads_offline_with_every_image_and_no_error(open_page, pages, kind):
    html = pages[kind]
    w = open_page(html.as_uri())
    page = w.page
    assert w.errors == []
    assert w.outside() == []
    page.evaluate(_OPEN_ALL)
    images = json.loads(page.evaluate(_IMAGES))
    figures = re.findall(r'<figure id="([^"]+)"', html.read_text(encoding="utf-8"))
    assert len(images) == len(figures) >= 1
    for img in images:
        assert img["complete"] and img["w"] >= 600 and img["h"] >= 200, img
        assert img["cw"] > 300 and img["ch"] > 100, img  # laid out at a readable size
    assert w.errors == []


def test_multi_scenario_page_leads_with_the_overview_and_is_short(open_page, pages):
    page = open_page(pages["multi"].as_uri()).page
    folded = page.evaluate("document.body.scrollHeight")
    first = page.evaluate("document.querySelector('h2').textContent")
    opened = page.evaluate(_OPEN_ALL)
    assert first == "Overview"
    assert folded < 4000, folded  # the overview and three closed sections, not ~21,000 px
    assert opened > 3 * folded  # the detail is all there, a click away


@pytest.mark.parametrize("kind", ["run", "comparison", "multi"])
def test_screenshot_of_every_chart_is_not_blank(open_page, pages, kind):
    page = open_page(pages[kind].as_uri()).page
    shot = page.screenshot()
    assert Image.open(io.BytesIO(shot)).size == (WIDTH, HEIGHT)  # the fixed viewport
    assert not_blank(shot)
    page.evaluate(_OPEN_ALL)
    for img in json.loads(page.evaluate(_IMAGES)):
        clip = {"x": img["x"], "y": img["y"], "width": img["cw"], "height": img["ch"]}
        png = _shot(page, clip)
        assert not_blank(png), (img["id"], ink(png))


def test_the_check_catches_a_missing_and_an_empty_chart(open_page, pages, tmp_path):
    """The same page with one chart replaced by an empty figure and one by a broken image: the
    checks above fail on both (so they can fail)."""
    fig = new_figure(10, 4)
    ax = fig.subplots()
    ax.set_title("no data")
    ax.set_xlabel("date")
    ax.grid(alpha=0.3)
    empty = base64.b64encode(render_png(fig)).decode()
    text = pages["run"].read_text(encoding="utf-8")
    srcs = re.findall(r'src="(data:image/png;base64,[^"]+)"', text)
    text = text.replace(srcs[0], f"data:image/png;base64,{empty}").replace(
        srcs[1], "data:image/png;base64,AAAA"
    )
    broken = tmp_path / "report.html"
    broken.write_text(text, encoding="utf-8")
    page = open_page(broken.as_uri()).page
    images = json.loads(page.evaluate(_IMAGES))
    # the broken one is no picture (the image check fails): Chromium shows its alt text instead
    assert images[1]["w"] == 0 and images[1]["cw"] < 300
    shots = [
        _shot(page, {"x": i["x"], "y": i["y"], "width": i["cw"], "height": i["ch"]})
        for i in (images[0], images[2])
    ]
    assert not not_blank(shots[0])  # the empty chart: axes and labels, no data (the screenshot check fails)
    assert not_blank(shots[1])  # an untouched chart still passes

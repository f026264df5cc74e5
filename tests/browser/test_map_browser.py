"""The map replay (map.html beside a run's report) in headless Chromium: it loads from the file
alone with no request leaving the machine and no console error; scrubbed with its slider to
three instants, the counts it shows are ``gatesim state``'s at those instants; it plays; and a
screenshot at 1200 x 900 is a picture."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from shots import ink, not_blank

from gatesim.cli import main

ROOT = Path(__file__).resolve().parents[2]
FRUIT = ROOT / "scenarios" / "fruit_season_peak.yaml"  # queues spill onto the roads


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("map") / "run"
    res = CliRunner().invoke(
        main, ["run", str(FRUIT), "--days", "1", "-r", "1", "--out", str(out), "-q", "--report"]
    )
    assert res.exit_code == 0, res.output
    return out


def _state_rows(run_dir: Path, at: str) -> list[tuple[str, str, int, int]]:
    """The rows ``gatesim state RUN --at AT`` prints."""
    res = CliRunner().invoke(main, ["state", str(run_dir), "--at", at])
    assert res.exit_code == 0, res.output
    rows = []
    for line in res.output.splitlines()[2:]:
        parts = line.split()
        rows.append((parts[0], " ".join(parts[1:-2]), int(parts[-2]), int(parts[-1])))
    return rows


_SHOWN = """Array.from(document.querySelectorAll('#state tbody tr')).map(tr =>
  [tr.dataset.gate, tr.dataset.place, Number(tr.children[2].textContent), Number(tr.children[3].textContent)])"""
_SCRUB = """k => { const s = document.getElementById('slider'); s.value = String(k);
  s.dispatchEvent(new Event('input', {bubbles: true})); return document.getElementById('time').textContent; }"""


def test_report_links_the_map(run_dir):
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert 'href="map.html"' in page and (run_dir / "map.html").is_file()


def test_map_loads_from_the_file_alone_without_error(open_page, run_dir):
    w = open_page((run_dir / "map.html").as_uri())
    assert w.errors == []
    assert w.outside() == []
    assert all(u.startswith(("file:", "data:", "about:")) for u in w.requests), w.requests
    assert w.page.evaluate("gatesimMap.frames") > 100


def test_scrubbed_to_three_instants_the_counts_are_gatesim_state(open_page, run_dir):
    w = open_page((run_dir / "map.html").as_uri())
    page = w.page
    n = page.evaluate("gatesimMap.frames")
    busy = 0
    for k in (n // 4, n // 2 + 7, (4 * n) // 5):
        at = page.evaluate(_SCRUB, k)
        assert page.evaluate("gatesimMap.frame") == k
        shown = [tuple(r) for r in page.evaluate(_SHOWN)]
        expected = _state_rows(run_dir, at)
        assert shown == expected, at
        busy += sum(r[2] + r[3] for r in expected) > 0
        # the per-gate counter agrees with the state rows' total in the system
        for gate in {r[0] for r in expected}:
            total = sum(r[2] + r[3] for r in expected if r[0] == gate and r[1] == "in_system")
            assert page.locator(f"#counter-{gate} td").last.text_content() == str(total)
    assert busy == 3
    assert w.errors == []


def test_play_moves_the_clock_and_pause_stops_it(open_page, run_dir):
    page = open_page((run_dir / "map.html").as_uri()).page
    page.evaluate(_SCRUB, 0)
    page.click("#play")
    page.wait_for_function("gatesimMap.frame > 3")
    page.click("#play")  # pause
    k = page.evaluate("gatesimMap.frame")
    page.wait_for_timeout(300)
    assert page.evaluate("gatesimMap.frame") == k


def test_screenshot_is_a_picture_and_the_check_can_fail(open_page, run_dir):
    page = open_page((run_dir / "map.html").as_uri()).page
    page.evaluate(_SCRUB, page.evaluate("gatesimMap.peakFrame()"))
    on_roads = page.evaluate(
        "Array.from(document.querySelectorAll('#counters tbody tr')).reduce((a, tr) => a + Number(tr.children[1].textContent), 0)"
    )
    assert on_roads > 0  # the busiest instant has trucks queued on the approach roads
    shot = page.screenshot()
    assert not_blank(shot), ink(shot)
    canvas = page.locator("#map").screenshot()
    assert not_blank(canvas), ink(canvas)
    out = os.environ.get("GATESIM_SCREENSHOTS")  # docs/img when the docs' pictures are remade
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "map_replay.png").write_bytes(shot)
    page.evaluate("document.body.innerHTML = ''")
    assert not not_blank(page.screenshot())  # an empty page fails the same check


def test_pause_and_play_at_once_run_one_animation_loop(open_page, run_dir):
    """Paused and played again within one frame, the map still draws once per animation frame."""
    page = open_page((run_dir / "map.html").as_uri()).page
    counts = page.evaluate(
        """async () => {
      gatesimMap.play(); await new Promise(r => requestAnimationFrame(r));
      gatesimMap.pause(); gatesimMap.play();
      const d0 = gatesimMap.draws; let raf = 0;
      await new Promise(done => { const f = () => { if (++raf < 30) requestAnimationFrame(f); else done(); }; requestAnimationFrame(f); });
      gatesimMap.pause();
      return [gatesimMap.draws - d0, raf];
    }"""
    )
    draws, raf = counts
    assert draws <= raf + 1, counts

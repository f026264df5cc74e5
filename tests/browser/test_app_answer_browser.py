"""``gatesim app``'s answers in headless Chromium: a proposal answered from the page on a tiny case
(two plausible worlds, one day, one replication), with progress by runs done, carried to its answer
page with the verdict in view; the same directory as ``gatesim answer`` writes; the answer listed
beside the runs; a Vietnamese answer; a bad size shows the CLI's line; cancel leaves nothing and no
process; the app killed leaves no answer process; no request leaving the machine, no console
error; screenshots at 1200 x 900 not blank."""

from __future__ import annotations

import http.client
import re
import signal
import time
from pathlib import Path

import pytest
from app_server import AppServer, worker_pids
from click.testing import CliRunner
from shots import ink, not_blank, save

from gatesim.app.catalog import SCENARIOS_DIR
from gatesim.cli import main

pytestmark = pytest.mark.integration

PROPOSAL = "tan_thanh_8_lanes"
PAST_THE_FIRST_RUN = """() => { const j = document.getElementById('job'); const w = document.getElementById('where');
  return !j || !w || j.dataset.status !== 'running' || !/ 0\\//.test(w.textContent); }"""
RUNS_UNDER_WAY = "((document.getElementById('where') || {}).textContent || '').includes('runs done')"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("app_answer") / "runs"
    folder.mkdir()
    (folder.parent / "secret.txt").write_text("not for the app\n")
    (folder / "answers").mkdir()
    (folder / "answers" / "link").symlink_to(folder.parent)
    return folder


def _start(page, url: str, proposal: str, worlds: str, days: str, reps: str) -> None:
    page.goto(url)
    page.select_option("#proposal", proposal)
    page.select_option("#base", "baseline_2026")
    page.fill("#f-worlds", worlds)
    page.fill("#f-days", days)
    page.fill("#f-replications", reps)
    page.click("#answer")


def _carry(browser, url: str, proposal: str, worlds: str, shot: str) -> dict:
    """An answer started from the form and carried to its page; what the pages showed on the way."""
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    _start(page, url, proposal, worlds, "1", "1")
    page.wait_for_selector("#job[data-status=running]")
    first = page.text_content("#where")
    # the runs done of the total, as they end (a 1-s poll; the six runs take longer than that)
    page.wait_for_function("/\\d+\\/\\d+/.test((document.getElementById('where') || {}).textContent || '')")
    seen = page.text_content("#where")
    if shot == "app_answer":  # the one docs/app.md shows: with a run or more done, when it can
        page.wait_for_function(PAST_THE_FIRST_RUN)
        save("app_answer_progress.png", page.screenshot())
    page.wait_for_selector("#job[data-status=done]", timeout=300_000)
    page.click("#open-answer")
    page.wait_for_selector("#answer-frame")
    frame = page.frame_locator("#answer-frame")
    frame.locator(".verdict").first.wait_for()
    out = {
        "url": page.url,
        "first": first,
        "progress": seen,
        "verdict": page.locator("main .verdict").first.inner_text(),
        "verdict_visible": page.locator("main .verdict").first.is_visible(),
        "framed_verdict": frame.locator(".verdict").first.inner_text(),
        "framed_h1": frame.locator("h1").first.inner_text(),
        "h1": page.text_content("h1"),
        "folder": page.url.split("/answers/")[1].split("?")[0],
    }
    png = page.screenshot()
    save(f"{shot}.png", png)
    out["ink"] = ink(png)
    out["not_blank"] = not_blank(png)
    out["errors"] = errors
    out["outside"] = [u for u in requests if not u.startswith(("http://127.0.0.1", "data:", "about:"))]
    ctx.close()
    return out


@pytest.fixture(scope="module")
def answered(app, browser) -> dict:
    return _carry(browser, f"{app.url}/answer", PROPOSAL, "2", "app_answer")


def test_an_answer_started_from_the_page_is_carried_to_its_page(answered, runs):
    assert answered["errors"] == [] and answered["outside"] == []
    assert "scenarios" in answered["first"] or "/" in answered["first"]
    runs_done, total = re.search(r"runs done (\d+)/(\d+)", answered["progress"]).groups()
    assert total == "6" and 0 <= int(runs_done) <= 6  # (1 + 2 worlds) x (base, proposal) x 1
    assert answered["h1"] == f"Answer: {PROPOSAL}"
    assert answered["verdict_visible"] and answered["verdict"].startswith("Mean wait per truck at Tân Thanh")
    assert answered["framed_verdict"] == answered["verdict"]  # the page gatesim answer wrote, framed
    assert answered["framed_h1"] == f"What {PROPOSAL} does"
    assert answered["not_blank"], answered["ink"]


def test_the_answer_directory_is_the_clis(answered, runs):
    out = runs / "answers" / answered["folder"]
    names = {p.name for p in out.iterdir()}
    assert {"answer.html", "answer.txt", "verdicts.csv", "effects_by_world.csv", "runs"} <= names
    text = (out / "answer.txt").read_text(encoding="utf-8")
    assert text.startswith(f"What {PROPOSAL} does (against baseline_2026)")
    # the same command line over the same directory resumes it: nothing is run again, same text
    res = CliRunner().invoke(
        main,
        ["answer", str(SCENARIOS_DIR / f"{PROPOSAL}.yaml"), "--base", str(SCENARIOS_DIR / "baseline_2026.yaml"),
         "--worlds", "2",
         "--days", "1", "-r", "1", "-j", "1", "-q", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert (out / "answer.txt").read_text(encoding="utf-8") == text


def test_the_answer_is_listed_beside_the_runs(app, open_page, answered):
    w = open_page(f"{app.url}/runs")
    row = w.page.locator(f"#answer-{answered['folder']}")
    assert row.inner_text() == PROPOSAL
    assert "Tân Thanh" in w.page.text_content("#answers")
    assert w.errors == [] and w.outside() == []
    row.click()
    w.page.wait_for_selector("#answer-frame")
    assert w.page.text_content("h1") == f"Answer: {PROPOSAL}"


def test_the_form_loads_offline_without_error(app, open_page):
    for path in ("/answer", "/answer?lang=vi"):
        w = open_page(app.url + path)
        assert w.errors == [] and w.outside() == [], path
        assert w.page.locator("#proposal option").count() >= 5
        assert w.page.input_value("#base") == "baseline_2026"  # the calibrated baseline by default
        shot = w.page.screenshot()
        assert not_blank(shot), ink(shot)


@pytest.fixture(scope="module")
def vi_answer(app, browser) -> dict:
    return _carry(browser, f"{app.url}/answer?lang=vi", "coc_nam_longer_hours", "1", "app_answer_vi")


def test_a_proposal_is_answered_from_the_first_page(app, open_page):
    w = open_page(f"{app.url}/")
    assert w.page.locator("#answer-baseline_2026").count() == 0  # the base itself is no proposal
    w.page.click(f"#answer-{PROPOSAL}")
    w.page.wait_for_selector("#answer-form")
    assert w.page.input_value("#proposal") == PROPOSAL
    first = w.page.text_content("#about")
    assert "lanes" in first  # the scenario file's own description
    w.page.select_option("#proposal", "coc_nam_longer_hours")
    w.page.wait_for_function(f"document.getElementById('about').textContent !== {first!r}")
    assert "Cốc Nam" in w.page.text_content("#about")
    assert w.errors == [] and w.outside() == []


def test_a_vietnamese_answer(vi_answer):
    got = vi_answer
    assert got["errors"] == [] and got["outside"] == []
    assert "lượt chạy đã xong" in got["progress"]
    assert got["h1"] == "Kết quả đánh giá: coc_nam_longer_hours"
    assert got["framed_h1"] == "Tác động của coc_nam_longer_hours"
    assert "Cốc Nam" in got["framed_verdict"] and got["framed_verdict"] == got["verdict"]
    assert got["not_blank"], got["ink"]


def test_asked_again_in_the_other_language_its_runs_are_reused(app, open_page, vi_answer, runs):
    w = open_page(f"{app.url}/answers/{vi_answer['folder']}?lang=en")
    assert "in Vietnamese" in w.page.text_content("main")
    w.page.click("#again")
    w.page.wait_for_selector("#answer-form")
    assert w.page.input_value("#proposal") == "coc_nam_longer_hours"
    assert [w.page.input_value(f"#f-{k}") for k in ("worlds", "days", "replications")] == ["1", "1", "1"]
    w.page.click("#answer")
    w.page.wait_for_selector("#job[data-status=done]", timeout=120_000)
    w.page.click("#open-answer")
    frame = w.page.frame_locator("#answer-frame")
    assert frame.locator("h1").first.inner_text() == "What coc_nam_longer_hours does"
    again = w.page.url.split("/answers/")[1].split("?")[0]
    assert again != vi_answer["folder"]
    first, second = (runs / "answers" / f / "runs" for f in (vi_answer["folder"], again))
    # the very runs of the first answer, copied (times kept) and resumed: none was run again
    made = {p.name: p.stat().st_mtime_ns for p in (first / "tasks").iterdir()}
    assert made and {p.name: p.stat().st_mtime_ns for p in (second / "tasks").iterdir()} == made
    assert w.errors == [] and w.outside() == []


@pytest.mark.parametrize(("key", "value"), [("worlds", "0"), ("days", "367"), ("replications", "1.5")])
def test_a_bad_size_shows_the_cli_line(app, open_page, runs, key, value):
    w = open_page(f"{app.url}/answer")
    w.page.fill(f"#f-{key}", value)
    w.page.click("#answer")
    w.page.wait_for_selector("#error")
    shown = w.page.text_content("#error")
    if value != "1.5":  # the CLI's own option parser says a fraction differently
        res = CliRunner().invoke(main, ["answer", str(SCENARIOS_DIR / f"{PROPOSAL}.yaml"), f"--{key}", value])
        assert res.exit_code == 2
        assert shown == res.output.strip().splitlines()[-1]
    assert shown.startswith(f"gatesim: error: --{key}: ") and value in shown
    assert w.errors == []
    assert [p.name for p in (runs / "answers").iterdir() if p.name.startswith(".")] == []


def test_cancel_leaves_nothing_and_no_process(app, open_page, runs):
    before = {p.name for p in (runs / "answers").iterdir()}
    w = open_page(f"{app.url}/answer")
    _start(w.page, f"{app.url}/answer", "fruit_green_lane", "4", "30", "1")
    w.page.wait_for_selector("#job[data-status=running]")
    w.page.wait_for_function(RUNS_UNDER_WAY)
    assert worker_pids(runs)  # the answer's worker is at work (with its sweep's processes)
    w.page.click("#cancel")
    w.page.wait_for_selector("#job[data-status=cancelled]", timeout=60_000)
    deadline = time.time() + 30
    while worker_pids(runs) and time.time() < deadline:
        time.sleep(0.2)
    assert worker_pids(runs) == []
    assert {p.name for p in (runs / "answers").iterdir()} == before  # no folder, no scratch
    assert w.errors == []


@pytest.mark.parametrize(
    "raw", ["/answers/..%2f..", "/answers/link", "/answers/.hidden", "/files/answers/link/secret.txt"]
)
def test_a_path_outside_the_runs_folder_is_refused(app, raw):
    c = http.client.HTTPConnection("127.0.0.1", app.port, timeout=10)
    c.putrequest("GET", raw, skip_accept_encoding=True)
    c.endheaders()
    r = c.getresponse()
    assert r.status == 404, raw
    assert b"not for the app" not in r.read()


def test_no_answer_process_outlives_a_killed_app(browser, tmp_path):
    """Killed (SIGKILL), the app's answer worker gets the kernel's parent-death signal and ends
    its sweep's processes with it."""
    own = tmp_path / "runs"
    server = AppServer(own)
    try:
        ctx = browser.new_context()
        page = ctx.new_page()
        _start(page, f"{server.url}/answer", "fruit_green_lane", "4", "30", "1")
        page.wait_for_function(RUNS_UNDER_WAY)
        ctx.close()
        assert worker_pids(own)
    finally:
        server.stop(signal.SIGKILL)
    deadline = time.time() + 30
    while worker_pids(own) and time.time() < deadline:
        time.sleep(0.2)
    assert worker_pids(own) == []

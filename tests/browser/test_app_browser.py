"""``gatesim app`` in headless Chromium, started as a planner starts it: every page loads with no
request leaving the machine and no console error; a parameter edited and a 2-day run carried to
its end through the page (progress by simulated day, then the report and the map); a bad value
shows the CLI's one line; two runs compared; a run cancelled leaves nothing; paths outside the
runs folder refused; the app's workers end with the app; screenshots at 1200 x 900 not blank."""

from __future__ import annotations

import http.client
import signal
import time
from pathlib import Path

import pytest
from app_server import AppServer, worker_pids
from click.testing import CliRunner
from shots import ink, not_blank, save

from gatesim.app.catalog import SCENARIOS_DIR
from gatesim.cli import main

BASELINE = SCENARIOS_DIR / "baseline_2026.yaml"
_save = save


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """The runs folder, holding a 2-day baseline run made by the CLI."""
    folder = tmp_path_factory.mktemp("app") / "runs"
    res = CliRunner().invoke(
        main,
        ["run", str(BASELINE), "--days", "2", "-r", "2", "--out", str(folder / "baseline"), "-q", "--report"],
    )
    assert res.exit_code == 0, res.output
    (folder.parent / "secret.txt").write_text("not for the app\n")
    (folder / "link").symlink_to(folder.parent)
    return folder


@pytest.fixture(scope="module")
def edited_run(app, browser) -> dict:
    """A run started from the form with Tân Thanh's Chinese acceptance at 2 servers, 2 days, 2
    replications, carried to its end through the page; what the page showed on the way."""
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{app.url}/new/baseline_2026")
    page.fill("#f-run\\.days", "2")
    page.fill("#f-run\\.replications", "2")
    page.fill("#f-gates\\.tan_thanh\\.stages\\.cn_acceptance\\.servers", "2")
    page.click("#run")
    page.wait_for_selector("#job[data-status=running]")
    page.wait_for_function("(document.getElementById('where') || {}).textContent?.includes('simulated day')")
    seen = page.text_content("#where")
    page.wait_for_selector("#job[data-status=done]", timeout=240_000)
    page.locator("#job").scroll_into_view_if_needed()
    _save("app_run_done.png", page.screenshot())
    folder = page.get_attribute("#open-run", "href").split("/runs/")[1].split("?")[0]
    ctx.close()
    return {"folder": folder, "progress": seen, "errors": errors}


def test_ready_quickly_and_bound_to_localhost(app):
    assert app.ready_after_s < 30  # benchmarks/app.py measures it alone (target 3 s)
    out = http.client.HTTPConnection("127.0.0.1", app.port, timeout=10)
    out.request("GET", "/")
    assert out.getresponse().status == 200


def test_a_parameter_edited_and_a_two_day_run_carried_to_its_end(edited_run, runs):
    assert edited_run["errors"] == []
    assert "simulated day" in edited_run["progress"]
    run = runs / edited_run["folder"]
    assert (
        (run / "manifest.json").is_file() and (run / "report.html").is_file() and (run / "map.html").is_file()
    )
    resolved = (run / "scenario.resolved.yaml").read_text(encoding="utf-8")
    assert "cn_acceptance_servers_2" in edited_run["folder"] or "servers: 2" in resolved
    manifest = (run / "manifest.json").read_text()
    assert '"days": 2' in manifest and '"replications": 2' in manifest


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [("run\\.days", "0", "run.days"), ("gates\\.tan_thanh\\.arrivals\\.export_share", "1.5", "export_share")],
)
def test_a_bad_value_shows_the_cli_line(app, open_page, field, value, words):
    w = open_page(f"{app.url}/new/baseline_2026")
    w.page.fill(f"#f-{field}", value)
    w.page.click("#run")
    w.page.wait_for_selector("#error")
    w.page.locator("#error").scroll_into_view_if_needed()
    shown = w.page.text_content("#error")
    key = field.replace("\\", "")
    res = CliRunner().invoke(
        main, ["run", str(BASELINE), "--set", f"{key}={value}", "--out", "/nonexistent/x"]
    )
    assert res.exit_code == 2
    assert shown == res.output.strip().splitlines()[-1]  # the CLI's very line
    assert words in shown
    assert w.errors == []
    _save("app_bad_value.png", w.page.screenshot())


def test_two_runs_compared(app, open_page, edited_run):
    w = open_page(f"{app.url}/runs")
    w.page.check("#pick-baseline")
    w.page.check(f'input[name=run][value="{edited_run["folder"]}"]')
    w.page.check("#base-baseline")
    w.page.click("#compare")
    w.page.wait_for_url("**/files/comparisons/**/report.html")
    assert w.page.text_content("h1").strip().endswith("against baseline_2026")  # the marked base
    assert w.page.evaluate("document.images.length") >= 1
    assert w.page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
    assert w.errors == [] and w.outside() == []
    _save("app_compare.png", w.page.screenshot())


def test_one_run_is_not_a_comparison(app, open_page):
    w = open_page(f"{app.url}/runs")
    w.page.check("#pick-baseline")
    w.page.click("#compare")
    assert "2 to 4" in w.page.text_content("#error")


def test_every_page_loads_offline_without_error(app, open_page, edited_run):
    folder = edited_run["folder"]
    pages = {
        "scenarios": "/",
        "scenarios_vi": "/?lang=vi",
        "form": "/new/baseline_2026",
        "form_vi": "/new/fruit_season_peak?lang=vi",
        "runs": "/runs?lang=en",
        "run": f"/runs/{folder}",
        "report": f"/files/{folder}/report.html",
        "map": f"/files/{folder}/map.html",
    }
    for name, path in pages.items():
        w = open_page(app.url + path)
        assert w.errors == [], (path, w.errors)
        assert w.outside() == [], (path, w.outside())
        shot = w.page.screenshot()
        assert not_blank(shot), (path, ink(shot))
        if name in ("scenarios_vi", "form", "runs", "run"):  # the ones docs/app.md shows
            _save(f"app_{name}.png", shot)
    vi = open_page(app.url + "/?lang=vi").page
    assert "Chọn kịch bản" in vi.text_content("h1")


def _get(port: int, raw_path: str) -> tuple[int, bytes]:
    """A request sent as written (no client normalises the dots away)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.putrequest("GET", raw_path, skip_accept_encoding=True)
    c.endheaders()
    r = c.getresponse()
    return r.status, r.read()


@pytest.mark.parametrize(
    "raw",
    [
        "/files/../secret.txt",
        "/files/%2e%2e/secret.txt",
        "/files/..%2fsecret.txt",
        "/files/link/secret.txt",
        "/files//etc/passwd",
        "/files/baseline/../../secret.txt",
        "/runs/..%2f..",
        "/runs/link",
        "/compare?run=baseline&run=..%2f..",
        "/static/../server.py",
    ],
)
def test_a_path_outside_the_runs_folder_is_refused(app, raw):
    status, body = _get(app.port, raw)
    assert status == 404, (raw, status)
    assert b"not for the app" not in body and b"root:" not in body


def test_a_file_inside_is_served(app):
    status, body = _get(app.port, "/files/baseline/summary.csv")
    assert status == 200 and body.startswith(b"scenario") or b"gate" in body[:200]


def test_cancel_leaves_nothing_and_no_worker(app, open_page, runs):
    w = open_page(f"{app.url}/new/baseline_2026")
    w.page.fill("#f-run\\.days", "300")
    w.page.fill("#f-run\\.replications", "1")
    w.page.click("#run")
    w.page.wait_for_selector("#job[data-status=running]")
    folder = w.page.text_content("#job b")
    w.page.click("#cancel")
    w.page.wait_for_selector("#job[data-status=cancelled]", timeout=60_000)
    time.sleep(0.5)
    assert not (runs / folder).exists()
    assert not [p for p in runs.iterdir() if p.name.startswith(f".{folder}")]  # no scratch left
    assert worker_pids(runs) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_workers_end_with_the_app(runs, browser, sig, tmp_path):
    """Stopped (SIGTERM: its shutdown stops them) or killed (SIGKILL: the kernel's parent-death
    signal stops them), the app leaves no worker process behind."""
    own = tmp_path / "runs"
    server = AppServer(own)
    try:
        ctx = browser.new_context()
        page = ctx.new_page()
        page.goto(f"{server.url}/new/baseline_2026")
        page.fill("#f-run\\.days", "300")
        page.click("#run")
        page.wait_for_selector("#job[data-status=running]")
        ctx.close()  # the browser closed: the run goes on (it is not an orphan while the app runs)
        assert len(worker_pids(own)) == 1
    finally:
        server.stop(sig)
    deadline = time.time() + 30
    while worker_pids(own) and time.time() < deadline:
        time.sleep(0.2)
    assert worker_pids(own) == []

"""``gatesim app``'s start-up and the map replay's frame rate and size.

    python benchmarks/app.py                   # 3 starts; the fruit peak as shipped and at x2.5 volume
    python benchmarks/app.py --starts 5 --seconds 8
    python benchmarks/app.py --no-map           # the start and an answer only

1. Ready: ``gatesim app`` started as a user starts it (a fresh process), the seconds until
   it answers ``GET /`` (its first page, the scenarios) with 200 (polled every 50 ms), and the
   CPU seconds its process used by then (what the wall time is on an idle machine, less the
   file reads); minimum and median of ``--starts``.
2. The map replay: ``scenarios/fruit_season_peak.yaml``, 1 day after its warm-up, one
   replication, with ``--report`` (which writes map.html); the trucks in its event log and
   those arriving on the window's day; map.html's size; then in headless Chromium (Debian's,
   through Playwright) at 1200 x 900 the replay played for ``--seconds`` at 3 and at 24
   simulated hours per second, counting requestAnimationFrame callbacks and the map's own
   redraws: frames/s = redraws / seconds. Again with every gate's volume x2.5
   (``--set growth.volume_multiplier=2.5``), a day of > 5,000 trucks.
3. An answer: ``tan_thanh_8_lanes`` against the baseline on ``--worlds`` plausible worlds, 1 day,
   1 replication, sent through the app's form (``POST /answer``) and followed as its page does,
   to done; the same question again in Vietnamese (its runs copied and resumed); and
   ``gatesim answer`` on the same inputs in a process of its own. ``--no-map`` skips 2.

Timing figures move with the machine's load: the output prints ``os.getloadavg()``.
Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from app_server import AppServer  # noqa: E402
from chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

from gatesim.events.kinds import Kind  # noqa: E402
from gatesim.rundir import event_files, load_log  # noqa: E402

FRUIT = ROOT / "scenarios" / "fruit_season_peak.yaml"

_PLAY = """async ([seconds, speed]) => {
  document.getElementById('speed').value = String(speed);
  gatesimMap.pause(); gatesimMap.setFrame(0);
  const d0 = gatesimMap.draws, t0 = performance.now(); let raf = 0;
  gatesimMap.play();
  await new Promise(done => { const f = () => { raf++; if (performance.now() - t0 < seconds * 1000) requestAnimationFrame(f); else done(); }; requestAnimationFrame(f); });
  gatesimMap.pause();
  return {raf, draws: gatesimMap.draws - d0, ms: performance.now() - t0, frame: gatesimMap.frame};
}"""


def ready(starts: int) -> list[tuple[float, float]]:
    """(wall seconds, the app's CPU seconds) from its start to its first answer, per start."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(starts):
            server = AppServer(Path(tmp) / "runs")
            out.append((server.ready_after_s, server.ready_cpu_s))
            server.stop()
    return out


def _answer_in_app(server: AppServer, form: dict[str, str]) -> float:
    """Seconds from the form sent (``POST /answer``) to the answer done, polling as the page does."""
    t = time.perf_counter()
    data = urllib.parse.urlencode(form).encode()
    with urllib.request.urlopen(f"{server.url}/answer?lang={form['lang']}", data, timeout=60) as r:
        job = re.search(r'hx-get="/jobs/(\d+)', r.read().decode())
    if job is None:
        raise RuntimeError("the app did not start the answer")
    while True:
        time.sleep(0.2)
        with urllib.request.urlopen(f"{server.url}/jobs/{job.group(1)}", timeout=60) as r:
            status = re.search(r'data-status="(\w+)"', r.read().decode())
        if status is None or status.group(1) != "running":
            break
    if status is None or status.group(1) != "done":
        raise RuntimeError(f"the answer ended {status.group(1) if status else '?'}")
    return time.perf_counter() - t


def answer_times(worlds: int) -> dict[str, float]:
    """``tan_thanh_8_lanes`` against the baseline (WORLDS worlds, 1 day, 1 replication): answered
    through the app (its worker), the same again in Vietnamese (the runs reused), and by
    ``gatesim answer`` in a process of its own on the same inputs (the same library calls)."""
    form = {"proposal": "tan_thanh_8_lanes", "base": "baseline_2026", "worlds": str(worlds), "days": "1",
            "replications": "1", "lang": "en"}  # fmt: skip
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        server = AppServer(Path(tmp) / "runs")
        try:
            out["app"] = _answer_in_app(server, form)
            out["app, asked again in Vietnamese"] = _answer_in_app(server, {**form, "lang": "vi"})
        finally:
            server.stop()
        t = time.perf_counter()
        scenarios = ROOT / "scenarios"
        subprocess.run(
            [sys.executable, "-m", "gatesim.cli", "answer", str(scenarios / "tan_thanh_8_lanes.yaml"), "--base",
             str(scenarios / "baseline_2026.yaml"), "--worlds", str(worlds), "--days", "1", "-r", "1", "-q",
             "--out", str(Path(tmp) / "cli")],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        out["gatesim answer"] = time.perf_counter() - t
    return out


def make_run(folder: Path, extra: list[str]) -> tuple[Path, float]:
    t = time.perf_counter()
    cmd = [sys.executable, "-m", "gatesim.cli", "run", str(FRUIT), "--days", "1", "-r", "1"]
    subprocess.run(
        [*cmd, "--out", str(folder), "-q", "--report", "--force", *extra],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return folder, time.perf_counter() - t


def trucks(folder: Path) -> tuple[int, int]:
    """(trucks in the whole log, trucks arriving on the window's day)."""
    log = load_log(event_files(folder)[0], payload=["direction"])
    arrived = log.t_h[log.kind == Kind.ARRIVED]
    w0, w1 = float(log.meta["window_start_h"]), float(log.meta["window_end_h"])
    return int(log.n_trucks), int(((arrived >= w0) & (arrived < w1)).sum())


def play(map_html: Path, seconds: float) -> dict[int, dict]:
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(map_html.as_uri())
        for speed in (3, 24):
            out[speed] = page.evaluate(_PLAY, [seconds, speed])
        browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--starts", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--worlds", type=int, default=2, help="plausible worlds of the answer measured")
    ap.add_argument("--no-map", action="store_true", help="skip the map replay")
    a = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    starts = ready(a.starts)
    wall, cpu = [w for w, _ in starts], [c for _, c in starts]
    print(
        f"gatesim app ready after: wall min {min(wall):.2f} s, median {statistics.median(wall):.2f} s; "
        f"its CPU {min(cpu):.2f}-{max(cpu):.2f} s ({a.starts} starts)"
    )
    times = answer_times(a.worlds)
    print(f"\nan answer ({a.worlds} worlds, 1 day, 1 replication: {(a.worlds + 1) * 2} runs), wall:")
    for what, seconds in times.items():
        print(f"  {what}: {seconds:.1f} s ({seconds / times['gatesim answer']:.2f} x the CLI's)")
    if a.no_map:
        print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
        return
    with tempfile.TemporaryDirectory() as tmp:
        for label, extra in (
            ("fruit peak as shipped", []),
            ("fruit peak, volume x2.5", ["--set", "growth.volume_multiplier=2.5"]),
        ):
            folder, wall = make_run(Path(tmp) / "run", extra)
            total, day = trucks(folder)
            size = (folder / "map.html").stat().st_size
            print(
                f"\n{label}: run + report {wall:.1f} s; trucks in the log {total:,}, arriving on the day {day:,}"
            )
            print(f"  map.html {size / 1e6:.2f} MB ({size:,} bytes)")
            for speed, r in play(folder / "map.html", a.seconds).items():
                fps = r["draws"] / (r["ms"] / 1000)
                print(
                    f"  playing at {speed} h/s: {fps:.1f} frames/s ({r['draws']} redraws, {r['raf']} animation "
                    f"frames in {r['ms'] / 1000:.1f} s; reached frame {r['frame']})"
                )
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()

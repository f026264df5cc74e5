"""Headless Chromium through Playwright for Python, driving Debian's Chromium (never a
downloaded browser build). Every page opened through ``open_page`` keeps its console errors,
uncaught exceptions, failed loads and every URL it requested. Skips, saying why, where
Playwright or Chromium is absent (pip install -e ".[test]" brings Playwright; .ci/browser-setup
installs Chromium with apt on a fresh machine)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from app_server import AppServer
from chromium import CHROMIUM, CHROMIUM_ARGS, HEIGHT, WIDTH


@dataclass
class Watched:
    """A page and what it did: console errors, page errors, failed loads, requested URLs."""

    page: object
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def outside(self) -> list[str]:
        """Requests that left the machine: anything but file:, data:, blob:, about: and localhost."""
        local = ("file:", "data:", "blob:", "about:", "http://127.0.0.1", "http://localhost")
        return [u for u in self.requests if not u.startswith(local)]


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright not installed (pip install -e .[test])"
    )
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not at {CHROMIUM} (Debian: apt-get install chromium; or set GATESIM_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser):
    """``open_page(url)`` -> Watched, in a fresh context at 1200 x 900; closed after the test."""
    contexts = []

    def _open(url: str, width: int = WIDTH, height: int = HEIGHT, wait: str = "load") -> Watched:
        ctx = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(ctx)
        page = ctx.new_page()
        w = Watched(page)
        page.on("console", lambda m: w.errors.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: w.errors.append(f"exception: {e}"))
        page.on("requestfailed", lambda r: w.errors.append(f"failed: {r.url} {r.failure}"))
        page.on("request", lambda r: w.requests.append(r.url))
        page.goto(url, wait_until=wait)
        return w

    yield _open
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="module")
def app(runs):
    """``gatesim app`` over the module's ``runs`` folder, stopped after the module."""
    server = AppServer(runs)
    yield server
    server.stop()

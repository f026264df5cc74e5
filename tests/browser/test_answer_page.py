"""The answer page in headless Chromium (Playwright): the verdict within the first 900 px at 1200 px
width, no element wider than the window, no machine path, in English and Vietnamese. Skipped where
Chromium or Playwright is absent (conftest's browser)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from chromium import HEIGHT, WIDTH
from shots import TOO_WIDE

# the browser: conftest's (Debian's Chromium through Playwright; skipped, saying why, without them)
pytestmark = pytest.mark.integration

_spec = importlib.util.spec_from_file_location(
    "answer_case", Path(__file__).parents[1] / "golden" / "answer_case.py"
)
answer_case = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(answer_case)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    root = tmp_path_factory.mktemp("answer_page")
    out = {}
    for lang in ("en", "vi"):
        _, html = answer_case.produce(root, lang)
        path = root / f"answer_{lang}.html"
        path.write_text(html, encoding="utf-8")
        out[lang] = path
    return root, out


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_answer_page_reads_in_a_1200_px_window(pages, browser, lang):
    root, paths = pages
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(paths[lang].as_uri())
    verdict = page.locator(".verdict").first
    box = verdict.bounding_box()
    assert box is not None and box["y"] + box["height"] <= HEIGHT
    words = "Mean wait per truck at G" if lang == "en" else "Thời gian chờ trung bình mỗi xe tại G"
    assert words in verdict.inner_text()
    assert page.evaluate(TOO_WIDE) == []
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    assert page.evaluate(TOO_WIDE) == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTH
    text = page.content()
    assert str(root) not in text and "/tmp/" not in text and "/home/" not in text and "/work/" not in text
    assert errors == []
    page.close()

"""Which Chromium the browser tests and benchmarks launch, and how: Debian's, never a browser
build downloaded by Playwright."""

from __future__ import annotations

import os

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "HEIGHT", "WIDTH"]

CHROMIUM = os.environ.get("GATESIM_CHROMIUM", "/usr/bin/chromium")
# no sandbox (root in CI), no GPU, and nothing Chromium itself would fetch from the network
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH, HEIGHT = 1200, 900  # the viewport of every screenshot

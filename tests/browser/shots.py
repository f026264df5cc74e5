"""Is a screenshot a picture? Ink and colour shares of its pixels."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["TOO_WIDE", "ink", "not_blank", "save"]

SHOTS = os.environ.get("GATESIM_SCREENSHOTS")  # docs/img when the docs' pictures are remade


def ink(png: bytes) -> tuple[float, float]:
    """(share of pixels with ink, share of coloured pixels). A chart with data has both; an empty
    one (axes, labels, grid only: grey on white) has no colour; a blank or broken one has no ink."""
    a = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    dark = (a.min(axis=2) < 200).mean()
    coloured = ((a.max(axis=2) - a.min(axis=2)) > 60).mean()
    return float(dark), float(coloured)


def not_blank(png: bytes) -> bool:
    dark, coloured = ink(png)
    return dark >= 0.01 and coloured >= 0.0005


def save(name: str, png: bytes) -> None:
    """Keep a screenshot for the docs when GATESIM_SCREENSHOTS names a folder."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        (Path(SHOTS) / name).write_bytes(png)


# Elements whose right edge passes the window, outside a box that scrolls them (a wide table may).
TOO_WIDE = """() => {
  const w = document.documentElement.clientWidth;
  const inBox = e => { for (let p = e.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p); if (s.overflowX === 'auto' || s.overflowX === 'scroll') return true; }
    return false; };
  return [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > w + 1 && !inBox(e))
    .map(e => e.tagName + '.' + e.className);
}"""

"""Figures for people: one formatter for the terminal's tables and the Markdown pages."""

from __future__ import annotations

import math

__all__ = ["compact_number"]


def compact_number(x: float | None, decimals: int = 2, sep: str = "", small: str = "fixed") -> str:
    """A figure in a few characters: billions as ``bn`` and millions as ``M`` (``decimals`` places,
    ``sep`` before the suffix), thousands separators from 100, and smaller ones to 3 significant
    digits (``small="fixed"``: 2 places from 1 up); "-" for a missing or infinite value."""
    if x is None or not math.isfinite(x):
        return "-"
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:,.{decimals}f}{sep}bn"
    if a >= 1e6:
        return f"{x / 1e6:,.{decimals}f}{sep}M"
    if a >= 100:
        return f"{x:,.0f}"
    if small == "fixed" and (a >= 1 or a == 0):
        return f"{x:.2f}"
    return f"{x:.3g}"

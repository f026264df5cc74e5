"""Figures in plain units a planner reads, in English or Vietnamese: "−6 min", "3 h 58 min", "184.5 bn VND".

Used by ``compare``'s paragraph and by ``gatesim answer``'s words.
"""

from __future__ import annotations

import math

__all__ = ["plain", "signed"]

UNIT_WORDS: dict[str, tuple[str, str]] = {
    "h": ("h", "giờ"),
    "min": ("min", "phút"),
    "trucks": ("trucks", "xe"),
    "trucks/day": ("trucks/day", "xe/ngày"),
    "bn VND": ("bn VND", "tỷ đồng"),
    "M VND": ("M VND", "triệu đồng"),
}


def _u(unit: str, lang: str) -> str:
    en, vi = UNIT_WORDS.get(unit, (unit, unit))
    return vi if lang == "vi" else en


def _duration(hours: float, lang: str) -> str:
    minutes = round(abs(hours) * 60)
    h, m = divmod(minutes, 60)
    if h == 0:
        return f"{m} {_u('min', lang)}"
    return f"{h} {_u('h', lang)} {m:02d} {_u('min', lang)}" if m else f"{h} {_u('h', lang)}"


def _number(x: float, digits: int) -> str:
    a = abs(x)
    if round(a, digits) == 0:
        return "0"
    if a >= 100 or digits == 0:
        return f"{a:,.0f}"
    return f"{a:,.{digits}f}"


def plain(value: float, unit: str, lang: str = "en") -> str:
    """``value`` (in the stored ``unit``) in words a planner reads: hours as "3 h 58 min", VND in bn."""
    if value is None or not math.isfinite(value):
        return "-"
    sign = "\u2212" if value < 0 and _number(value, 2) != "0" else ""
    if unit == "h":
        return sign + _duration(value, lang)
    if unit == "VND":
        if abs(value) >= 1e9:
            return f"{sign}{abs(value) / 1e9:,.1f} {_u('bn VND', lang)}"
        return f"{sign}{_number(value / 1e6, 0)} {_u('M VND', lang)}"
    if unit in ("trucks", "trucks/day"):
        return f"{sign}{_number(value, 0 if abs(value) >= 10 else 1)} {_u(unit, lang)}"
    return f"{sign}{_number(value, 2)} {_u(unit, lang)}".strip()


def signed(value: float, unit: str, lang: str = "en") -> str:
    """An effect with its sign: "−6 min", "+12 trucks/day", "0 min"."""
    if value is None or not math.isfinite(value):
        return "-"
    text = plain(abs(value), unit, lang)
    if text.split(" ")[0].strip("0.,") == "":  # rounds to zero: no sign
        return text
    return ("+" if value > 0 else "\u2212") + text

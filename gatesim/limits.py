"""Range limits of command-line numbers: one check, one line of error, used by every command."""

from __future__ import annotations

from gatesim.errors import InputError

__all__ = ["check_range"]


def check_range(name: str, value: int | None, lo: int, hi: int) -> None:
    """Refuse ``value`` outside ``lo`` to ``hi`` (None: not given, nothing to check)."""
    if value is not None and not lo <= value <= hi:
        raise InputError("out of range", key=name, given=value, allowed=f"{lo} to {hi}")

"""Directories a command resumes (a sweep, a fit): the one rule for what ``--out`` may hold.

A new or empty directory is started; one holding the same work (the same identity in its
marker file) is resumed; one holding other work of the same kind is refused unless ``--force``
(each command then says how it replaces it); anything else is refused, never cleared.
"""

from __future__ import annotations

from pathlib import Path

from gatesim.errors import InputError

__all__ = ["check_resumable"]


def check_resumable(
    out: Path, *, key: str, kind: str, held: dict | None, same: bool, empty: bool, force: bool, differs: str
) -> None:
    """Refuse ``out`` unless it is new or ``empty``, or holds this ``kind`` of work (``held``, the
    marker's content; None: no marker) that is the ``same`` or that ``--force`` may replace.

    ``differs`` says which settings make two of them different, for the refusal.
    """
    if out.exists() and not out.is_dir():
        raise InputError("not a directory", key=key, given=str(out))
    if not out.is_dir() or empty:
        return
    if held is None:
        raise InputError(
            f"exists and is not a {kind} directory",
            key=key,
            given=str(out),
            allowed="a new or empty directory",
        )
    if not same and not force:
        raise InputError(
            f"holds a different {kind} ({differs})",
            key=key,
            given=str(out),
            allowed=f"the same {kind} to resume it, another directory, or --force to start over",
        )

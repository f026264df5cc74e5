"""Paths the app may touch: inside its runs folder, reached without ``..`` and without links.

Every request for a file names it relative to the runs folder; it is refused unless each
part is a plain name, no part on the way is a symbolic link, and the resolved path is still
inside the folder (a link swapped in after the check is caught by the resolve).
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["PathRefused", "inside", "safe_name"]

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,199}$")


class PathRefused(ValueError):
    """A path outside the runs folder, or not a plain one: the app answers 404 and reads nothing."""


def safe_name(name: str) -> str:
    """One path component: letters, digits, ``_ . -``; not starting with a dot; not ``..``."""
    if not _NAME.match(name) or ".." in name:
        raise PathRefused(f"not a plain name: {name!r}")
    return name


def inside(root: Path, relative: str) -> Path:
    """``root / relative`` when it is a plain path inside ``root`` with no link on the way."""
    if not relative or relative.startswith(("/", "\\")) or "\\" in relative or "\0" in relative:
        raise PathRefused(f"not a relative path: {relative!r}")
    base = root.resolve()
    path = base
    for part in relative.split("/"):
        if part in ("", "."):
            continue
        safe_name(part)
        path = path / part
        if path.is_symlink():
            raise PathRefused(f"a link: {relative!r}")
    resolved = path.resolve()
    if resolved != base and base not in resolved.parents:
        raise PathRefused(f"outside the runs folder: {relative!r}")
    return resolved

"""Writing results: whole directories appear at once, or not at all.

Everything goes into a hidden sibling directory first; ``manifest.json`` is
written last, then the directory is renamed into place. A run killed at any
moment leaves either the complete result or no result (and at most a hidden
``.NAME.partial-PID`` directory, which the next run with the same target
removes).
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from ruamel.yaml import YAML

from gatesim.errors import InputError

__all__ = ["atomic_dir", "write_csv", "write_json", "write_text", "write_yaml"]


@contextmanager
def atomic_dir(target: Path, force: bool = False) -> Iterator[Path]:
    """Yield a scratch directory that becomes ``target`` when the block succeeds."""
    target = Path(target)
    if target.exists() and not force:
        raise InputError(
            "output directory exists",
            key="--out",
            given=str(target),
            allowed="a new directory, or --force to replace it",
        )
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    for stale in parent.glob(f".{target.name}.partial-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = parent / f".{target.name}.partial-{os.getpid()}"
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if target.exists():
        old = parent / f".{target.name}.old-{os.getpid()}"
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)


def write_text(path: Path, text: str) -> None:
    """Write a file via a temporary name and rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_csv(path: Path, df: pd.DataFrame) -> None:
    write_text(path, df.to_csv(index=False, lineterminator="\n"))


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str, ensure_ascii=False) + "\n")


def write_yaml(path: Path, data: Any) -> None:
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    y.allow_unicode = True
    buf = io.StringIO()
    y.dump(data, buf)
    write_text(path, buf.getvalue())

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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _clean_stale(parent: Path, name: str) -> None:
    """Remove leftovers of killed runs into ``name``; leave those of live processes alone."""
    for stale in [*parent.glob(f".{name}.partial-*"), *parent.glob(f".{name}.old-*")]:
        pid = stale.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or int(pid) == os.getpid() or not _pid_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename is still atomic
    finally:
        os.close(fd)


def _exists_error(target: Path) -> InputError:
    return InputError(
        "output directory exists",
        key="--out",
        given=str(target),
        allowed="a new directory, or --force to replace it",
    )


@contextmanager
def atomic_dir(target: Path, force: bool = False) -> Iterator[Path]:
    """Yield a scratch directory that becomes ``target`` when the block succeeds.

    Nothing is created or changed at ``target`` until the block has finished;
    if it raises (or the process is killed), ``target`` is as it was before.
    """
    target = Path(target)
    if (target.exists() or target.is_symlink()) and not force:
        raise _exists_error(target)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(parent, target.name)
        tmp = parent / f".{target.name}.partial-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
    except OSError as e:
        raise InputError(
            f"cannot create the output directory ({e.strerror})", key="--out", given=str(target)
        ) from None
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(tmp)
    if target.exists() or target.is_symlink():
        if not force:  # appeared while we were running: never clobber it
            shutil.rmtree(tmp, ignore_errors=True)
            raise _exists_error(target)
        # Killed between these two renames, the old result survives as a hidden
        # .NAME.old-PID directory and no (half) result is at ``target``.
        old = parent / f".{target.name}.old-{os.getpid()}"
        os.replace(target, old)
        os.replace(tmp, target)
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    else:
        os.replace(tmp, target)
    _fsync_dir(parent)


def write_text(path: Path, text: str) -> None:
    """Write a file via a temporary name and rename: readers see the old or the new file, whole."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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

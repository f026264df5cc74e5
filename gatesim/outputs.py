"""Writing results: whole directories appear at once, or not at all; nothing else is replaced.

Everything goes into a hidden sibling directory first; ``manifest.json`` is
written last, then the directory is renamed into place. A run killed at any
moment leaves either the complete result or no result (and at most a hidden
``.NAME.partial-PID`` directory, which the next run with the same target
removes).

This module is the one home of the replacement rules every command follows:

- ``--force`` replaces only what gatesim wrote: a directory holding a gatesim
  ``manifest.json`` or ``sweep.json`` (or an empty directory), or a file of the
  kind the command writes (``is_ours``); anything else is refused.
- no output is written over, into, or around an input of the same command
  (paths resolved, symbolic links followed);
- a replacement swaps the new directory in with one atomic exchange where the
  system allows it; where it does not, the old result is parked as
  ``.NAME.old-PID`` and a later run puts it back if the swap was cut short,
  so the only surviving copy is never deleted.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import errno
import io
import json
import os
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from ruamel.yaml import YAML

from gatesim.errors import EnvironmentFailure, InputError, os_reason

__all__ = [
    "atomic_dir",
    "check_file_target",
    "check_not_input",
    "check_safe_name",
    "csv_header_starts",
    "clear_scratch",
    "swap_dir",
    "tidy_parked",
    "write_bytes",
    "write_csv",
    "write_json",
    "write_text",
    "write_yaml",
]

# A name must leave room for ".NAME.partial-PID" within the 255 bytes of a file name.
MAX_NAME_BYTES = 200
_MARKERS = ("manifest.json", "sweep.json")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _rmtree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _clean_stale(parent: Path, name: str) -> None:
    """Tidy leftovers of killed runs into ``name``; leave those of live processes alone.

    A ``.old-PID`` directory of a dead run is the earlier result parked during a
    replacement: if ``name`` is gone (killed between the two renames), it is put
    back, never deleted.
    """
    target = parent / name
    for old in sorted(parent.glob(f".{name}.old-*")):
        pid = old.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and _pid_alive(int(pid)):
            continue
        if not (target.exists() or target.is_symlink()):
            os.replace(old, target)
        else:
            _rmtree(old)
    for stale in parent.glob(f".{name}.partial-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or int(pid) == os.getpid() or not _pid_alive(int(pid)):
            _rmtree(stale)


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


# Why ctypes: swapping two directories in one step needs renameat2(RENAME_EXCHANGE), which the
# standard library does not offer (os.replace moves one path over another, and refuses a
# non-empty directory as the target). The portable way, os.replace twice with the old result
# parked in between, is the fallback in _swap_in: it is as safe against a kill (the parked copy
# is put back by the next run), but for a moment the target is absent. Locking a sweep
# directory uses fcntl.flock (sweep/runner.py), which the standard library does offer.
_RENAME_EXCHANGE = 2
_libc: Any = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False where the system cannot."""
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            _libc.renameat2  # noqa: B018 - probe: glibc >= 2.28
        except (OSError, AttributeError):
            _libc = False
    if not _libc:
        return False
    at_fdcwd = -100
    rc = _libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _exists_error(target: Path) -> InputError:
    return InputError(
        "output directory exists",
        key="--out",
        given=str(target),
        allowed="a new directory, or --force to replace it",
    )


def _read_marker(path: Path) -> dict | None:
    try:
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def gatesim_dir(path: Path) -> bool:
    """Whether ``path`` is a directory gatesim wrote (a run, multi-run, replay or sweep), or empty."""
    path = Path(path)
    if path.is_symlink() or not path.is_dir():
        return False
    try:
        if not any(path.iterdir()):
            return True
    except OSError:
        return False
    manifest = _read_marker(path / "manifest.json")
    if manifest is not None and ("complete" in manifest or "gatesim_version" in manifest):
        return True
    spec = _read_marker(path / "sweep.json")
    if spec is not None and "hash" in spec:
        return True
    # a sweep killed between creating tasks/ and writing sweep.json
    return sorted(p.name for p in path.iterdir()) == ["tasks"]


# What a run (or replay) directory holds when gatesim wrote it: its tables, the report and
# calibration/comparison tables written beside them, and its event logs and charts.
RUN_FILES = frozenset(
    {
        "manifest.json",
        "summary.csv",
        "summary_ci.csv",
        "timeseries.csv",
        "scenario.resolved.yaml",
        "precision.csv",
        "report.html",
        "calibration.csv",
        "comparison.csv",
    }
)
_RUN_DIRS = {"events": (".parquet",), "report_png": (".png",)}


def _hidden_scratch(name: str) -> bool:
    """A temporary name of gatesim's own atomic writes (``.NAME.tmp-PID``, ``.NAME.partial-PID``)."""
    return name.startswith(".") and any(f".{kind}-" in name for kind in ("tmp", "partial", "old", "new"))


def foreign_files(path: Path, depth: int = 0) -> list[str]:
    """Files and folders inside a run directory that gatesim does not write there (a user's own),
    as paths relative to ``path``; empty for any other kind of directory (a sweep's, a study's)."""
    path = Path(path)
    manifest = _read_marker(path / "manifest.json")
    if manifest is None or (path / "sweep.json").exists() or "complete" not in manifest:
        return []
    names = manifest.get("scenarios")
    runs = set(names) if isinstance(names, list) and depth == 0 else set()
    out: list[str] = []
    try:
        entries = sorted(path.iterdir())
    except OSError:
        return []
    for p in entries:
        if p.name in RUN_FILES or _hidden_scratch(p.name):
            continue
        if p.name in runs and p.is_dir() and not p.is_symlink():
            out += [f"{p.name}/{x}" for x in foreign_files(p, depth + 1)]
            continue
        suffixes = _RUN_DIRS.get(p.name)
        if suffixes is not None and p.is_dir() and not p.is_symlink():
            out += [
                f"{p.name}/{q.name}"
                for q in sorted(p.iterdir())
                if not (q.is_file() and q.name.endswith(suffixes)) and not _hidden_scratch(q.name)
            ]
            continue
        out.append(p.name + ("/" if p.is_dir() else ""))
    return out


def check_safe_name(name: str, key: str = "name") -> str:
    """A name used as one path component: no separators, not ``.``/``..``, not too long."""
    if (
        not name
        or name in (".", "..")
        or name.startswith(".")
        or "/" in name
        or "\\" in name
        or "\0" in name
        or len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES
    ):
        raise InputError(
            "not usable as a folder name",
            key=key,
            given=name,
            allowed=f"letters, digits, _ . - ; not starting with '.'; at most {MAX_NAME_BYTES} bytes",
        )
    return name


def _inside(a: Path, b: Path) -> bool:
    """Whether ``a`` is ``b`` or lies inside it."""
    return a == b or b in a.parents


def check_not_input(out: Path, inputs: Iterable[Path | str], key: str = "--out") -> None:
    """Refuse an output that is, lies inside, or contains an input (paths resolved)."""
    try:
        o = Path(out).resolve()
    except (OSError, RuntimeError):
        return
    for i in inputs:
        try:
            p = Path(i).resolve()
        except (OSError, RuntimeError):
            continue
        if _inside(o, p) or _inside(p, o):
            where = "is" if o == p else ("is inside" if _inside(o, p) else "contains")
            raise InputError(
                f"{where} an input of this command ({i}); it would be overwritten",
                key=key,
                given=str(out),
                allowed="a path apart from every input",
            )


def check_file_target(
    target: Path, force: bool, is_ours: Callable[[Path], bool], what: str, key: str = "--out"
) -> None:
    """Before writing the file ``target``: refuse to overwrite without ``force``, or anything not ours."""
    target = Path(target)
    if target.is_dir():
        raise InputError("is a directory", key=key, given=str(target), allowed=f"a {what} file name")
    if not (target.exists() or target.is_symlink()):
        return
    if not force:
        raise InputError(
            "file exists", key=key, given=str(target), allowed="a new file name, or --force to replace it"
        )
    try:
        regular = stat.S_ISREG(target.lstat().st_mode)
    except OSError:
        regular = False
    if not regular or not is_ours(target):
        raise InputError(
            f"--force replaces only a {what} gatesim wrote; this file is something else",
            key=key,
            given=str(target),
            allowed="another file name",
        )


def csv_header_starts(path: Path, columns: Sequence[str]) -> bool:
    """Whether the CSV ``path``'s header starts with ``columns``: a table gatesim wrote (for
    ``check_file_target``; files written before columns were appended still count)."""
    try:
        with open(path, encoding="utf-8") as f:
            header = f.readline(1 << 16).rstrip("\n").split(",")
    except (OSError, UnicodeDecodeError):
        return False
    return header[: len(columns)] == list(columns)


def _check_name(target: Path) -> None:
    too_long = [p for p in target.parts if len(p.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES]
    if too_long:
        raise InputError(
            f"a folder name of {len(too_long[0].encode('utf-8', 'surrogatepass'))} bytes",
            key="--out",
            given=str(target),
            allowed=f"names of at most {MAX_NAME_BYTES} bytes",
        )


def _check_target(target: Path, force: bool, ours: Callable[[Path], bool] = gatesim_dir) -> None:
    cwd = Path.cwd().resolve()
    if target.exists() and _inside(cwd, target.resolve()):
        raise InputError(
            "is the current directory or contains it",
            key="--out",
            given=str(target),
            allowed="a new directory, e.g. runs/NAME",
        )
    if not (target.exists() or target.is_symlink()):
        return
    if not force:
        raise _exists_error(target)
    if target.is_symlink() or not target.is_dir():
        raise InputError(
            "--force replaces only a directory gatesim wrote; this is not a directory",
            key="--out",
            given=str(target),
            allowed="a new directory, or one gatesim wrote",
        )
    if not ours(target):
        raise InputError(
            "--force replaces only a directory gatesim wrote (with its manifest.json); this one holds other files",
            key="--out",
            given=str(target),
            allowed="a new directory, or one gatesim wrote",
        )
    strangers = foreign_files(target)
    if strangers:  # a user's own file put into a run directory: never deleted by a replacement
        shown = ", ".join(strangers[:5]) + (f" and {len(strangers) - 5} more" if len(strangers) > 5 else "")
        raise InputError(
            f"--force would delete files gatesim did not write there: {shown}",
            key="--out",
            given=str(target),
            allowed="move them out of the run directory first, or another --out",
        )


@contextmanager
def atomic_dir(
    target: Path,
    force: bool = False,
    inputs: Iterable[Path | str] = (),
    ours: Callable[[Path], bool] = gatesim_dir,
) -> Iterator[Path]:
    """Yield a scratch directory that becomes ``target`` when the block succeeds.

    Nothing is created or changed at ``target`` until the block has finished;
    if it raises (or the process is killed), ``target`` is as it was before.
    ``inputs``: files or directories the command reads; ``target`` may not
    overlap any of them. ``ours``: which existing directories ``force`` may
    replace (default: one with a gatesim manifest; a report's ``report_png/``
    passes its own test).
    """
    target = Path(os.path.abspath(target))
    parent = target.parent
    _check_name(target)
    try:
        if parent.is_dir():
            _clean_stale(parent, target.name)
    except OSError as e:
        raise EnvironmentFailure(f"--out: cannot tidy {parent}: {os_reason(e)}") from None
    check_not_input(target, inputs)
    _check_target(target, force, ours)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = parent / f".{target.name}.partial-{os.getpid()}"
        _rmtree(tmp)
        tmp.mkdir()
    except OSError as e:
        if e.errno in (errno.ENOTDIR, errno.EEXIST, errno.ENAMETOOLONG):
            raise InputError(
                f"cannot create the output directory ({e.strerror})", key="--out", given=str(target)
            ) from None
        raise EnvironmentFailure(
            f"--out {target}: cannot create the output directory ({os_reason(e)})"
        ) from None
    try:
        yield tmp
    except BaseException:
        _rmtree(tmp)
        raise
    try:
        _fsync_dir(tmp)
        _swap_in(tmp, target, parent, force, ours)
    except BaseException:
        _rmtree(tmp)
        raise
    _fsync_dir(parent)


def _swap_in(
    tmp: Path, target: Path, parent: Path, force: bool, ours: Callable[[Path], bool] = gatesim_dir
) -> None:
    if not (target.exists() or target.is_symlink()):
        os.replace(tmp, target)
        return
    if not force:  # appeared while we were running: never clobber it
        raise _exists_error(target)
    _check_target(target, force, ours)  # may have changed while we were running
    if _exchange(tmp, target):
        _rmtree(tmp)  # now the old result; killed before this, the next run tidies it
        return
    # Killed between these two renames, the old result survives as a hidden
    # .NAME.old-PID directory, which the next run into NAME puts back.
    old = parent / f".{target.name}.old-{os.getpid()}"
    os.replace(target, old)
    os.replace(tmp, target)
    _rmtree(old)


def tidy_parked(target: Path) -> None:
    """Put back an earlier result parked by a replacement that was killed mid-swap (see _swap_in).

    For outputs built elsewhere than ``atomic_dir`` (a sweep replaced with
    ``--force`` is built in a sibling and swapped in with ``swap_dir``).
    """
    target = Path(os.path.abspath(target))
    try:
        if target.parent.is_dir():
            _clean_stale(target.parent, target.name)
    except OSError as e:
        raise EnvironmentFailure(f"--out: cannot tidy {target.parent}: {os_reason(e)}") from None


def clear_scratch(target: Path, suffix: str, say: Callable[[str], None]) -> None:
    """Remove (and say so) the hidden ``.NAME.<suffix>`` an earlier ``--force`` into ``target`` left
    when it was cut short, by a command that is not resuming that replacement."""
    target = Path(os.path.abspath(target))
    scratch = target.parent / f".{target.name}.{suffix}"
    if scratch.exists() or scratch.is_symlink():
        _rmtree(scratch)
        say(f"removed {scratch}: the unfinished replacement of an earlier --force that was cut short")


def swap_dir(new: Path, target: Path, ours: Callable[[Path], bool] = gatesim_dir) -> None:
    """Put the complete directory ``new`` in place of ``target`` (one of ``ours``) in one step.

    The old ``target`` is removed only once ``new`` is in its place; killed at
    any point, one of the two is whole at ``target`` (or parked, and put back by
    ``tidy_parked``).
    """
    new = Path(os.path.abspath(new))
    target = Path(os.path.abspath(target))
    _fsync_dir(new)
    _swap_in(new, target, target.parent, True, ours)
    _fsync_dir(target.parent)


def _write_atomic(path: Path, data: str | bytes, mode: str, **open_kw: Any) -> None:
    """Write via a temporary name and rename: readers see the old or the new file, whole."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, mode, **open_kw) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: Path, data: bytes) -> None:
    _write_atomic(path, data, "wb")


def write_text(path: Path, text: str) -> None:
    """UTF-8 text, as given (no newline translation), written atomically."""
    _write_atomic(path, text, "w", encoding="utf-8", newline="\n")


def write_csv(path: Path, df: pd.DataFrame) -> None:
    write_text(path, df.to_csv(index=False, lineterminator="\n"))


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str, ensure_ascii=False) + "\n")


def _yaml_plain(data: Any) -> Any:
    """Data the safe YAML writer can represent: a date-time as ISO text (a YAML timestamp
    read back by ruamel is a subclass the writer does not know), a date as a plain date."""
    if isinstance(data, dict):
        return {k: _yaml_plain(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_yaml_plain(v) for v in data]
    if isinstance(data, dt.datetime):
        return data.isoformat(timespec="minutes" if not (data.second or data.microsecond) else "auto")
    if isinstance(data, dt.date):
        return dt.date(data.year, data.month, data.day)
    return data


def write_yaml(path: Path, data: Any) -> None:
    data = _yaml_plain(data)
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    y.allow_unicode = True
    buf = io.StringIO()
    y.dump(data, buf)
    write_text(path, buf.getvalue())

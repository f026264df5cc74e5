"""Loading the compiled kernel: a cached ahead-of-time build where one can be made, else numba's JIT.

Loading numba's JIT-cached code costs every process ~0.4-0.5 s of CPU (numba's
typing and target registries are set up before a cached function can run) and
~140 MiB of RSS (numba's import and LLVM's runtime): a third of a year's
``simulate`` on the kernel and the difference between 579 and 512 MiB at a
year's peak. So the first run compiles the same function ahead of time
(``numba.pycc``: numba's compiler, plus the system's C compiler for the
module's wrapper) into a plain extension module kept in the cache directory;
every later run imports it in ~1 ms without importing numba at all.

The module's name carries a hash of the kernel's source, its signature and the
numba, Python and platform versions, so a change to any of them builds a new
one. It is written under a temporary name and renamed into place, so processes
building at once (a sweep's workers) never load a partial file. Where it cannot
be built (no C compiler, a read-only cache, a numba without ``pycc``) or
``GATESIM_KERNEL_JIT=1`` asks for it, numba's JIT runs the kernel as before
(``cache=True``): the same source, the same log bit for bit.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.metadata
import importlib.util
import os
import platform
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["kernel_form", "run_gate_function"]

_HERE = Path(__file__).resolve().parent
_SOURCES = (
    "kernel.py",
    "kernel_book.py",
    "kernel_pending.py",
    "kernel_state.py",
    "kernel_load.py",
)  # the source and how it is built

# run_gate's argument types, in order (gatesim.model.kernel.run_gate; kernel_sim.GateArrays.run)
_A_F8, _A_I8, _A_B1, _A_U1 = "f8[::1]", "i8[::1]", "b1[::1]", "u1[::1]"
SIGNATURE = "void({})".format(
    ", ".join(
        [
            "f8",  # until
            _A_I8,  # state
            _A_F8,  # arrival_t
            _A_F8,  # adm_t
            _A_I8,  # adm_k
            _A_U1,  # direction
            _A_F8,  # calendar_t
            _A_I8,  # calendar_w
            _A_I8,  # route_lo
            _A_I8,  # route_hi
            _A_I8,  # step_rt
            _A_I8,  # step_col
            "i8[:, ::1]",  # step_words
            _A_F8,  # step_travel
            _A_B1,  # step_takes
            _A_B1,  # step_frees
            _A_I8,  # skip_row
            _A_F8,  # skip_from
            _A_F8,  # skip_to
            "u1[:, ::1]",  # skip_mask
            "f8[:, ::1]",  # service
            _A_I8,  # servers
            _A_I8,  # free_lo
            _A_F8,  # free
            _A_I8,  # cursor
            _A_I8,  # iv_hi
            _A_F8,  # opens
            _A_F8,  # closes
            _A_I8,  # used
            _A_I8,  # cap
            _A_B1,  # always
            _A_B1,  # timed
            _A_I8,  # n_busy
            _A_F8,  # last
            _A_I8,  # span_cur
            _A_I8,  # span_hi
            _A_F8,  # span_t
            _A_I8,  # span_cap
            _A_I8,  # span_iv
            _A_I8,  # heap_k (the early heap's trucks)
            _A_I8,  # wheel_head
            _A_I8,  # wheel_next
            _A_I8,  # q_head
            _A_I8,  # q_tail
            _A_I8,  # q_next
            _A_F8,  # wake_t
            "i1[::1]",  # phase
            "i4[::1]",  # step
            _A_I8,  # waiters
            _A_F8,  # out_t
            "i4[::1]",  # out_k
            "u2[::1]",  # out_w
            "i8",  # first_truck
            "f8",  # horizon
        ]
    )
)


def _cache_dirs() -> list[Path]:
    """numba's own choice: ``NUMBA_CACHE_DIR`` if set (only it), else ``__pycache__`` beside
    the source, then the user's cache folder (an installation the user cannot write to)."""
    env = os.environ.get("NUMBA_CACHE_DIR")
    if env:
        return [Path(env)]
    user = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gatesim"
    return [_HERE / "__pycache__", user]


def aot_path(folder: Path | None = None) -> Path:
    """Where the ahead-of-time module for this source and these versions is (or would be)
    kept: in ``folder``, or the first of the cache folders."""
    h = hashlib.sha256()
    for name in _SOURCES:
        h.update((_HERE / name).read_bytes())
    try:
        numba_version = importlib.metadata.version("numba")
    except importlib.metadata.PackageNotFoundError:
        numba_version = "none"
    for part in (SIGNATURE, numba_version, sys.version, platform.machine(), platform.system()):
        h.update(part.encode())
    name = f"gatesim_kernel_{h.hexdigest()[:16]}"
    return (folder or _cache_dirs()[0]) / (name + importlib.machinery.EXTENSION_SUFFIXES[0])


def build_aot(path: Path) -> None:
    """Compile ``run_gate`` ahead of time into ``path`` (raises if it cannot)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc is pending deprecation in numba; the JIT stays the fallback
        from numba.pycc import CC

    from gatesim.model import kernel

    name = path.name.split(".")[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=".gatesim-kernel-", dir=path.parent))
    try:
        cc = CC(name)
        cc.output_dir = str(build)
        # the kernel allocates nothing: without numba's runtime its arrays carry no reference
        # counts (with it, incref/decref calls were ~18% of a year's kernel time)
        cc.use_nrt = False
        cc.export("run_gate", SIGNATURE)(kernel.run_gate.py_func)
        cc.compile()
        os.replace(build / cc.output_file, path)  # atomic: a reader sees no file or the whole file
    finally:
        shutil.rmtree(build, ignore_errors=True)


def _import_extension(path: Path) -> Any:
    name = path.name.split(".")[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path}: not an extension module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_kernel(jit: bool = False) -> tuple[str, Callable[..., None]]:
    """The form (``"ahead-of-time"`` or ``"jit"``) and the compiled ``run_gate``: the
    ahead-of-time module, built first if it is not in the cache; numba's JIT if
    ``jit`` or if the module cannot be built or loaded."""
    for folder in [] if jit else _cache_dirs():
        try:
            path = aot_path(folder)
            if not path.exists():
                build_aot(path)
            return "ahead-of-time", _import_extension(path).run_gate
        except Exception:  # any failure to build or load: the next folder, then the JIT
            continue
    from gatesim.model.kernel import run_gate

    return "jit", run_gate


@cache
def _loaded() -> tuple[str, Callable[..., None]]:
    return load_kernel(jit=os.environ.get("GATESIM_KERNEL_JIT") == "1")


def run_gate_function() -> Callable[..., None]:
    """The compiled ``run_gate`` this process uses (built on first use, then loaded from the cache)."""
    return _loaded()[1]


def kernel_form() -> str:
    """``"ahead-of-time"`` or ``"jit"``: which form of the kernel this process runs."""
    return _loaded()[0]

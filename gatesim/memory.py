"""Giving freed memory back to the operating system between the phases of a run.

A year's projections free ~150 MB of numpy temporaries that glibc's allocator
keeps for reuse (below its adaptive mmap threshold, they come from the heap),
so the Parquet write that follows takes new memory and the run's peak grows
by it. ``malloc_trim`` returns those free pages at once. A fixed, low mmap
threshold would too, but made every large temporary a fresh mapping and the
projections 1.6x slower on this VM (each first touch of a page is a fault).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache

__all__ = ["collect_run_garbage", "release_free_memory"]


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_free_memory() -> bool:
    """Return the allocator's free pages to the OS (glibc); False where there is no such call."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def collect_run_garbage() -> None:
    """After a run: collect the objects its engine left in reference cycles (they can hold
    the run's columns through decode and projections), then return the freed pages."""
    gc.collect()
    release_free_memory()

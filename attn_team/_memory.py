"""Handing freed heap memory back to the operating system after a large phase.

glibc keeps the memory of freed small objects in its heap for reuse; after a phase that made and
dropped tens of millions of them (reading 1M issues from JSON, embedding their texts) the process
keeps gigabytes it no longer uses. ``malloc_trim(0)`` returns the free pages inside the heap, as
Dask's workers do for their "unmanaged memory". Elsewhere (macOS, musl, Windows) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging

__all__ = ["release_memory"]

log = logging.getLogger(__name__)


@functools.cache
def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        fn = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    fn.argtypes, fn.restype = [ctypes.c_size_t], ctypes.c_int
    return fn


def release_memory(after: str = "") -> bool:
    """Give the heap's free pages back to the system; whether anything could be asked (glibc only)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    log.debug("released free heap memory%s", f" after {after}" if after else "")
    return True

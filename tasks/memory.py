"""Freed memory given back to the operating system: Arrow's allocator (mimalloc) keeps what it
frees for its next allocations, and so does the C library's malloc (numpy's arrays) at the top
of its heap, so a cut or a dataset let go would still count in the process's resident memory
while the next step allocates its own."""
from __future__ import annotations

import ctypes
import ctypes.util

import pyarrow as pa

_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or None)
_MALLOC_TRIM = getattr(_LIBC, "malloc_trim", None)     # glibc only


def release_unused_memory() -> None:
    """Return the memory Arrow and malloc have freed (the cut's text columns, ADaM read from
    Parquet, a dataset's intermediate frames)."""
    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)

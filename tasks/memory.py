"""Freed memory given back to the operating system: Arrow's allocator (mimalloc) keeps what it
frees for its next allocations, so a cut let go would still count in the process's resident
memory while the analysis allocates its own."""
from __future__ import annotations

import pyarrow as pa


def release_unused_memory() -> None:
    """Return the memory Arrow has freed (the cut's text columns, ADaM read from Parquet)."""
    pa.default_memory_pool().release_unused()

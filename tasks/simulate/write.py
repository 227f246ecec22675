"""Write a simulated cut as ROOT/YYYY-MM-DD/<domain>.csv, the ready marker last."""
from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import TextIO

import pandas as pd

from tasks.errors import BadInputError

CUT_FILE_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".xpt")
DEFAULT_READY_MARKER = "_READY"


def write_cut(frames: dict[str, pd.DataFrame], out_root: Path, cutoff: date,
              ready_marker: str = DEFAULT_READY_MARKER, *, overwrite: bool = False) -> Path:
    """Write each frame to `<lowercase domain>.csv` (UTF-8, "\\n" line ends, no index: the same
    frames give byte-identical files), then the empty ready marker (source.ready_marker).
    A folder that is already complete (has the marker) is refused unless `overwrite`; then its
    marker goes first, so that no reader takes the folder for complete while it is rewritten."""
    return write_parts([frames], out_root, cutoff, ready_marker, overwrite=overwrite)


def write_parts(parts: Iterable[dict[str, pd.DataFrame]], out_root: Path, cutoff: date,
                ready_marker: str = DEFAULT_READY_MARKER, *, overwrite: bool = False) -> Path:
    """write_cut of the parts of one cut (the same domains each), each domain's rows part after
    part: a part is let go once written."""
    folder = Path(out_root) / cutoff.isoformat()
    marker = folder / ready_marker
    if marker.exists():
        if not overwrite:
            raise BadInputError(f"{folder}: a complete data cut is already there ({ready_marker} "
                                "present); not overwritten")
        marker.unlink()
        for old in folder.iterdir():
            if old.is_file() and old.name.endswith(CUT_FILE_SUFFIXES):
                old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as files:
        partial: dict[str, TextIO] = {}
        for frames in parts:
            for domain in sorted(frames):
                first = domain not in partial
                if first:
                    target = folder / f"{domain.lower()}.csv"
                    partial[domain] = files.enter_context(open(
                        target.with_name(target.name + ".part"), "w", encoding="utf-8",
                        newline=""))
                frames[domain].to_csv(partial[domain], index=False, header=first,
                                      lineterminator="\n")
    for domain in sorted(partial):
        target = folder / f"{domain.lower()}.csv"
        os.replace(target.with_name(target.name + ".part"), target)
    marker.touch()
    return folder

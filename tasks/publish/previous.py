"""The previous cut as the analysis compares with it: the latest published version of the most
recent earlier cutoff, read into a PreviousCut (what it lacks is said in its notes)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from tasks.model import PreviousCut
from tasks.publish.snapshot import SNAPSHOT_PATH, read_snapshot

# What each file of the previous version is needed for, said when it is missing.
_NEEDED_FOR = {
    "adam/adsl.parquet": "new subjects and new deaths cannot be listed",
    "adam/adrs.parquet": "new responses and progressions cannot be listed",
    "adam/adae.parquet": "new serious adverse events cannot be listed",
    SNAPSHOT_PATH.as_posix(): "changed and removed records cannot be listed",
}


def read_previous_cut(version_dir: Path) -> PreviousCut:
    """The published version `version_dir` (tasks.publish.versions.previous_cut_version finds
    it) as a PreviousCut."""
    version_dir = Path(version_dir)
    frames: dict[str, pd.DataFrame | None] = {}
    notes = []
    for relative, consequence in _NEEDED_FOR.items():
        path = version_dir / relative
        read = read_snapshot if relative == SNAPSHOT_PATH.as_posix() else pd.read_parquet
        frames[relative] = read(path) if path.is_file() else None
        if frames[relative] is None:
            notes.append(f"The previous version has no {relative}: {consequence}.")
    return PreviousCut(version=f"{version_dir.parent.name}/{version_dir.name}",
                       adsl=frames["adam/adsl.parquet"], adrs=frames["adam/adrs.parquet"],
                       adae=frames["adam/adae.parquet"], records=frames[SNAPSHOT_PATH.as_posix()],
                       notes=notes)


"""Counts of what changed since the previous cut, for results.json (None: not comparable)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChangesResults:
    # the previous cut's version, e.g. "2026-09-30/v2"; None: first cut
    previous: str | None
    new_subjects: int | None
    new_deaths: int | None
    new_saes: int | None
    new_responses: int | None
    new_progressions: int | None
    records: dict[str, int] | None  # NEW / CHANGED / REMOVED SDTM records


FIRST_CUT = ChangesResults(None, None, None, None, None, None, None)

"""What page 2 of the closed report ("DSMB at a glance") prints, as text: apart from
tasks.report.glance, which makes it from the results, so that the PDF workers unpickle a
document without importing the results and statistics modules."""
from __future__ import annotations

from dataclasses import dataclass

from tasks.report.narrative import NarrativeBlock


@dataclass(frozen=True)
class GlanceVerdict:
    name: str
    boundary: str
    observed: str
    verdict: str


@dataclass(frozen=True)
class GlanceLine:
    """A sentence and the id of the table or listing it points to ("" for none)."""
    text: str
    target: str = ""


@dataclass(frozen=True)
class SafetyRow:
    label: str
    cells: tuple[str, ...]
    target: str
    indent: bool = False


@dataclass(frozen=True)
class Glance:
    verdicts: tuple[GlanceVerdict, ...]
    verdicts_target: str
    safety_columns: tuple[str, ...]
    safety: tuple[SafetyRow, ...]
    efficacy: tuple[GlanceLine, ...]
    maturity: tuple[GlanceLine, ...]
    attention: tuple[GlanceLine, ...]
    narrative: tuple[NarrativeBlock, ...] | None      # None: no summary was supplied

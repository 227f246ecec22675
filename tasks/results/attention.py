"""Items for the DSMB's attention, chosen at each cut by rules from the data (docs/dsmb-report.md,
"DSMB at a glance"): each names its rule, says what to look at and points to a table or listing."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AttentionItem:
    rule: str                       # the rule that chose it (tasks.analysis.attention)
    text: str                       # what the DSMB should look at, in one or two sentences
    subjects: tuple[str, ...]       # USUBJID concerned (none for a rule about the whole trial)
    target: str                     # id of the table or listing it points to

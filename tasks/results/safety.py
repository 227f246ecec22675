"""Safety results: subjects with TEAE by category, deaths and AESI groups, over the safety
population of one group (an arm, or all of them)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Share:
    """Subjects and their percentage of the group's safety population (None when empty)."""
    subjects: int
    pct: float | None

    @classmethod
    def of(cls, subjects: int, total: int) -> Share:
        return cls(int(subjects), 100.0 * subjects / total if total else None)


@dataclass(frozen=True)
class SafetyResults:
    arm: str
    population: int                 # N: the group's safety population
    grade_scale: str                # "CTCAE grade", or "Severity" when only AESEV exists
    teae: Share
    teae_grade3plus: Share
    missing_grade: Share
    serious: Share
    related: Share
    related_grade3plus: Share             # related to any study drug, grade >= 3, any time
    related_by_drug: dict[str, Share]     # component code -> related to it
    discontinuation: Share
    interruption_or_reduction: Share
    fatal: Share
    deaths: Share
    deaths_in_window: Share               # within safety.death_window_days of the last dose
    aesi: dict[str, Share]
    aesi_grade3plus: dict[str, Share]
    hepatic_decompensation: Share | None     # None: no composite configured
    by_arm: dict[str, SafetyResults] | None = None

    def columns(self) -> list[tuple[str, SafetyResults]]:
        if not self.by_arm:
            return [(self.arm, self)]
        return [*self.by_arm.items(), (self.arm, self)]

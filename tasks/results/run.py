"""All results of one run (results.json) and what the open session may see (open-results.json)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from tasks.results.attention import AttentionItem
from tasks.results.changes import ChangesResults
from tasks.results.efficacy import EfficacyResults
from tasks.results.monitoring import MonitoringResults
from tasks.results.safety import SafetyResults
from tasks.results.safety_course import SafetyCourseResults


@dataclass(frozen=True)
class Populations:
    screened: int
    enrolled: int
    safety: int
    full_analysis: int
    efficacy: int                   # the response-evaluable set


@dataclass(frozen=True)
class DataCut:
    """What the cutoff and validation did to the data."""
    records_set_aside: int
    validation_warnings: int


@dataclass(frozen=True)
class Results:
    """results.json: the canonical JSON of this object (numbers unrounded)."""
    cutoff: str
    study: str
    populations: Populations
    efficacy: EfficacyResults
    safety: SafetyResults
    safety_course: SafetyCourseResults
    monitoring: MonitoringResults
    changes: ChangesResults
    data_cut: DataCut
    attention: tuple[AttentionItem, ...]
    version: int | None = None       # known once a version number is reserved

    def published_as(self, version: int) -> Results:
        return replace(self, version=version)


@dataclass(frozen=True)
class OpenPopulations:
    screened: int
    enrolled: int
    safety: int
    full_analysis: int


@dataclass(frozen=True)
class Accrual:
    planned: int | None
    enrolled: int
    by_site: list[dict[str, Any]]
    by_month: list[dict[str, Any]]


@dataclass(frozen=True)
class DataCurrency:
    followed: int                   # alive and in follow-up at the cutoff
    behind: int                     # of them, data more than behind_days behind the cutoff
    behind_days: int


@dataclass(frozen=True)
class OpenDataQuality:
    validation_warnings: int
    records_set_aside: int
    set_aside_by_domain_and_reason: list[dict[str, Any]]


@dataclass(frozen=True)
class OpenResults:
    """open-results.json (docs/delivery.md): accrual, disposition, pooled baseline, data currency
    and quality, the pooled TEAE overview when the config allows it; nothing closed."""
    cutoff: str
    study: str
    populations: OpenPopulations
    accrual: Accrual
    disposition: list[dict[str, Any]]
    baseline: list[dict[str, Any]]
    data_currency: DataCurrency
    data_quality: OpenDataQuality
    safety_overview: list[dict[str, Any]] | None
    version: int | None = None

    def published_as(self, version: int) -> OpenResults:
        return replace(self, version=version)

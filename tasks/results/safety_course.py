"""Safety over time (results.json "safety_course"): each AESI group's onset, resolution and
cumulative incidence, the treatment of immune-related AEs, and the Bayesian safety rule applied
to all cycles as a supportive line (all safety subjects)."""
from __future__ import annotations

from dataclasses import dataclass

from tasks.results.monitoring import NotEvaluated
from tasks.results.safety import Share
from tasks.results.verdict import Verdict


@dataclass(frozen=True)
class AesiCourse:
    """One AESI group: subjects with a treatment-emergent event; study day of the first onset;
    events and those resolved with the duration of the resolved ones (days); the cumulative
    incidence of a first event (death a competing risk) at each landmark (months, as text)."""
    group: str
    subjects: int
    onset_median_days: float | None
    onset_min_days: float | None
    onset_max_days: float | None
    events: int
    resolved: int
    resolution_median_days: float | None
    cumulative_incidence: dict[str, float | None]


@dataclass(frozen=True)
class ImmuneTreatmentUse:
    """Subjects with an immune-related TEAE, and of them those given each treatment class (and
    "Any") from the onset of such an AE to the configured days after its end."""
    subjects_with_event: int
    treated: dict[str, Share]


@dataclass(frozen=True)
class AllCyclesSafetyRule:
    """The Bayesian safety stopping rule's posterior for its event at any time on treatment
    (not only in the first cycle): t subjects with the event among the m in the safety
    population. Supportive: the prespecified rule is monitoring.safety_stopping."""
    event_label: str
    threshold: float
    probability_cutoff: float
    prior_a: float
    prior_b: float
    t: int
    m: int
    rate: float | None
    posterior_prob: float
    boundary_t: int | None
    verdict: Verdict
    cutoff: str
    supportive: bool = True


@dataclass(frozen=True)
class SafetyCourseResults:
    aesi: tuple[AesiCourse, ...]
    immune_treatment: ImmuneTreatmentUse
    all_cycles_rule: AllCyclesSafetyRule | NotEvaluated

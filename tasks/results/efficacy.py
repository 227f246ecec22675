"""Efficacy results: response rates with exact intervals, best-response counts, Kaplan-Meier
summaries of OS, PFS and DOR, median follow-up, DCR at the landmark, the PFS sensitivity
analyses, and the second analyses (independent review, iRECIST) when the data hold them; for all
subjects and, with several arms, by arm."""
from __future__ import annotations

from dataclasses import dataclass

from tasks.stats.binomial import Proportion
from tasks.stats.km import KMSummary, Landmark, Quantile

MONTHS = "months"


@dataclass(frozen=True)
class Survival:
    """A time-to-event endpoint's Kaplan-Meier summary as results.json holds it (months)."""
    n: int
    events: int
    censored: int
    median: float | None
    median_ci_low: float | None
    median_ci_high: float | None
    q1: Quantile
    q3: Quantile
    landmarks: tuple[Landmark, ...]
    conf_level: float
    unit: str = MONTHS

    @classmethod
    def of(cls, summary: KMSummary) -> Survival:
        return cls(n=summary.n, events=summary.events, censored=summary.censored,
                   median=summary.median.estimate, median_ci_low=summary.median.ci_low,
                   median_ci_high=summary.median.ci_high, q1=summary.q1, q3=summary.q3,
                   landmarks=summary.landmarks, conf_level=summary.conf_level)

    @property
    def median_quantile(self) -> Quantile:
        return Quantile(0.5, self.median, self.median_ci_low, self.median_ci_high)


@dataclass(frozen=True)
class FollowUp:
    median: float | None
    ci_low: float | None
    ci_high: float | None
    unit: str = MONTHS
    method: str = "reverse Kaplan-Meier on OS"


@dataclass(frozen=True)
class LandmarkRate:
    """DCR at the landmark (ADRS DCLM): over the subjects who reached it or progressed or died
    before it; those whose window is still open (pending) or whose follow-up ended before it
    are counted apart."""
    months: float
    rate: Proportion
    pending: int
    not_reached: int


@dataclass(frozen=True)
class PfsSensitivity:
    """A sensitivity analysis of PFS (ADTTE PFSNMISS, PFSNACT)."""
    paramcd: str
    label: str
    survival: Survival


@dataclass(frozen=True)
class Concordance:
    """Investigator against independent BOR over the subjects the reviewer assessed: agreement
    and Cohen's kappa (None when undefined: every subject in one category by both); `cells`
    the cross-table (investigator BOR -> independent BOR -> subjects)."""
    n: int
    agree: int
    rate: float | None
    kappa: float | None
    discordant: int                     # BOR, CBOR or PFS event status differ
    cells: dict[str, dict[str, int]]


@dataclass(frozen=True)
class IndependentReview:
    """The second analysis by the independent reviewer (ADRS BORIRC / CBORIRC, ADTTE PFSIRC):
    rates over the primary rates' denominator (the settled subjects), counts over all."""
    evaluator: str
    orr: Proportion
    dcr: Proportion
    bor_counts: dict[str, int]
    cbor_counts: dict[str, int]
    pfs: Survival
    concordance: Concordance


@dataclass(frozen=True)
class IrecistResults:
    """iRECIST, exploratory (ADRS IBOR, ICBOR): rates over the primary rates' denominator (the
    settled subjects), counts over the response-evaluable set."""
    orr: Proportion                     # ICBOR iCR or iPR
    dcr: Proportion                     # ICBOR iCR, iPR, iSD or NON-iCR/NON-iUPD
    orr_unconfirmed: Proportion         # IBOR iCR or iPR
    ibor_counts: dict[str, int]
    icbor_counts: dict[str, int]


@dataclass(frozen=True)
class PendingResponses:
    """The response-evaluable subjects whose response can still change at the cut
    (tasks.monitoring.pending): apart from the rates, never counted as non-responders.
    The ORR range counts every pending response confirmed, or none, over the settled subjects
    and those awaiting confirmation (subjects still inside the first window stay apart)."""
    evaluable: int                      # the response-evaluable set
    settled: int                        # the denominator of the rates
    pending: int
    awaiting_confirmation: int          # an unconfirmed CR/PR that can still be confirmed
    in_first_window: int                # the first assessment and its confirmation still to come
    cbor_counts: dict[str, int]         # the pending subjects by their CBOR at the cut
    orr_if_none_confirm: float | None
    orr_if_all_confirm: float | None


@dataclass(frozen=True)
class EfficacyResults:
    """One group of subjects (an arm, or all of them: `arm` names it). The rates are over the
    settled response-evaluable subjects (`pending` says who is apart)."""
    arm: str
    orr: Proportion
    dcr: Proportion
    dcr_6m: LandmarkRate | None         # None: ADRS has no DCLM parameter in this cut
    dcr_6m_best: Proportion | None      # best response within 6 months (CBORW), supportive
    orr_unconfirmed: Proportion
    bor_counts: dict[str, int]
    cbor_counts: dict[str, int]
    pending: PendingResponses
    os: Survival
    pfs: Survival
    dor: Survival
    follow_up: FollowUp
    pfs_sensitivity: tuple[PfsSensitivity, ...]
    independent_review: IndependentReview | None      # RS has no second evaluator
    irecist: IrecistResults | None                    # RS has no iRECIST responses
    by_arm: dict[str, EfficacyResults] | None = None   # with more than one arm

    def columns(self) -> list[tuple[str, EfficacyResults]]:
        """The table columns: each arm, then Total; or the only arm."""
        if not self.by_arm:
            return [(self.arm, self)]
        return [*self.by_arm.items(), (self.arm, self)]

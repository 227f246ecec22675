"""Monitoring results: each prespecified rule with what it counted, its boundary and its verdict
at the cut (Simon two-stage, Bayesian predictive probability, Bayesian safety stopping)."""
from __future__ import annotations

from dataclasses import dataclass

from tasks.results.verdict import Verdict


@dataclass(frozen=True)
class NotEvaluated:
    """A rule the configuration does not set up (or switches off), and why."""
    reason: str
    verdict: Verdict = Verdict.NOT_CONFIGURED
    enabled: bool = False


@dataclass(frozen=True)
class SimonParameters:
    p0: float | None
    p1: float | None
    alpha: float
    beta: float
    n_max: int


@dataclass(frozen=True)
class SimonDesignSummary:
    """The design's boundaries and, when p0/p1 are known, its exact operating characteristics."""
    r1: int
    n1: int
    r: int
    n: int
    en0: float | None
    pet0: float | None
    alpha: float | None
    power: float | None


@dataclass(frozen=True)
class SimonStage:
    """The first `subjects_required` efficacy subjects against "responses > boundary".
    `evaluable`: settled subjects; `responses_to_pass`: responses still needed to exceed the
    boundary (None once failed); `non_responses_to_fail`: subjects still open who, settling
    without a response, would make failure certain (None once passed)."""
    subjects_required: int
    enrolled: int
    evaluable: int
    pending: int
    not_yet_enrolled: int
    responses: int
    boundary: int
    verdict: Verdict
    decided_before_all_evaluable: bool
    responses_to_pass: int | None
    non_responses_to_fail: int | None
    stopped_at_stage1: bool = False


@dataclass(frozen=True)
class SimonInference:
    """After stage 2: x responses in the design's n, the stage-wise-ordering p-value, UMVUE and
    exact CI, and the naive single-stage ones that ignore the design (tasks.monitoring.
    simon_inference). `provisional`: subjects of the first n whose response is not yet settled,
    counted here as non-responders."""
    responses: int
    n: int
    provisional: int
    p_value: float
    estimate: float
    ci_low: float
    ci_high: float
    conf_level: float
    method: str
    naive_p_value: float
    naive_estimate: float
    naive_ci_low: float
    naive_ci_high: float


@dataclass(frozen=True)
class SimonResult:
    source: str                      # "config", "optimal" or "minimax"
    design: SimonDesignSummary
    parameters: SimonParameters
    stage1: SimonStage
    final: SimonStage
    inference: SimonInference | None  # once stage 2 is reached (stage 1 passed) and p0 is known
    beyond_design: int               # efficacy subjects enrolled after the first n
    cutoff: str
    data: str                        # the ADaM variables the rule read


@dataclass(frozen=True)
class PredictiveResult:
    """Lee & Liu: x responses in m settled of the first n_max, PP of success at n_max."""
    x: int
    m: int
    pending: int
    n_max: int
    p0: float
    theta_t: float
    theta_l: float
    prior_a: float
    prior_b: float
    pp: float
    posterior_mean: float
    ci_low: float
    ci_high: float
    min_future_responses_for_success: int | None
    pp_if_next_fails: float | None    # the PP should the next subject settle without a response
    verdict: Verdict
    cutoff: str
    data: str
    enabled: bool = True


@dataclass(frozen=True)
class UnjudgedRecords:
    """AE records in the window that could not be judged, counted so nothing is dropped unseen."""
    missing_grade: int
    missing_onset: int


@dataclass(frozen=True)
class SafetyStoppingResult:
    """t events in m assessable subjects against P(rate > threshold | data) > cutoff."""
    event: str
    event_label: str
    window_days: int
    threshold: float
    probability_cutoff: float
    prior_a: float
    prior_b: float
    t: int
    m: int
    rate: float | None
    in_window: int                  # still inside the window: shown apart, not counted
    no_first_dose_date: int
    posterior_prob: float
    boundary_t: int | None          # the smallest t that crosses at this m
    unjudged_records: UnjudgedRecords
    verdict: Verdict
    cutoff: str
    data: str
    enabled: bool = True


@dataclass(frozen=True)
class InformationFraction:
    evaluable: int
    planned: int | None
    fraction: float | None


@dataclass(frozen=True)
class MonitoringResults:
    cutoff: str
    efficacy_subjects: int
    simon: SimonResult | NotEvaluated
    predictive: PredictiveResult | NotEvaluated
    safety_stopping: SafetyStoppingResult | NotEvaluated
    information_fraction: InformationFraction

    def verdicts(self) -> list[tuple[str, Verdict]]:
        """(rule, verdict) of every rule, in the order of the decision page."""
        simon = [("Simon stage 1", self.simon.stage1.verdict),
                 ("Simon final", self.simon.final.verdict)] \
            if isinstance(self.simon, SimonResult) else [("Simon two-stage", self.simon.verdict)]
        return simon + [("Bayesian predictive probability", self.predictive.verdict),
                        ("Bayesian safety stopping", self.safety_stopping.verdict)]

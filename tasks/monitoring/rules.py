"""The prespecified monitoring rules evaluated at a cut (Simon two-stage, Bayesian predictive
probability, Bayesian safety stopping): typed results (results.json "monitoring").

A verdict is given as soon as it can no longer change: a Simon stage passes once its responses
exceed the boundary, fails once even a response from every pending subject could not exceed it,
and is NOT YET EVALUABLE in between. Pending subjects (tasks.monitoring.pending: a response that
can still change) are never counted as failures; rates are over settled subjects.

The final analysis of the Simon design is reached when all n subjects of the design are enrolled
and settled. Before it, a final boundary already exceeded reads FINAL BOUNDARY EXCEEDED; DECLARE
PROMISING only at the final analysis. NOT PROMISING is given as soon as it is certain. Once stage 2
is reached (stage 1 passed) the stage-wise inference (tasks.monitoring.simon_inference) is given,
provisional while some of the first n are not settled.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from tasks.config import Monitoring, SimonDesign, TrialConfig
from tasks.errors import ConfigError
from tasks.monitoring.cohorts import safety_cohort, safety_event
from tasks.monitoring.predictive import predictive_probability
from tasks.monitoring.safety_stopping import boundary_table, evaluate_safety
from tasks.monitoring.simon import design_summary, search_designs
from tasks.monitoring.simon_inference import stagewise_inference
from tasks.results.monitoring import (
    InformationFraction,
    MonitoringResults,
    NotEvaluated,
    PredictiveResult,
    SafetyStoppingResult,
    SimonDesignSummary,
    SimonInference,
    SimonParameters,
    SimonResult,
    SimonStage,
    UnjudgedRecords,
)
from tasks.results.verdict import Verdict

EFFICACY_DATA = "ADSL (RSEVALFL, {ref}, DTHFL), ADRS (PARAMCD CBOR; OVR AVALC, ADT, ANL01FL)"
SAFETY_DATA = "ADSL (SAFFL, TRTSDT, DTHFL), ADAE (TRTEMFL, AETOXGR, {rel}ASTDT)"


@dataclass(frozen=True)
class MonitoringOutcome:
    """The rules' results (results.json "monitoring") and the safety boundary table's data
    (Table 10.2), when the safety rule is evaluated."""
    results: MonitoringResults
    safety_boundary: pd.DataFrame | None


# --- Simon two-stage ----------------------------------------------------------------------------

def resolve_design(
        monitoring: Monitoring) -> tuple[SimonDesign, SimonDesignSummary, str] | NotEvaluated:
    """The Simon design used: the configured one, or the optimal/minimax design computed from
    p0, p1, alpha, beta, with its summary and source; NotEvaluated when the config gives neither."""
    simon = monitoring.simon
    if (simon.p0 is None) != (simon.p1 is None):
        raise ConfigError("monitoring.simon: p0 and p1 must be given together")
    if simon.p0 is not None and simon.p1 is not None and simon.p0 >= simon.p1:
        raise ConfigError(f"monitoring.simon: p0 ({simon.p0}) must be below p1 ({simon.p1})")
    if simon.design is not None:
        design = simon.design
        if simon.p0 is not None and simon.p1 is not None:
            configured = SimonDesignSummary(**design_summary(design, simon.p0, simon.p1))
            return design, configured, "config"
        return design, SimonDesignSummary(**design.model_dump(), en0=None, pet0=None, alpha=None,
                                          power=None), "config"
    if simon.p0 is None or simon.p1 is None:
        return NotEvaluated("monitoring.simon sets neither design nor p0/p1")
    summary = search_designs(simon.p0, simon.p1, simon.alpha, simon.beta, simon.n_max)[simon.choice]
    design = SimonDesign(**{k: summary[k] for k in ("r1", "n1", "r", "n")})
    return design, SimonDesignSummary(**summary), simon.choice


def evaluate_stage(cohort: pd.DataFrame, size: int, boundary: int, passed: Verdict,
                   failed: Verdict) -> SimonStage:
    """The first `size` efficacy subjects against "responses > boundary"."""
    group = cohort[cohort["ORDER"] <= size]
    evaluable = int(group["SETTLEDFL"].sum())
    responses = int(group["RESPFL"].sum())
    still_open = size - evaluable               # pending or not yet enrolled: may still respond
    if responses > boundary:
        verdict = passed
    elif responses + still_open <= boundary:
        verdict = failed
    else:
        verdict = Verdict.NOT_YET_EVALUABLE
    return SimonStage(subjects_required=size, enrolled=len(group), evaluable=evaluable,
                      pending=len(group) - evaluable, not_yet_enrolled=size - len(group),
                      responses=responses, boundary=boundary, verdict=verdict,
                      decided_before_all_evaluable=(verdict != Verdict.NOT_YET_EVALUABLE
                                                    and evaluable < size),
                      responses_to_pass=None if verdict == failed else
                      max(0, boundary + 1 - responses),
                      non_responses_to_fail=None if verdict == passed else
                      responses + still_open - boundary)


def evaluate_simon(cohort: pd.DataFrame, design: SimonDesign) -> tuple[SimonStage, SimonStage]:
    """Stage 1 (continue if > r1 responses in the first n1) and the final rule (promising if
    > r responses in the first n, after a passed stage 1; FINAL BOUNDARY EXCEEDED before the
    final analysis, when not all n are settled)."""
    stage1 = evaluate_stage(cohort, design.n1, design.r1, Verdict.CONTINUE,
                            Verdict.STOP_FOR_FUTILITY)
    final = evaluate_stage(cohort, design.n, design.r, Verdict.DECLARE_PROMISING,
                           Verdict.NOT_PROMISING)
    if stage1.verdict == Verdict.STOP_FOR_FUTILITY:
        final = replace(final, verdict=Verdict.NOT_PROMISING, stopped_at_stage1=True)
    elif final.verdict == Verdict.DECLARE_PROMISING and stage1.verdict != Verdict.CONTINUE:
        final = replace(final, verdict=Verdict.NOT_YET_EVALUABLE,
                        decided_before_all_evaluable=False)
    elif final.verdict == Verdict.DECLARE_PROMISING and final.evaluable < design.n:
        final = replace(final, verdict=Verdict.FINAL_BOUNDARY_EXCEEDED)
    return stage1, final


def simon_inference(stage1: SimonStage, final: SimonStage, design: SimonDesign,
                    monitoring: Monitoring) -> SimonInference | None:
    """The stage-wise inference once stage 2 is reached (stage 1 passed) and p0 is known."""
    p0 = monitoring.simon.p0
    if stage1.verdict != Verdict.CONTINUE or p0 is None:
        return None
    return stagewise_inference(final.responses, design, p0, monitoring.simon.alpha,
                               provisional=design.n - final.evaluable)


def simon_result(cohort: pd.DataFrame, monitoring: Monitoring, cutoff: str,
                 data: str) -> SimonResult | NotEvaluated:
    resolved = resolve_design(monitoring)
    if isinstance(resolved, NotEvaluated):
        return resolved
    design, summary, source = resolved
    stage1, final = evaluate_simon(cohort, design)
    simon = monitoring.simon
    return SimonResult(source=source, design=summary,
                       parameters=SimonParameters(simon.p0, simon.p1, simon.alpha, simon.beta,
                                                  simon.n_max),
                       stage1=stage1, final=final,
                       inference=simon_inference(stage1, final, design, monitoring),
                       beyond_design=int((cohort["ORDER"] > design.n).sum()), cutoff=cutoff,
                       data=data)


# --- Bayesian predictive probability ------------------------------------------------------------

def evaluate_predictive(cohort: pd.DataFrame, cfg: TrialConfig, n_design: int | None, cutoff: str,
                        data: str) -> PredictiveResult | NotEvaluated:
    """Lee & Liu predictive probability over the first n_max efficacy subjects."""
    pred = cfg.monitoring.predictive
    if not pred.enabled:
        return NotEvaluated("monitoring.predictive.enabled is false")
    p0 = pred.p0 if pred.p0 is not None else cfg.monitoring.simon.p0
    n_max = pred.n_max or n_design or cfg.study.planned_enrollment
    if p0 is None or n_max is None:
        missing = "p0 (monitoring.predictive.p0 or monitoring.simon.p0)" if p0 is None else \
            "n_max (monitoring.predictive.n_max, a Simon design or study.planned_enrollment)"
        return NotEvaluated(f"no {missing}", enabled=True)
    group = cohort[cohort["ORDER"] <= n_max]
    m = int(group["SETTLEDFL"].sum())
    x = int(group["RESPFL"].sum())
    result = predictive_probability(x, m, n_max, p0, pred.theta_t, pred.prior_a, pred.prior_b)
    successes = result.table.loc[result.table["success"], "y"]
    # how close the futility boundary is: the PP if the next subject to settle does not respond
    next_fails = predictive_probability(x, m + 1, n_max, p0, pred.theta_t, pred.prior_a,
                                        pred.prior_b).pp if m < n_max else None
    if m == 0:
        verdict = Verdict.NOT_YET_EVALUABLE
    else:
        verdict = Verdict.STOP_FOR_FUTILITY if result.pp < pred.theta_l else Verdict.CONTINUE
    return PredictiveResult(
        x=x, m=m, pending=len(group) - m, n_max=n_max, p0=p0, theta_t=pred.theta_t,
        theta_l=pred.theta_l, prior_a=pred.prior_a, prior_b=pred.prior_b, pp=result.pp,
        posterior_mean=result.posterior_mean, ci_low=result.ci_low, ci_high=result.ci_high,
        min_future_responses_for_success=int(successes.min()) if len(successes) else None,
        pp_if_next_fails=next_fails, verdict=verdict, cutoff=cutoff, data=data)


# --- Bayesian safety stopping -------------------------------------------------------------------

def evaluate_safety_stopping(adsl: pd.DataFrame, adae: pd.DataFrame, cutoff: date,
                             cfg: TrialConfig) -> SafetyStoppingResult | NotEvaluated:
    """t events in m assessable subjects against P(rate > threshold) > probability cutoff."""
    rule = cfg.monitoring.safety_stopping
    if not rule.enabled:
        return NotEvaluated("monitoring.safety_stopping.enabled is false")
    event = safety_event(rule)
    cohort = safety_cohort(adsl, adae, cutoff, rule)
    subjects = cohort.subjects
    t = int(subjects["EVENTFL"].sum())
    m = int(subjects["ASSESSFL"].sum())
    result = evaluate_safety(t, m, rule.threshold, rule.probability_cutoff, rule.prior_a,
                             rule.prior_b)
    open_window = ~subjects["ASSESSFL"]
    return SafetyStoppingResult(
        event=rule.event, event_label=event.label.format(window=rule.window_days),
        window_days=rule.window_days, threshold=rule.threshold,
        probability_cutoff=rule.probability_cutoff, prior_a=rule.prior_a, prior_b=rule.prior_b,
        t=t, m=m, rate=t / m if m else None,
        in_window=int((open_window & subjects["TRTSDT"].notna()).sum()),
        no_first_dose_date=int((open_window & subjects["TRTSDT"].isna()).sum()),
        posterior_prob=result.posterior_prob, boundary_t=result.boundary_t,
        unjudged_records=UnjudgedRecords(cohort.missing_grade, cohort.missing_onset),
        verdict=result.verdict, cutoff=cutoff.isoformat(),
        data=SAFETY_DATA.format(rel="RELFL, " if event.related_only else ""))


# --- the whole evaluation -----------------------------------------------------------------------

def information_fraction(cohort: pd.DataFrame, planned: int | None) -> InformationFraction:
    """Settled subjects among the first `planned`, over `planned`."""
    if not planned:
        return InformationFraction(int(cohort["SETTLEDFL"].sum()), None, None)
    evaluable = int(cohort.loc[cohort["ORDER"] <= planned, "SETTLEDFL"].sum())
    return InformationFraction(evaluable, planned, evaluable / planned)


def safety_boundary_table(cfg: TrialConfig, n_design: int | None, m_now: int) -> pd.DataFrame:
    """10.2's data: for m = 1..planned n (at least the current m), the smallest t that crosses."""
    rule = cfg.monitoring.safety_stopping
    planned = cfg.study.planned_enrollment or n_design or 0
    table = boundary_table(max(planned, m_now, 1), rule.threshold, rule.probability_cutoff,
                           rule.prior_a, rule.prior_b)
    return table.assign(current=np.asarray(table["m"] == m_now))


def evaluate_monitoring(cohort: pd.DataFrame, adsl: pd.DataFrame, adae: pd.DataFrame,
                        cfg: TrialConfig, cutoff: date) -> MonitoringOutcome:
    """Every configured monitoring rule at `cutoff`, with its boundary, observation and verdict.
    `cohort`: the response status of the efficacy subjects (tasks.monitoring.pending)."""
    iso = cutoff.isoformat()
    efficacy_data = EFFICACY_DATA.format(ref=cfg.response.reference_date)
    simon = simon_result(cohort, cfg.monitoring, iso, efficacy_data)
    n_design = simon.design.n if isinstance(simon, SimonResult) else None
    safety = evaluate_safety_stopping(adsl, adae, cutoff, cfg)
    results = MonitoringResults(
        cutoff=iso, efficacy_subjects=len(cohort), simon=simon,
        predictive=evaluate_predictive(cohort, cfg, n_design, iso, efficacy_data),
        safety_stopping=safety,
        information_fraction=information_fraction(cohort, n_design or cfg.study.planned_enrollment))
    boundary = safety_boundary_table(cfg, n_design, safety.m) \
        if isinstance(safety, SafetyStoppingResult) else None
    return MonitoringOutcome(results=results, safety_boundary=boundary)

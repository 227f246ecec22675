"""The decision-page blocks of the monitoring rules: Tables 10.1-10.3 (rules, safety boundary,
inference after stage 2) and plain-language verdicts, rendered from the typed monitoring results
(numbers formatted by tasks.report.formatting only)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tasks.model import Block, Paragraph, Table
from tasks.report import formatting as fmt
from tasks.results.monitoring import (
    MonitoringResults,
    NotEvaluated,
    PredictiveResult,
    SafetyStoppingResult,
    SimonResult,
    SimonStage,
)
from tasks.results.verdict import Verdict

RULE_COLUMNS = ["Rule", "Boundary", "Observed", "Verdict"]
RULES_TABLE = "t_10_1_monitoring_rules"


@dataclass(frozen=True)
class RuleLine:
    """One monitoring rule as the report says it: a short name (the DSMB's page), the rule, the
    boundary, the observed value in one line and what else Table 10.1 adds, the verdict and the
    verdict paragraph."""
    name: str
    rule: str
    boundary: str
    observed: str
    detail: str
    verdict: Verdict
    text: str

    def table_row(self) -> dict[str, str]:
        observed = f"{self.observed}; {self.detail}" if self.detail else self.observed
        return {"Rule": self.rule, "Boundary": self.boundary, "Observed": observed,
                "Verdict": self.verdict}


def _pct(p: float | None) -> str:
    return f"{fmt.number(None if p is None else 100 * p, 1)}%"


def _prob(p: float | None) -> str:
    return fmt.number(p, 3)


def _cut(results: MonitoringResults) -> str:
    return f"cut-off {results.cutoff}"


def _chance(stage: SimonStage) -> str:
    return (f"{fmt.count(stage.evaluable)} of {fmt.count(stage.subjects_required)} subjects "
            f"settled")


def _not_evaluated(name: str, rule: NotEvaluated, lead: str) -> RuleLine:
    return RuleLine(name, name, "", "", "", rule.verdict, f"{name} {lead}: {rule.reason}")


def _stage_row(name: str, stage: SimonStage, rule: str, boundary: str, passes: str) -> RuleLine:
    observed = (f"{fmt.count(stage.responses)} responses in {fmt.count(stage.evaluable)} evaluable "
                f"({_chance(stage)}; {fmt.count(stage.pending)} pending, "
                f"{fmt.count(stage.not_yet_enrolled)} not yet enrolled)")
    if stage.stopped_at_stage1:
        text = f"{name}: stopped for futility at stage 1: {stage.verdict}"
    elif stage.verdict == Verdict.FINAL_BOUNDARY_EXCEEDED:
        text = (f"{name}: {fmt.count(stage.responses)} responses in {fmt.count(stage.evaluable)} "
                f"evaluable already exceed {fmt.count(stage.boundary)} before the final analysis "
                f"({_chance(stage)}; the final analysis needs all "
                f"{fmt.count(stage.subjects_required)} settled): {stage.verdict}")
    elif stage.verdict == Verdict.NOT_YET_EVALUABLE:
        text = (f"{name} not yet evaluable: {_chance(stage)}, {fmt.count(stage.pending)} pending "
                f"({fmt.count(stage.responses)} responses so far; {passes} > "
                f"{fmt.count(stage.boundary)}): {stage.verdict}")
    else:
        early = " (decided before all were evaluable: the outcome can no longer change)" \
            if stage.decided_before_all_evaluable else ""
        text = (f"{name}: {fmt.count(stage.responses)} responses in {fmt.count(stage.evaluable)} "
                f"evaluable; {passes} > {fmt.count(stage.boundary)}: {stage.verdict}{early}")
    return RuleLine(name, rule, boundary, observed, "", stage.verdict, text)


def _simon_rows(simon: SimonResult | NotEvaluated) -> list[RuleLine]:
    if isinstance(simon, NotEvaluated):
        return [_not_evaluated("Simon two-stage", simon, "rule not configured")]
    d, par = simon.design, simon.parameters
    if simon.source == "config":
        origin = "design from the config"
    else:
        origin = (f"{simon.source} design for p0 {_pct(par.p0)}, p1 {_pct(par.p1)}, "
                  f"alpha {fmt.number(par.alpha, 2)}, beta {fmt.number(par.beta, 2)}")
    rule = (f"Simon two-stage, stage 1 ({origin}: r1/n1 = {d.r1}/{d.n1}, r/n = {d.r}/{d.n}, "
            f"type I error {fmt.number(d.alpha, 3)}, power {fmt.number(d.power, 3)})")
    stage1 = _stage_row("Simon stage 1", simon.stage1, rule,
                        f"stop for futility if <= {d.r1} responses in the first {d.n1}",
                        "continue if")
    final = _stage_row("Simon final", simon.final, f"Simon two-stage, final (r/n = {d.r}/{d.n})",
                       f"promising if > {d.r} responses in the first {d.n}", "promising if")
    return [stage1, final]


def _predictive_row(pred: PredictiveResult | NotEvaluated) -> RuleLine:
    name = "Bayesian predictive probability (Lee & Liu)"
    if isinstance(pred, NotEvaluated):
        return _not_evaluated(name, pred, "not evaluated")
    rule = (f"{name}: prior Beta({fmt.number(pred.prior_a, 1)}, {fmt.number(pred.prior_b, 1)}); "
            f"success at n = {pred.n_max} if P(rate > {_pct(pred.p0)}) > "
            f"{fmt.number(pred.theta_t, 2)}")
    boundary = f"stop for futility if PP < {fmt.number(pred.theta_l, 2)}"
    estimate = (f"posterior mean response rate {_pct(pred.posterior_mean)} (95% credible interval "
                f"{_pct(pred.ci_low)}, {_pct(pred.ci_high)})")
    observed = (f"PP {_prob(pred.pp)} after {fmt.count(pred.x)} responses in {fmt.count(pred.m)} "
                f"evaluable ({fmt.count(pred.pending)} pending)")
    text = (f"Bayesian predictive probability of success at n = {pred.n_max}: {_prob(pred.pp)} "
            f"({fmt.count(pred.x)} responses in {fmt.count(pred.m)} evaluable; {boundary}): "
            f"{pred.verdict}. {estimate[0].upper()}{estimate[1:]}.")
    return RuleLine("Predictive probability", rule, boundary, observed, estimate, pred.verdict,
                    text)


def _safety_row(saf: SafetyStoppingResult | NotEvaluated) -> RuleLine:
    name = "Bayesian safety stopping"
    if isinstance(saf, NotEvaluated):
        return _not_evaluated(name, saf, "not evaluated")
    rule = (f"{name}: {saf.event_label}; prior Beta({fmt.number(saf.prior_a, 1)}, "
            f"{fmt.number(saf.prior_b, 1)})")
    boundary = (f"crossed if P(rate > {_pct(saf.threshold)}) > "
                f"{fmt.number(saf.probability_cutoff, 2)}")
    needed = "no number of events crosses yet" if saf.boundary_t is None else \
        f"crossed at >= {saf.boundary_t} events in {saf.m}"
    observed = (f"{fmt.count(saf.t)} events in {fmt.count(saf.m)} assessable "
                f"({fmt.percent(saf.t, saf.m)}%); P = {_prob(saf.posterior_prob)}; {needed}")
    outside = (f"{fmt.count(saf.in_window)} subjects still inside the {saf.window_days}-day "
               "window are shown separately, not counted")
    if saf.no_first_dose_date:
        outside += (f"; {fmt.count(saf.no_first_dose_date)} without a first-dose date are not "
                    "counted")
    unjudged = saf.unjudged_records
    if unjudged.missing_grade or unjudged.missing_onset:
        outside += (f"; AE records that could not be judged: {fmt.count(unjudged.missing_grade)} "
                    f"without a grade, {fmt.count(unjudged.missing_onset)} without an onset date")
    text = (f"{name} ({saf.event_label}): {fmt.count(saf.t)} events in {fmt.count(saf.m)} "
            f"assessable subjects; P(rate > {_pct(saf.threshold)}) = {_prob(saf.posterior_prob)} "
            f"({boundary}; {needed}): {saf.verdict}. {outside[0].upper()}{outside[1:]}.")
    return RuleLine("Safety stopping", rule, boundary, observed, outside, saf.verdict, text)


def rule_lines(results: MonitoringResults) -> list[RuleLine]:
    """Every monitoring rule, in the order of Table 10.1 (the DSMB's page uses the same lines)."""
    return _simon_rows(results.simon) + [_predictive_row(results.predictive),
                                         _safety_row(results.safety_stopping)]


def _rules_table(rows: list[dict[str, str]], results: MonitoringResults) -> Table:
    data = pd.DataFrame(rows, columns=RULE_COLUMNS)
    sources = sorted({rule.data
                      for rule in (results.simon, results.predictive, results.safety_stopping)
                      if not isinstance(rule, NotEvaluated)})
    return Table(
        id=RULES_TABLE, number="10.1", title="Prespecified monitoring rules",
        population=("Response-evaluable population (efficacy rules); "
                    "safety population (safety rule)"),
        data=data.rename(columns=str.lower).assign(cutoff=results.cutoff),
        display=data.astype(str),
        footnotes=[f"Evaluated at {_cut(results)}. Data: {'; '.join(sources)}.",
                   "Evaluable: the subject's response is settled (a confirmed response, "
                   "progression or death, or the first assessment and its confirmation window past "
                   "without a response that can still be confirmed). Pending: an unconfirmed CR or "
                   "PR whose confirming assessment is not yet due or reported, or the first "
                   "window still open; pending subjects are never counted as failures.",
                   "Simon final analysis: all n subjects of the design settled; before it, a final "
                   "boundary already exceeded reads FINAL BOUNDARY EXCEEDED.",
                   "Safety rule: assessable once the window is complete, the event occurred or the "
                   "subject died."],
        source="ADSL, ADRS, ADAE")


def _boundary_table(boundary: pd.DataFrame, saf: SafetyStoppingResult, results: MonitoringResults,
                    max_rows_in_pdf: int) -> Table:
    prob_header = f"P(rate > {_pct(saf.threshold)}) at that number"
    display = pd.DataFrame({
        "Assessable subjects (m)": boundary["m"].map(fmt.count),
        "Smallest number of events that crosses": boundary["boundary_t"].map(
            lambda t: "none" if pd.isna(t) else fmt.count(t)),
        prob_header: boundary["posterior_prob_at_boundary"].map(_prob),
        "Now": boundary["current"].map(lambda now: f"<- {saf.t} events" if now else ""),
    })
    return Table(
        id="t_10_2_safety_boundary", number="10.2", title="Bayesian safety stopping boundary",
        population="Safety population", data=boundary.assign(cutoff=results.cutoff),
        display=display,
        footnotes=[f"Event: {saf.event_label}. Prior Beta({fmt.number(saf.prior_a, 1)}, "
                   f"{fmt.number(saf.prior_b, 1)}); the boundary is crossed when P(rate > "
                   f"{_pct(saf.threshold)} | data) > {fmt.number(saf.probability_cutoff, 2)}.",
                   f"Evaluated at {_cut(results)}: {saf.t} events in {saf.m} assessable subjects."],
        source="ADSL, ADAE").as_listing(max_rows_in_pdf)


def _inference_blocks(simon: SimonResult | NotEvaluated) -> list[Block]:
    """Table 10.3 once stage 2 is reached: the design-consistent inference beside the naive one."""
    if not isinstance(simon, SimonResult):
        return []
    inf = simon.inference
    if inf is None:
        reason = "stage 2 is not reached (stage 1 not passed)" if simon.parameters.p0 is not None \
            else "monitoring.simon sets no p0"
        return [Paragraph(f"Inference after the two-stage design: not given, {reason}.",
                          style="note")]
    conf = f"{fmt.number(100 * inf.conf_level, 0)}% CI"
    p0 = _pct(simon.parameters.p0)
    rows = [("Stage-wise ordering (Koyama & Chen 2008); UMVUE (Jung & Kim 2004)", inf.estimate,
             inf.ci_low, inf.ci_high, inf.p_value),
            ("Naive single-stage binomial (ignores the design); Clopper-Pearson CI",
             inf.naive_estimate, inf.naive_ci_low, inf.naive_ci_high, inf.naive_p_value)]
    display = pd.DataFrame({
        "Method": [r[0] for r in rows],
        "Estimate, %": [fmt.number(100 * r[1], 1) for r in rows],
        f"{conf}, %": [fmt.rate_range(r[2], r[3]).replace(" to ", ", ") for r in rows],
        f"p-value (H0: rate = {p0})": [fmt.p_value(r[4]) for r in rows]})
    data = pd.DataFrame([{"method": key, "responses": inf.responses, "n": inf.n, "estimate": r[1],
                          "ci_low": r[2], "ci_high": r[3], "p_value": r[4],
                          "conf_level": inf.conf_level, "provisional": inf.provisional}
                         for key, r in zip(("stagewise", "naive"), rows)])
    d = simon.design
    notes = [f"{fmt.count(inf.responses)} responses in the first {fmt.count(inf.n)} subjects of "
             f"the design (r1/n1 = {d.r1}/{d.n1}, r/n = {d.r}/{d.n}).",
             f"Two-sided {conf} (1 - 2 alpha, alpha {fmt.number(simon.parameters.alpha, 2)} the "
             "design's one-sided type I error): its lower limit exceeds p0 exactly when the "
             "p-value is below alpha. The stage-wise p-value is P(continue to stage 2 and at "
             "least the responses seen | p0)."]
    if inf.provisional:
        notes.append(f"Provisional: {fmt.count(inf.provisional)} of the first {fmt.count(inf.n)} "
                     "subjects are pending or not yet enrolled and counted here as non-responders "
                     "(the p-value can only fall as they settle).")
    return [Table(id="t_10_3_simon_inference", number="10.3",
                  title="Simon two-stage design: inference after stage 2",
                  population="Response-evaluable population, the design's first n subjects",
                  data=data.assign(cutoff=simon.cutoff), display=display, footnotes=notes,
                  source="ADSL, ADRS")]


def monitoring_blocks(results: MonitoringResults, boundary: pd.DataFrame | None,
                      max_rows_in_pdf: int) -> list[Block]:
    """Information fraction, Table 10.1, one verdict paragraph per rule, Table 10.2 (in tables/
    only when it has more than `max_rows_in_pdf` rows), then Table 10.3 once stage 2 is reached."""
    lines = rule_lines(results)
    info = results.information_fraction
    if info.planned:
        fraction = (f"Information fraction at {_cut(results)}: {fmt.count(info.evaluable)} of "
                    f"{fmt.count(info.planned)} planned subjects "
                    f"({fmt.percent(info.evaluable, info.planned)}%) have a settled response.")
    else:
        fraction = (f"Information fraction at {_cut(results)}: not available (no planned sample "
                    f"size); {fmt.count(info.evaluable)} subjects have a settled response.")
    blocks: list[Block] = [Paragraph(fraction),
                           _rules_table([line.table_row() for line in lines], results)]
    blocks += [Paragraph(f"{line.text} [{_cut(results)}]", style="verdict") for line in lines]
    if boundary is not None and isinstance(results.safety_stopping, SafetyStoppingResult):
        blocks.append(_boundary_table(boundary, results.safety_stopping, results, max_rows_in_pdf))
    return blocks + _inference_blocks(results.simon)

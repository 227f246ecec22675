"""The items for the DSMB's attention on page 2, chosen by rules from the data: named rule objects
evaluated in order, each giving its items from facts the run has already made (the deaths
reconciliation, ADAE, the changes since the previous cut, the monitoring results, data currency).
Thresholds come from the config: safety.death_window_days, monitoring.attention_margin_events,
report.data_currency_days."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from tasks.config import TrialConfig
from tasks.monitoring.decision import RULES_TABLE
from tasks.report import formatting as fmt
from tasks.results.attention import AttentionItem
from tasks.results.monitoring import (
    MonitoringResults,
    PredictiveResult,
    SafetyStoppingResult,
    SimonResult,
    SimonStage,
)
from tasks.results.verdict import Verdict

DEATH_LISTING = "t_14_3_6_2_death_listing"
NEW_SAE_LISTING = "t_16_4_4_new_saes"
CURRENCY_LISTING = "l_16_1_1_data_currency"
CROSSED = (Verdict.STOP_FOR_FUTILITY, Verdict.NOT_PROMISING, Verdict.FINAL_BOUNDARY_EXCEEDED,
           Verdict.DECLARE_PROMISING, Verdict.SAFETY_BOUNDARY_CROSSED)
Found = tuple[str, tuple[str, ...]]      # (text, subjects) of one item
NAMED = 10          # an item about many names the first ten; its listing holds them all


def _some(names: list[str]) -> str:
    """Up to NAMED of `names`, and how many more."""
    more = f", and {len(names) - NAMED} more" if len(names) > NAMED else ""
    return "; ".join(names[:NAMED]) + more


@dataclass(frozen=True)
class AttentionFacts:
    """What the rules read. `new_saes` is None when there is no previous cut to compare with."""
    deaths: pd.DataFrame                 # tasks.analysis.deaths.death_reconciliation
    adae: pd.DataFrame
    new_saes: pd.DataFrame | None        # tasks.analysis.changes.new_saes
    previous: str | None
    monitoring: MonitoringResults
    currency: pd.DataFrame               # tasks.analysis.quality.data_currency
    cfg: TrialConfig


@dataclass(frozen=True)
class AttentionRule:
    name: str
    target: str                          # the table or listing its items point to
    find: Callable[[AttentionFacts], list[Found]]


def _deaths(facts: AttentionFacts) -> list[Found]:
    """Each death within the window of last dose or of unknown cause."""
    dead = facts.deaths[facts.deaths["DTHFL"].eq("Y")]
    window = facts.cfg.safety.death_window_days
    found: list[Found] = []
    d: Any        # an itertuples row: pandas-stubs types each field as any scalar
    for d in dead[dead["WITHIN_WINDOW"].eq("Y") | dead["UNKNOWNFL"].eq("Y")].itertuples():
        after = "" if pd.isna(d.DAYS_AFTER_LAST_DOSE) else \
            f", {fmt.number(d.DAYS_AFTER_LAST_DOSE, 0)} days after the last dose"
        parts = [f"{d.USUBJID} died {fmt.iso_date(d.DTHDT)}{after}"
                 f"{f' (within {window})' if d.WITHIN_WINDOW == 'Y' else ''}",
                 "cause unknown" + (f" ({d.DTHCAUS})" if d.DTHCAUS else "") if d.UNKNOWNFL == "Y"
                 else f"cause: {d.DTHCAUS}",
                 f"fatal AE: {d.FATAL_AE}" if d.FATAL_AE else "no fatal AE record"]
        if d.ONGOING_SAE:
            parts.append(f"serious AEs ongoing at death: {d.ONGOING_SAE}")
        found.append(("; ".join(parts) + ".", (d.USUBJID,)))
    return found


def _grade5(facts: AttentionFacts) -> list[Found]:
    """Each treatment-emergent AE of grade 5."""
    adae = facts.adae
    if "ATOXGRN" not in adae.columns:
        return []
    fatal = adae[adae["TRTEMFL"].eq("Y") & adae["ATOXGRN"].eq(5)].sort_values(["USUBJID", "ASTDT"])
    return [(f"{subject}: grade 5 TEAE {term}, onset {fmt.iso_date(onset)}.", (subject,))
            for subject, term, onset in zip(fatal["USUBJID"], fatal["AEDECOD"], fatal["ASTDT"])]


def _new_saes(facts: AttentionFacts) -> list[Found]:
    """The serious AEs new since the previous cut, in one item."""
    new = facts.new_saes
    if new is None or new.empty:
        return []
    events = _some([f"{subject} {term}" + (f" (grade {grade})" if grade else "")
                    for subject, term, grade in zip(new["USUBJID"], new["AEDECOD"],
                                                    new["AETOXGR"])])
    subjects = tuple(dict.fromkeys(new["USUBJID"]))
    return [(f"{len(new)} serious adverse event(s) new since the previous cut ({facts.previous}) "
             f"in {len(subjects)} subject(s): {events}.", subjects)]


def _stage(name: str, stage: SimonStage, margin: int) -> list[Found]:
    if stage.verdict in CROSSED and not stage.stopped_at_stage1:
        return [(f"{name}: {stage.verdict} ({stage.responses} responses in {stage.evaluable} "
                 f"evaluable; boundary > {stage.boundary}).", ())]
    if stage.verdict != Verdict.NOT_YET_EVALUABLE:
        return []
    found: list[Found] = []
    if stage.non_responses_to_fail is not None and stage.non_responses_to_fail <= margin:
        found.append((f"{name}: {stage.non_responses_to_fail} more subject(s) settling without a "
                      f"response would make the boundary (> {stage.boundary} responses) impossible "
                      f"to pass ({stage.responses} responses in {stage.evaluable} evaluable, "
                      f"{stage.pending} pending).", ()))
    if stage.responses_to_pass is not None and stage.responses_to_pass <= margin:
        found.append((f"{name}: {stage.responses_to_pass} more response(s) would exceed the "
                      f"boundary (> {stage.boundary}; {stage.responses} so far).", ()))
    return found


def _boundaries(facts: AttentionFacts) -> list[Found]:
    """Each monitoring boundary crossed, or within monitoring.attention_margin_events of it."""
    margin = facts.cfg.monitoring.attention_margin_events
    m = facts.monitoring
    found: list[Found] = []
    if isinstance(m.simon, SimonResult):
        found += _stage("Simon stage 1", m.simon.stage1, margin)
        found += _stage("Simon final", m.simon.final, margin)
    pred = m.predictive
    if isinstance(pred, PredictiveResult):
        if pred.verdict == Verdict.STOP_FOR_FUTILITY:
            found.append((f"Predictive probability {fmt.number(pred.pp, 3)} < "
                          f"{fmt.number(pred.theta_l, 2)}: {pred.verdict}.", ()))
        elif pred.pp_if_next_fails is not None and pred.pp_if_next_fails < pred.theta_l:
            found.append((f"Predictive probability {fmt.number(pred.pp, 3)}: if the next subject "
                          "settles without a response it falls to "
                          f"{fmt.number(pred.pp_if_next_fails, 3)}, below the futility boundary "
                          f"{fmt.number(pred.theta_l, 2)}.", ()))
    saf = m.safety_stopping
    if isinstance(saf, SafetyStoppingResult):
        if saf.verdict == Verdict.SAFETY_BOUNDARY_CROSSED:
            found.append((f"Safety stopping: {saf.t} events in {saf.m} assessable "
                          f"({saf.event_label}): {saf.verdict}.", ()))
        elif saf.boundary_t is not None and saf.boundary_t - saf.t <= margin:
            found.append((f"Safety stopping: {saf.t} events in {saf.m} assessable; "
                          f"{saf.boundary_t - saf.t} more would cross the boundary "
                          f"({saf.event_label}).", ()))
    return found


def _behind(facts: AttentionFacts) -> list[Found]:
    """The subjects whose data are more than report.data_currency_days behind, in one item."""
    behind = facts.currency[facts.currency["BEHINDFL"].eq("Y")]
    if behind.empty:
        return []
    days = facts.cfg.report.data_currency_days
    subjects = tuple(behind["USUBJID"])
    return [(f"{len(subjects)} subject(s) in follow-up with data more than {days} days behind the "
             f"cutoff: {_some(list(subjects))}.", subjects)]


ATTENTION_RULES = (
    AttentionRule("death in the window or of unknown cause", DEATH_LISTING, _deaths),
    AttentionRule("grade 5 TEAE", DEATH_LISTING, _grade5),
    AttentionRule("new serious adverse events", NEW_SAE_LISTING, _new_saes),
    AttentionRule("monitoring boundary crossed or within reach", RULES_TABLE, _boundaries),
    AttentionRule("data behind the cutoff", CURRENCY_LISTING, _behind),
)


def attention_items(facts: AttentionFacts) -> tuple[AttentionItem, ...]:
    """Every rule of ATTENTION_RULES in order, each item with its rule and target."""
    return tuple(AttentionItem(rule=rule.name, text=text, subjects=subjects, target=rule.target)
                 for rule in ATTENTION_RULES for text, subjects in rule.find(facts))

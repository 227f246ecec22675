"""What followed the AESI (docs/safety.md item 13): systemic corticosteroid, immunosuppressant or
hormone replacement use after an immune-related AE (14.3.12.4), the action taken with each study
drug (14.3.12.5), and the Bayesian safety rule applied to all cycles, a supportive line beside
them (results.json safety_course.all_cycles_rule)."""
from __future__ import annotations

from datetime import date

import pandas as pd

from tasks.analysis.arms import column_header
from tasks.analysis.once import once_per_input
from tasks.analysis.safety_aesi import aesi_events
from tasks.analysis.safety_counts import INDENT, Columns
from tasks.analysis.safety_teae import LANDSCAPE_COLUMNS, population
from tasks.config import TrialConfig
from tasks.model import Block, Paragraph, Table
from tasks.monitoring.cohorts import safety_event
from tasks.monitoring.safety_stopping import evaluate_safety
from tasks.report import formatting as fmt
from tasks.results.monitoring import NotEvaluated
from tasks.results.safety import Share
from tasks.results.safety_course import AllCyclesSafetyRule, ImmuneTreatmentUse

ANY = "Any"
ACTIONS = ("DRUG INTERRUPTED", "DOSE REDUCED", "DRUG WITHDRAWN")


@once_per_input
def immune_events(adae: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """Treatment-emergent records of the immune-related AESI groups, once per record."""
    events = aesi_events(adae, cfg)
    groups = cfg.safety.immune_treatment.groups
    return events[events["AESIGRP"].isin(groups)].drop_duplicates(["USUBJID", "AESEQ"])


def treated_subjects(events: pd.DataFrame, adcm: pd.DataFrame, cfg: TrialConfig,
                     cutoff: date) -> pd.DataFrame:
    """USUBJID x class (IRTRTCL) of the treatments started from an immune-related AE's onset to
    window_days after its end (ongoing: the cutoff)."""
    window = pd.Timedelta(days=cfg.safety.immune_treatment.window_days)
    treatments = adcm[adcm["IRTRTCL"].notna() & adcm["ASTDT"].notna()] if len(adcm) else adcm
    if treatments is None or treatments.empty or events.empty:
        return pd.DataFrame(columns=["USUBJID", "IRTRTCL"])
    pairs = events[["USUBJID", "ASTDT", "AENDT"]].merge(
        treatments[["USUBJID", "IRTRTCL", "ASTDT"]], on="USUBJID", suffixes=("", "_CM"))
    end = pairs["AENDT"].fillna(pd.Timestamp(cutoff)) + window
    after = (pairs["ASTDT_CM"] >= pairs["ASTDT"]) & (pairs["ASTDT_CM"] <= end)
    return pairs.loc[after, ["USUBJID", "IRTRTCL"]].drop_duplicates()


def immune_treatment_use(events: pd.DataFrame, treated: pd.DataFrame, subjects: pd.Index,
                         cfg: TrialConfig) -> ImmuneTreatmentUse:
    """Among `subjects`: those with an immune-related TEAE, and of them those treated, by class."""
    with_event = set(events.loc[events["USUBJID"].isin(subjects), "USUBJID"])
    mine = treated[treated["USUBJID"].isin(with_event)]
    classes = list(cfg.safety.immune_treatment.classes)
    shares = {c: Share.of(mine.loc[mine["IRTRTCL"].eq(c), "USUBJID"].nunique(), len(with_event))
              for c in classes}
    shares[ANY] = Share.of(mine["USUBJID"].nunique(), len(with_event))
    return ImmuneTreatmentUse(subjects_with_event=len(with_event), treated=shares)


def immune_treatment_table(adae: pd.DataFrame, adcm: pd.DataFrame, columns: Columns,
                           cfg: TrialConfig, cutoff: date) -> Table:
    """Table 14.3.12.4: treatment after an immune-related AE, for all such subjects and for those
    with one of grade >= 3."""
    events = immune_events(adae, cfg)
    treated = treated_subjects(events, adcm, cfg, cutoff)
    severe = events[events["GRADE"] >= 3]
    classes = [*cfg.safety.immune_treatment.classes, ANY]
    blocks = (("Subjects with an immune-related TEAE", events),
              ("Subjects with an immune-related TEAE of grade >= 3", severe))
    labels, records = [], []
    cells: dict[str, list[str]] = {column: [] for column, _ in columns}
    for heading, subset in blocks:
        labels.append(heading)
        labels += [INDENT + ("Any of them" if c == ANY else c) for c in classes]
        for column, subjects in columns:
            use = immune_treatment_use(subset, treated, subjects, cfg)
            cells[column].append(fmt.count(use.subjects_with_event))
            for c in classes:
                share = use.treated[c]
                cells[column].append(fmt.n_pct(share.subjects, use.subjects_with_event))
                records.append({"GROUP": heading, "CLASS": c, "COLUMN": column,
                                "N": use.subjects_with_event, "n": share.subjects,
                                "pct": share.pct})
    display = pd.DataFrame({"Population\n   Treatment class": labels})
    for column, subjects in columns:
        display[column_header(column, len(subjects))] = cells[column]
    spec = cfg.safety.immune_treatment
    names = "; ".join(f"{c}: {', '.join(t.lower() for t in terms)}"
                      for c, terms in spec.classes.items())
    notes = [f"Immune-related: treatment-emergent events of {', '.join(spec.groups)} "
             "(config/aesi.yaml).",
             "Treated: a medication (CM, ADCM IRTRTCL) started from the onset of such an event "
             f"to {fmt.count(spec.window_days)} days after its end (ongoing: the cutoff); not by "
             f"the routes {', '.join(r.lower() for r in spec.exclude_routes)} (not systemic).",
             f"Classes (CMDECOD): {names}.",
             "n (%): of the subjects with such an event in the column (the count on the heading "
             "line)."]
    return Table(id="t_14_3_12_4_immune_ae_treatment", number="14.3.12.4",
                 title="Systemic corticosteroid, immunosuppressant and hormone replacement use "
                       "after an immune-related adverse event",
                 population=population(columns), data=pd.DataFrame(records), display=display,
                 footnotes=notes, source="ADSL, ADAE, ADCM",
                 landscape=len(display.columns) > LANDSCAPE_COLUMNS)


def action_table(adae: pd.DataFrame, columns: Columns, cfg: TrialConfig) -> Table | Paragraph:
    """Table 14.3.12.5: subjects with an AESI whose action with each study drug was an
    interruption, a reduction or a withdrawal (ADAE ACN_<code>), per group with events."""
    components = [c for c in cfg.study.components if f"ACN_{c.code}" in adae]
    if not components:
        return Paragraph("Action taken per study drug: no study components are configured, so the "
                         "action is AEACN only (Table 14.3.1).", style="note")
    events = aesi_events(adae, cfg)
    groups = [g for g in cfg.aesi_groups() if events["AESIGRP"].eq(g).any()]
    labels, records = [], []
    cells: dict[tuple[str, str], list[str]] = {(col, c.code): [] for col, _ in columns
                                               for c in components}
    for group in groups:
        mine = events[events["AESIGRP"] == group]
        labels.append(group)
        labels += [INDENT + a.capitalize() for a in ACTIONS]
        for column, subjects in columns:
            in_column = mine[mine["USUBJID"].isin(subjects)]
            total = in_column["USUBJID"].nunique()
            for c in components:
                cells[(column, c.code)].append(fmt.count(total))
                for action in ACTIONS:
                    n = in_column.loc[in_column[f"ACN_{c.code}"].eq(action), "USUBJID"].nunique()
                    cells[(column, c.code)].append(fmt.n_pct(n, total))
                    records.append({"AESIGRP": group, "ACTION": action, "COMPONENT": c.code,
                                    "COLUMN": column, "N": total, "n": n})
    display = pd.DataFrame({"AESI group\n   Action": labels})
    for column, _ in columns:
        for c in components:
            display[f"{column}|{c.code}"] = cells[(column, c.code)]
    display.columns = [display.columns[0], *[c.label for _ in columns for c in components]]
    notes = ["Per study drug, subjects with a treatment-emergent event of the group after which "
             "that drug was interrupted, reduced or withdrawn: the drug's own action in SUPPAE; "
             "without one, a withheld or reduced next dose of the drug in EX (unchanged when only "
             "another drug's dose changed); when EX shows no change, AEACN (ADAE ACN_<drug>).",
             "n (%): of the subjects with an event of the group in the column (the count on the "
             "group line). Only groups with events are shown (every group: Table 14.3.7)."]
    if not groups:
        notes.insert(0, "None: no subject had an adverse event of special interest.")
    header = [("", 1)] + [(column_header(col, len(s)), len(components)) for col, s in columns]
    return Table(id="t_14_3_12_5_aesi_action_by_drug", number="14.3.12.5",
                 title="Adverse events of special interest: action taken with each study drug",
                 population=population(columns), data=pd.DataFrame(records), display=display,
                 footnotes=notes, source="ADSL, ADAE", header_groups=header,
                 landscape=len(display.columns) > LANDSCAPE_COLUMNS)


def all_cycles_rule(adsl: pd.DataFrame, adae: pd.DataFrame, cfg: TrialConfig,
                    cutoff: date) -> AllCyclesSafetyRule | NotEvaluated:
    """The safety stopping rule's posterior with its event counted at any time on treatment:
    t = safety subjects with a treatment-emergent event of the rule's grade (and relatedness),
    m = the safety population."""
    rule = cfg.monitoring.safety_stopping
    if not rule.enabled:
        return NotEvaluated("monitoring.safety_stopping.enabled is false")
    event = safety_event(rule)
    safety = set(adsl.loc[adsl["SAFFL"].eq("Y"), "USUBJID"])
    grade = pd.to_numeric(adae["AETOXGR"], errors="coerce")
    hit = adae["TRTEMFL"].eq("Y") & (grade >= event.min_grade)
    if event.related_only:
        hit &= adae["RELFL"].eq("Y")
    t = int(adae.loc[hit & adae["USUBJID"].isin(safety), "USUBJID"].nunique())
    m = len(safety)
    result = evaluate_safety(t, m, rule.threshold, rule.probability_cutoff, rule.prior_a,
                             rule.prior_b)
    label = (f"{'treatment-related ' if event.related_only else ''}grade >= {event.min_grade} TEAE"
             f"{'' if event.related_only else ' (any causality)'} at any time on treatment")
    return AllCyclesSafetyRule(
        event_label=label, threshold=rule.threshold, probability_cutoff=rule.probability_cutoff,
        prior_a=rule.prior_a, prior_b=rule.prior_b, t=t, m=m, rate=t / m if m else None,
        posterior_prob=result.posterior_prob, boundary_t=result.boundary_t, verdict=result.verdict,
        cutoff=cutoff.isoformat())


def all_cycles_paragraph(rule: AllCyclesSafetyRule | NotEvaluated) -> Paragraph:
    """The supportive line of the safety rule over all cycles."""
    if isinstance(rule, NotEvaluated):
        return Paragraph(f"Safety rule over all cycles (supportive): not evaluated: {rule.reason}.",
                         style="note")
    boundary = ("no number of events among them would cross it" if rule.boundary_t is None
                else f"{fmt.count(rule.boundary_t)} or more would cross it")
    crossed = "above" if rule.posterior_prob > rule.probability_cutoff else "not above"
    return Paragraph(
        "Safety rule over all cycles (supportive, not the prespecified first-cycle rule of the "
        f"decision summary): {rule.event_label}: {fmt.count(rule.t)} of {fmt.count(rule.m)} "
        f"subjects ({fmt.percent(rule.t, rule.m)}%); with the prior "
        f"Beta({fmt.number(rule.prior_a, 1)}, {fmt.number(rule.prior_b, 1)}), P(rate > "
        f"{fmt.number(100 * rule.threshold, 0)}% | data) = "
        f"{fmt.number(min(max(rule.posterior_prob, 0.0), 1.0), 3)}, {crossed} the cutoff "
        f"{fmt.number(rule.probability_cutoff, 2)}; at m = {fmt.count(rule.m)}, {boundary}.",
        style="verdict" if rule.posterior_prob > rule.probability_cutoff else "body")


def treatment_blocks(adae: pd.DataFrame, adcm: pd.DataFrame, columns: Columns, cfg: TrialConfig,
                     rule: AllCyclesSafetyRule | NotEvaluated, cutoff: date) -> list[Block]:
    """Tables 14.3.12.4 and 14.3.12.5 and the supportive safety-rule line."""
    return [immune_treatment_table(adae, adcm, columns, cfg, cutoff),
            action_table(adae, columns, cfg), all_cycles_paragraph(rule)]

"""The safety section of the DSMB report, its part of results.json, and the exposure section
(Table 14.1.4, built in tasks.analysis.safety_exposure).

Numbering follows docs/safety.md: 14.3.1 overview, 14.3.2 SOC/PT, 14.3.3 PT by maximum grade,
14.3.4.x related per study drug, 14.3.5.x serious (table, listing), 14.3.6.x deaths (table,
listing), 14.3.7 AESI, 14.3.8.x liver tests (worst grade, shift, Hy's law listing, records not
graded; Figure 14.3.8 eDISH), 14.3.9 exposure-adjusted AESI incidence, 14.3.10.x hepatic safety
(Figure 14.3.10), 14.3.11 AE and laboratory reconciliation, 14.3.12.x AESI over time (Figure
14.3.12); patient profiles are the appendix (tasks.analysis.safety_profiles)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from tasks.adam.adae import relatedness_components
from tasks.analysis.arms import TOTAL
from tasks.analysis.deaths import death_listing, death_reconciliation, deaths_table
from tasks.analysis.safety_aesi import aesi_events, aesi_table, incidence_table
from tasks.analysis.safety_counts import (
    Columns,
    GradeScale,
    grade_scale,
    safety_events,
    treatment_columns,
)
from tasks.analysis.safety_course import course_blocks, course_by_column
from tasks.analysis.safety_exposure import exposure_section
from tasks.analysis.safety_hepatic import child_pugh_columns, decompensation_events, hepatic_blocks
from tasks.analysis.safety_labs import liver_blocks
from tasks.analysis.safety_listings import listing_blocks, sae_listing
from tasks.analysis.safety_profiles import link_subjects
from tasks.analysis.safety_reconciliation import reconciliation_blocks
from tasks.analysis.safety_teae import overview_rows, overview_table, teae_tables
from tasks.analysis.safety_treatment import (
    all_cycles_rule,
    immune_events,
    immune_treatment_use,
    treated_subjects,
    treatment_blocks,
)
from tasks.analysis.subsets import records_of
from tasks.config import TrialConfig
from tasks.model import Adam, Block, Paragraph, Table
from tasks.results.safety import SafetyResults, Share
from tasks.results.safety_course import SafetyCourseResults

__all__ = ["safety_results", "safety_section", "safety_overview", "exposure_section",
           "hepatic_and_reconciliation", "safety_course_results", "course_and_treatment"]


def _group_safety(arm: str, subjects: pd.Index, deaths: pd.DataFrame, events: pd.DataFrame,
                  aesi: pd.DataFrame, hepatic: pd.DataFrame, scale: GradeScale,
                  cfg: TrialConfig) -> SafetyResults:
    """The safety results of one group of safety-population subjects (`hepatic`: the
    decompensation events)."""
    total = len(subjects)
    mine = records_of(events, subjects)
    shares = {row.key: Share.of(mine.loc[row.flag(mine), "USUBJID"].nunique(), total)
              for row in overview_rows(scale, cfg)}
    died = deaths[deaths["USUBJID"].isin(subjects) & deaths["DTHFL"].eq("Y")]
    groups = records_of(aesi, subjects)
    severe = groups[groups["GRADE"] >= scale.high]

    def by_group(records: pd.DataFrame) -> dict[str, Share]:
        subjects_in = records.groupby("AESIGRP")["USUBJID"].nunique()
        return {group: Share.of(int(subjects_in.get(group, 0)), total)
                for group in cfg.aesi_groups()}
    return SafetyResults(
        arm=arm, population=total, grade_scale=scale.name,
        teae=shares["teae"], teae_grade3plus=shares["teae_grade3plus"],
        missing_grade=shares["missing_grade"], serious=shares["serious"],
        related=shares["related"], related_grade3plus=shares["related_grade3plus"],
        discontinuation=shares["discontinuation"],
        interruption_or_reduction=shares["interruption_or_reduction"], fatal=shares["fatal"],
        related_by_drug={code: shares[f"related_{code}"]
                         for code, *_ in relatedness_components(cfg)},
        deaths=Share.of(len(died), total),
        deaths_in_window=Share.of(int(died["WITHIN_WINDOW"].eq("Y").sum()), total),
        aesi=by_group(groups), aesi_grade3plus=by_group(severe),
        hepatic_decompensation=Share.of(hepatic.loc[hepatic["USUBJID"].isin(subjects), "USUBJID"]
                                        .nunique(), total)
        if cfg.safety.hepatic.decompensation else None)


def safety_results(adsl: pd.DataFrame, adae: pd.DataFrame, cfg: TrialConfig) -> SafetyResults:
    """Subjects and percentage of the safety population (unrounded) with any TEAE, grade >= 3
    (severe when only AESEV exists), serious, related (and related grade >= 3), fatal..., deaths
    (and deaths within the window of last dose) and each AESI group (any grade, grade >= 3); for
    all subjects and, with several arms, by arm."""
    results = group_results(adsl, adae, treatment_columns(adsl, by_arm=True), cfg)
    if len(results) <= 1:
        return results[0] if results else group_results(adsl, adae, [(TOTAL, pd.Index([]))], cfg)[0]
    return replace(results[-1], by_arm={r.arm: r for r in results[:-1]})


def group_results(adsl: pd.DataFrame, adae: pd.DataFrame, columns: Columns,
                  cfg: TrialConfig) -> list[SafetyResults]:
    """The safety results of each (label, subjects) group."""
    scale = grade_scale(adae)
    events, aesi = safety_events(adae), aesi_events(adae, cfg)
    deaths = death_reconciliation(adsl, adae, cfg.safety)
    hepatic = decompensation_events(adae, cfg)
    return [_group_safety(label, ids, deaths, events, aesi, hepatic, scale, cfg)
            for label, ids in columns]


def pooled(results: SafetyResults) -> list[tuple[str, SafetyResults]]:
    """The pooled column of the open report: everyone, labelled Total."""
    return [(TOTAL, replace(results, arm=TOTAL, by_arm=None))]


def safety_overview(results: SafetyResults, adae: pd.DataFrame, cfg: TrialConfig) -> Table:
    """Table 14.3.1 pooled, for the open report."""
    return overview_table(pooled(results), grade_scale(adae), cfg)


def safety_section(adsl: pd.DataFrame, adae: pd.DataFrame, adlb: pd.DataFrame, cfg: TrialConfig,
                   results: SafetyResults, by_arm: bool,
                   links: dict[str, str] | None = None) -> list[Block]:
    """The safety tables and the eDISH figure. by_arm=False gives the pooled versions for the open
    report, without the subject-level listings (SAE, deaths, Hy's law). `links`: USUBJID -> the
    anchor of the subject's profile page, which the SAE and death listings link to."""
    columns = treatment_columns(adsl, by_arm)
    scale = grade_scale(adae)
    overview = results.columns() if by_arm else pooled(results)
    blocks: list[Block] = list(teae_tables(safety_events(adae), columns, scale, cfg, overview))
    if by_arm:
        sae = link_subjects(sae_listing(adae, cfg, scale.variable), links or {})
        blocks += listing_blocks(sae, cfg)
    blocks.append(deaths_table(adsl, adae, columns, cfg))
    if by_arm:
        blocks += listing_blocks(link_subjects(death_listing(adsl, adae, cfg), links or {}), cfg)
    blocks.append(aesi_table(adae, columns, cfg))
    blocks += liver_blocks(adlb, columns, cfg, listings=by_arm)
    blocks.append(incidence_table(adsl, adae, columns, cfg))
    if not by_arm:
        blocks.append(Paragraph("Subject-level listings (serious adverse events, deaths, potential "
                                "Hy's law cases) are in the closed report only.", style="note"))
    return blocks


def hepatic_and_reconciliation(adam: Adam, cfg: TrialConfig, cutoff: date) -> list[Block]:
    """The closed report's hepatic package (14.3.10) and AE/lab reconciliation (14.3.11), by arm."""
    columns = treatment_columns(adam.adsl, by_arm=True)
    classes = child_pugh_columns(adam.adsl, cfg)
    by_class = list(zip([label for label, _ in classes],
                        group_results(adam.adsl, adam.adae, classes, cfg)))
    scale = grade_scale(adam.adae)
    return [*hepatic_blocks(adam.adsl, adam.adae, adam.adlb, columns, scale, by_class, cfg),
            *reconciliation_blocks(adam.adsl, adam.adae, adam.adlb, cfg, pd.Timestamp(cutoff))]


def safety_course_results(adam: Adam, cfg: TrialConfig, cutoff: date) -> SafetyCourseResults:
    """results.json "safety_course", over the whole safety population."""
    label, subjects = treatment_columns(adam.adsl, by_arm=True)[-1]
    courses = course_by_column(adam.adsl, adam.adae, [(label, subjects)], cfg, cutoff)[label]
    events = immune_events(adam.adae, cfg)
    treated = treated_subjects(events, adam.adcm, cfg, cutoff)
    use = immune_treatment_use(events, treated, subjects, cfg)
    return SafetyCourseResults(aesi=tuple(courses), immune_treatment=use,
                               all_cycles_rule=all_cycles_rule(adam.adsl, adam.adae, cfg, cutoff))


def course_and_treatment(adam: Adam, cfg: TrialConfig, results: SafetyCourseResults,
                         cutoff: date) -> list[Block]:
    """AESI over time (14.3.12.x): the Total column from `results`, the arms computed the same
    way."""
    columns = treatment_columns(adam.adsl, by_arm=True)
    courses = (course_by_column(adam.adsl, adam.adae, columns[:-1], cfg, cutoff)
               if len(columns) > 1 else {})
    courses[columns[-1][0]] = list(results.aesi)
    return [*course_blocks(adam.adsl, adam.adae, columns, courses, cfg, cutoff),
            *treatment_blocks(adam.adae, adam.adcm, columns, cfg, results.all_cycles_rule, cutoff)]

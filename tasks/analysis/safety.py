"""The safety section of the DSMB report (Tables 14.3.1-14.3.9, Figure 14.3.8), its part of
results.json, and the exposure section (Table 14.1.4, built in tasks.analysis.safety_exposure).

Numbering follows docs/safety.md: 14.3.1 overview, 14.3.2 SOC/PT, 14.3.3 PT by maximum grade,
14.3.4.x related per study drug, 14.3.5.x serious (table, listing), 14.3.6.x deaths (table,
listing), 14.3.7 AESI, 14.3.8.x liver tests (worst grade, shift, Hy's law listing, records not
graded; Figure 14.3.8 eDISH), 14.3.9 exposure-adjusted AESI incidence; exposure is 14.1.4."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from tasks.adam.adae import relatedness_components
from tasks.analysis.arms import TOTAL
from tasks.analysis.safety_aesi import aesi_events, aesi_table, incidence_table
from tasks.analysis.safety_counts import GradeScale, grade_scale, safety_events, treatment_columns
from tasks.analysis.safety_exposure import exposure_section
from tasks.analysis.safety_labs import liver_blocks
from tasks.analysis.deaths import death_listing, death_reconciliation, deaths_table
from tasks.analysis.safety_listings import listing_blocks, sae_listing
from tasks.analysis.safety_teae import overview_rows, overview_table, teae_tables
from tasks.config import TrialConfig
from tasks.model import Block, Paragraph, Table
from tasks.results.safety import SafetyResults, Share

__all__ = ["safety_results", "safety_section", "safety_overview", "exposure_section"]


def _group_safety(arm: str, subjects: pd.Index, deaths: pd.DataFrame, events: pd.DataFrame,
                  aesi: pd.DataFrame, scale: GradeScale, cfg: TrialConfig) -> SafetyResults:
    """The safety results of one group of safety-population subjects."""
    total = len(subjects)
    mine = events[events["USUBJID"].isin(subjects)]
    shares = {row.key: Share.of(mine.loc[row.flag(mine), "USUBJID"].nunique(), total)
              for row in overview_rows(scale, cfg)}
    died = deaths[deaths["USUBJID"].isin(subjects) & deaths["DTHFL"].eq("Y")]
    groups = aesi[aesi["USUBJID"].isin(subjects)]
    severe = groups[groups["GRADE"] >= scale.high]

    def by_group(records: pd.DataFrame) -> dict[str, Share]:
        subjects_in = records.groupby("AESIGRP")["USUBJID"].nunique()
        return {group: Share.of(int(subjects_in.get(group, 0)), total)
                for group in cfg.aesi_groups()}
    return SafetyResults(
        arm=arm, population=total, grade_scale=scale.name,
        **{key: shares[key] for key in ("teae", "teae_grade3plus", "missing_grade", "serious",
                                        "related", "related_grade3plus", "discontinuation",
                                        "interruption_or_reduction", "fatal")},
        related_by_drug={code: shares[f"related_{code}"] for code, *_ in relatedness_components(cfg)},
        deaths=Share.of(len(died), total),
        deaths_in_window=Share.of(int(died["WITHIN_WINDOW"].eq("Y").sum()), total),
        aesi=by_group(groups), aesi_grade3plus=by_group(severe))


def safety_results(adsl: pd.DataFrame, adae: pd.DataFrame, cfg: TrialConfig) -> SafetyResults:
    """Subjects and percentage of the safety population (unrounded) with any TEAE, grade >= 3
    (severe when only AESEV exists), serious, related (and related grade >= 3), fatal..., deaths
    (and deaths within the window of last dose) and each AESI group (any grade, grade >= 3); for
    all subjects and, with several arms, by arm."""
    scale = grade_scale(adae)
    events, aesi = safety_events(adae), aesi_events(adae, cfg)
    deaths = death_reconciliation(adsl, adae, cfg.safety)
    columns = treatment_columns(adsl, by_arm=True)
    results = [_group_safety(label, ids, deaths, events, aesi, scale, cfg)
               for label, ids in columns]
    if len(results) <= 1:
        return results[0] if results else _group_safety(TOTAL, pd.Index([]), deaths, events, aesi,
                                                        scale, cfg)
    return replace(results[-1], by_arm={r.arm: r for r in results[:-1]})


def pooled(results: SafetyResults) -> list[tuple[str, SafetyResults]]:
    """The pooled column of the open report: everyone, labelled Total."""
    return [(TOTAL, replace(results, arm=TOTAL, by_arm=None))]


def safety_overview(results: SafetyResults, adae: pd.DataFrame, cfg: TrialConfig) -> Table:
    """Table 14.3.1 pooled, for the open report."""
    return overview_table(pooled(results), grade_scale(adae), cfg)


def safety_section(adsl: pd.DataFrame, adae: pd.DataFrame, adlb: pd.DataFrame, cfg: TrialConfig,
                   results: SafetyResults, by_arm: bool) -> list[Block]:
    """The safety tables and the eDISH figure. by_arm=False gives the pooled versions for the open
    report, without the subject-level listings (SAE, deaths, Hy's law)."""
    columns = treatment_columns(adsl, by_arm)
    scale = grade_scale(adae)
    overview = results.columns() if by_arm else pooled(results)
    blocks: list[Block] = list(teae_tables(safety_events(adae), columns, scale, cfg, overview))
    if by_arm:
        blocks += listing_blocks(sae_listing(adae, cfg, scale.variable), cfg)
    blocks.append(deaths_table(adsl, adae, columns, cfg))
    if by_arm:
        blocks += listing_blocks(death_listing(adsl, adae, cfg), cfg)
    blocks.append(aesi_table(adae, columns, cfg))
    blocks += liver_blocks(adlb, columns, cfg, listings=by_arm)
    blocks.append(incidence_table(adsl, adae, columns, cfg))
    if not by_arm:
        blocks.append(Paragraph("Subject-level listings (serious adverse events, deaths, potential "
                                "Hy's law cases) are in the closed report only.", style="note"))
    return blocks

"""The safety section of the DSMB report (Tables 14.3.1-14.3.9, Figure 14.3.8), its part of
results.json, and the exposure section (Table 14.1.4, built in tasks.analysis.safety_exposure).

Numbering follows docs/safety.md: 14.3.1 overview, 14.3.2 SOC/PT, 14.3.3 PT by maximum grade,
14.3.4.x related per study drug, 14.3.5.x serious (table, listing), 14.3.6.x deaths (table,
listing), 14.3.7 AESI, 14.3.8.x liver tests (worst grade, shift, Hy's law listing, records not
graded; Figure 14.3.8 eDISH), 14.3.9 exposure-adjusted AESI incidence; exposure is 14.1.4."""
from __future__ import annotations

import pandas as pd

from tasks.analysis.safety_aesi import aesi_events, aesi_table, incidence_table
from tasks.analysis.safety_counts import grade_scale, safety_events, treatment_columns
from tasks.analysis.safety_exposure import exposure_section
from tasks.analysis.safety_labs import liver_blocks
from tasks.analysis.safety_listings import death_listing, deaths_table, listing_blocks, sae_listing
from tasks.analysis.safety_teae import overview_rows, overview_table, teae_tables
from tasks.config import TrialConfig
from tasks.model import Block, Paragraph, Table

__all__ = ["safety_results", "safety_section", "safety_overview", "exposure_section"]


def _share(n: int, total: int) -> dict:
    return {"subjects": int(n), "pct": 100.0 * n / total if total else None}


def safety_results(adsl: pd.DataFrame, adae: pd.DataFrame, cfg: TrialConfig) -> dict:
    """results.json["safety"]: subjects and percentage of the safety population (unrounded) with
    any TEAE, grade >= 3 (severe when only AESEV exists), serious, fatal, and the other overview
    rows (related, per drug, discontinuation, ...), deaths, and each AESI group."""
    safety = adsl.loc[adsl["SAFFL"].eq("Y"), "USUBJID"]
    total = len(safety)
    scale = grade_scale(adae)
    events = safety_events(adae)
    events = events[events["USUBJID"].isin(safety)]
    results: dict = {"grade_scale": scale.name}
    for key, _, mask in overview_rows(events, scale, cfg):
        results[key] = _share(events.loc[mask, "USUBJID"].nunique(), total)
    results["deaths"] = _share(int(adsl.loc[adsl["SAFFL"].eq("Y"), "DTHFL"].eq("Y").sum()), total)
    aesi = aesi_events(adae, cfg)
    aesi = aesi[aesi["USUBJID"].isin(safety)]
    results["aesi"] = {group: _share(aesi.loc[aesi["AESIGRP"] == group, "USUBJID"].nunique(), total)
                       for group in cfg.aesi_groups()}
    return results


def safety_overview(adsl: pd.DataFrame, adae: pd.DataFrame, cfg: TrialConfig, by_arm: bool) -> Table:
    """Table 14.3.1 alone, e.g. the open report's pooled overview (by_arm=False)."""
    return overview_table(safety_events(adae), treatment_columns(adsl, by_arm), grade_scale(adae), cfg)


def safety_section(adsl: pd.DataFrame, adae: pd.DataFrame, adlb: pd.DataFrame, cfg: TrialConfig,
                   by_arm: bool) -> list[Block]:
    """The safety tables and the eDISH figure. by_arm=False gives the pooled versions for the open
    report, without the subject-level listings (SAE, deaths, Hy's law)."""
    columns = treatment_columns(adsl, by_arm)
    scale = grade_scale(adae)
    blocks: list[Block] = list(teae_tables(safety_events(adae), columns, scale, cfg))
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

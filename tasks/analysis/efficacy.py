"""The efficacy results (response rates, BOR/CBOR counts, Kaplan-Meier summaries of OS, PFS and
DOR, DCR at the landmark, PFS sensitivity analyses, the independent review and iRECIST when the
data hold them; by arm and in total) and the efficacy section of the closed report, rendered
from them."""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from tasks.adam.adtte import MISSED, REVIEW, THERAPY
from tasks.adam.assessments import AFTER_NEW_THERAPY
from tasks.adam.recist import best_percent_change
from tasks.adam.response_terms import RECIST
from tasks.analysis.arms import TOTAL, arm_columns
from tasks.analysis.efficacy_data import (
    BOR,
    CBOR,
    OVERALL,
    endpoint_records,
    percent_change_over_time,
    subject_responses,
    swimmer_lanes,
)
from tasks.analysis.efficacy_figures import (
    km_figure,
    spider_figure,
    swimmer_figure,
    waterfall_figure,
)
from tasks.analysis.efficacy_tables import (
    REFERENCE_DATES,
    endpoint_summary,
    km_summary_table,
    landmark_rate,
    pfs_sensitivity_table,
    rate_definitions,
    response_frequency_table,
    response_rate,
    response_rate_table,
)
from tasks.analysis.independent_review import independent_review_blocks, independent_review_results
from tasks.analysis.irecist import irecist_results, irecist_table
from tasks.analysis.subsets import records_of
from tasks.config import TrialConfig
from tasks.model import Block, Paragraph
from tasks.monitoring.pending import AWAITING
from tasks.results.efficacy import (
    EfficacyResults,
    FollowUp,
    PendingResponses,
    PfsSensitivity,
    Survival,
)
from tasks.stats.binomial import Proportion

# The PFS sensitivity analyses (ADTTE PARAMCD -> label), in table order, when ADTTE has them.
SENSITIVITY = {MISSED: "Without the missed-assessment rule",
               THERAPY: "Regardless of new anticancer therapy"}


@dataclass(frozen=True)
class Endpoint:
    """A time-to-event endpoint: results key, ADTTE PARAMCD, name, table/figure numbering, the
    definition printed under its table."""
    key: str
    paramcd: str
    name: str
    table: tuple[str, str]
    figure: tuple[str, str] | None
    population: str
    definition: str


ENDPOINTS = (
    Endpoint("os", "OS", "Overall survival", ("t_14_2_3_km_os", "14.2.3"),
             ("f_14_2_1_km_os", "14.2.1"),
             "Full analysis set",
             "OS: from the reference date to death from any cause; alive subjects are censored at "
             "the last date known alive (at the cutoff at the latest)."),
    Endpoint("pfs", "PFS", "Progression-free survival", ("t_14_2_4_km_pfs", "14.2.4"),
             ("f_14_2_2_km_pfs", "14.2.2"), "Full analysis set",
             "PFS: from the reference date to the first PD or death, whichever first; censored at "
             "the last adequate assessment (before new anticancer therapy, and before an event "
             "after two or more missed assessments when configured)."),
    Endpoint("dor", "DOR", "Duration of response", ("t_14_2_5_km_dor", "14.2.5"), None,
             "Responders in the full analysis set",
             "DOR: responders only, from the first CR or PR to PD or death; censored at the last "
             "adequate assessment."),
)


def pending_responses(responses: pd.DataFrame) -> PendingResponses:
    """Who is apart from the rates, and the ORR if every pending response confirms or none does."""
    settled = responses["SETTLEDFL"]
    apart = responses[~settled]
    awaiting = int(apart["STATUS"].eq(AWAITING).sum())
    confirmed = int(responses.loc[settled, CBOR].isin(RECIST.responder).sum())
    base = int(settled.sum()) + awaiting
    return PendingResponses(
        evaluable=len(responses), settled=int(settled.sum()), pending=len(apart),
        awaiting_confirmation=awaiting, in_first_window=len(apart) - awaiting,
        cbor_counts={category: int(apart[CBOR].eq(category).sum()) for category in RECIST.order},
        orr_if_none_confirm=confirmed / base if base else None,
        orr_if_all_confirm=(confirmed + awaiting) / base if base else None)


def _always(rates: dict[str, Proportion | None], key: str) -> Proportion:
    """A rate of BOR or CBOR: subject_responses always holds both, so it is never None."""
    rate = rates[key]
    if rate is None:
        raise ValueError(f"the {key} rate has no ADRS parameter to count")
    return rate


def _group_results(arm: str, responses: pd.DataFrame, records: dict[str, pd.DataFrame],
                   cfg: TrialConfig) -> EfficacyResults:
    """The efficacy results of one group of subjects (an arm, or all of them). `records`: the
    ADTTE records of each endpoint key, of each sensitivity PARAMCD and of PFSIRC present."""
    rates = {rate.key: response_rate(responses, rate, cfg) for rate in rate_definitions(cfg)}
    summaries = {e.key: endpoint_summary(records[e.key], cfg) for e in ENDPOINTS}
    counts = {paramcd: {category: int(responses[paramcd].eq(category).sum())
                        for category in RECIST.order} for paramcd in (BOR, CBOR)}
    follow_up = summaries["os"].follow_up
    review = records.get(REVIEW)
    return EfficacyResults(
        arm=arm, orr=_always(rates, "orr"), dcr=_always(rates, "dcr"),
        dcr_6m=landmark_rate(responses, cfg), dcr_6m_best=rates["dcr_6m_best"],
        orr_unconfirmed=_always(rates, "orr_unconfirmed"),
        bor_counts=counts[BOR], cbor_counts=counts[CBOR], pending=pending_responses(responses),
        os=Survival.of(summaries["os"]), pfs=Survival.of(summaries["pfs"]),
        dor=Survival.of(summaries["dor"]),
        follow_up=FollowUp(follow_up.estimate, follow_up.ci_low, follow_up.ci_high),
        pfs_sensitivity=tuple(
            PfsSensitivity(paramcd, label, Survival.of(endpoint_summary(records[paramcd], cfg)))
            for paramcd, label in SENSITIVITY.items() if paramcd in records),
        independent_review=independent_review_results(
            responses, records["pfs"], review,
            None if review is None else Survival.of(endpoint_summary(review, cfg)), cfg),
        irecist=irecist_results(responses, cfg))


def _records(adsl: pd.DataFrame, adtte: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The ADTTE records of each endpoint (by results key) and of each PFS variant present."""
    records = {e.key: endpoint_records(adsl, adtte, e.paramcd) for e in ENDPOINTS}
    present = set(adtte["PARAMCD"])
    return records | {paramcd: endpoint_records(adsl, adtte, paramcd)
                      for paramcd in (*SENSITIVITY, REVIEW) if paramcd in present}


def efficacy_results(adsl: pd.DataFrame, adrs: pd.DataFrame, adtte: pd.DataFrame,
                     cfg: TrialConfig, status: pd.DataFrame) -> EfficacyResults:
    """All subjects, with `by_arm` when the full analysis set has more than one arm. Unrounded;
    None where not reached or not estimable. `status`: each response-evaluable subject's
    response status at the cut (tasks.monitoring.pending): the rates count settled subjects."""
    responses = subject_responses(adsl, adrs).merge(
        status[["USUBJID", "STATUS", "SETTLEDFL"]], on="USUBJID", how="left", validate="one_to_one")
    records = _records(adsl, adtte)
    arms = [(label, ids) for label, ids in arm_columns(adsl, "FASFL") if label != TOTAL]
    if len(arms) <= 1:
        return _group_results(arms[0][0] if arms else TOTAL, responses, records, cfg)
    by_arm = {label: _group_results(label, records_of(responses, ids),
                                    {k: records_of(r, ids) for k, r in records.items()}, cfg)
              for label, ids in arms}
    return replace(_group_results(TOTAL, responses, records, cfg), by_arm=by_arm)


def _column_subjects(frame: pd.DataFrame, arm: str, efficacy: EfficacyResults) -> pd.DataFrame:
    """The rows of one table column: an arm's subjects, or everyone for the total column."""
    return frame if arm == efficacy.arm else frame[frame["TRT01A"].eq(arm)]


def efficacy_section(adsl: pd.DataFrame, adrs: pd.DataFrame, adtte: pd.DataFrame,
                     adtr: pd.DataFrame, cfg: TrialConfig,
                     efficacy: EfficacyResults) -> list[Block]:
    """Tables 14.2.1-14.2.10 and figures 14.2.1-14.2.5, by arm and in total, from `efficacy`:
    the second analyses (14.2.6 PFS sensitivity, 14.2.7-9 independent review, 14.2.10 iRECIST)
    when this cut has them."""
    responses = subject_responses(adsl, adrs)
    columns = efficacy.columns()
    not_evaluable = int((adsl["FASFL"].eq("Y") & ~adsl["RSEVALFL"].eq("Y")).sum())
    blocks: list[Block] = [*_primary_notes(adrs, efficacy, cfg),
                           response_frequency_table(columns, cfg, not_evaluable),
                           response_rate_table(columns, cfg)]
    fas_size = int(adsl["FASFL"].eq("Y").sum())
    for endpoint in ENDPOINTS:
        records = endpoint_records(adsl, adtte, endpoint.paramcd)
        km_columns = [(arm, _column_subjects(records, arm, efficacy), getattr(result, endpoint.key))
                      for arm, result in columns]
        table = km_summary_table(*endpoint.table, f"{endpoint.name}: Kaplan-Meier summary",
                                 endpoint.population, km_columns, cfg, endpoint.definition,
                                 follow_up=([r.follow_up for _, r in columns]
                                            if endpoint.key == "os" else None))
        if endpoint.key != "dor" and len(records) < fas_size:
            table.footnotes.append(f"{fas_size - len(records)} subject(s) of the full analysis set "
                                   f"have no {endpoint.paramcd} record in ADTTE and are not in "
                                   "this analysis.")
        blocks.append(table)
        if endpoint.figure:
            blocks.append(km_figure(*endpoint.figure, endpoint.name,
                                    [(arm, frame) for arm, frame, _ in km_columns],
                                    cfg.survival.conf_level))
    if efficacy.pfs_sensitivity:
        blocks.append(pfs_sensitivity_table(columns, cfg))
    if efficacy.independent_review is not None:
        blocks += independent_review_blocks(columns, responses,
                                            endpoint_records(adsl, adtte, "PFS"),
                                            endpoint_records(adsl, adtte, REVIEW), cfg)
    if efficacy.irecist is not None:
        blocks.append(irecist_table(columns, cfg))
    blocks += _tumour_figures(adsl, adrs, adtr, responses, cfg)
    return blocks


def _primary_notes(adrs: pd.DataFrame, efficacy: EfficacyResults, cfg: TrialConfig) -> list[Block]:
    """What the reader must know before the primary tables: no RECIST 1.1 response at all (an
    iRECIST-only cut), and the responses set aside for a new anticancer therapy."""
    notes: list[Block] = []
    if not adrs["PARAMCD"].eq(OVERALL).any():
        irecist = " iRECIST responses are analysed as exploratory in Table 14.2.10." \
            if efficacy.irecist is not None else ""
        notes.append(Paragraph(
            f"No RECIST 1.1 overall response by the {cfg.response.evaluator.lower()} in this cut "
            f"(RS RSTESTCD {cfg.validation.response_test} outside RSCAT "
            f"{cfg.response.irecist.category}): the primary analysis has no responses, and every "
            f"response-evaluable subject is MISSING.{irecist}", style="warning"))
    reasons = adrs.get("EXCLREAS", pd.Series("", index=adrs.index))
    set_aside = adrs[adrs["PARAMCD"].eq(OVERALL) & reasons.eq(AFTER_NEW_THERAPY)]
    if len(set_aside):
        notes.append(Paragraph(
            f"{len(set_aside)} overall response(s) of {set_aside['USUBJID'].nunique()} subject(s) "
            "after the start of a new anticancer therapy do not count for BOR or CBOR "
            "(response.exclude_after_new_therapy); they are listed in Listing 16.2.3.",
            style="note"))
    return notes


def _tumour_figures(adsl: pd.DataFrame, adrs: pd.DataFrame, adtr: pd.DataFrame,
                    responses: pd.DataFrame, cfg: TrialConfig) -> list[Block]:
    """Waterfall, swimmer and spider plots; the lesion-based two only when ADTR has target sums."""
    cap = cfg.report.max_listing_rows_in_pdf
    cbor = responses.set_index("USUBJID")[CBOR]
    swimmer = swimmer_figure(swimmer_lanes(adsl, adrs), cap)
    best = best_percent_change(adtr) if len(adtr) else pd.DataFrame(columns=["USUBJID", "BESTPCHG"])
    best = best[best["USUBJID"].isin(cbor.index)].assign(CBOR=lambda d: d["USUBJID"].map(cbor))
    if best.empty:
        return [swimmer,
                Paragraph("Figures 14.2.3 (waterfall) and 14.2.5 (spider) are not shown: this cut "
                          "has no post-baseline target-lesion measurements (TR).", style="note")]
    changes = percent_change_over_time(adtr, adsl, cfg)
    changes = changes[changes["USUBJID"].isin(cbor.index)]
    return [waterfall_figure(best, cap, cfg.response), swimmer,
            spider_figure(changes, cbor, cfg.report.max_figure_subjects,
                          REFERENCE_DATES[cfg.response.reference_date], cfg.response)]

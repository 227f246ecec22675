"""The efficacy results (response rates, BOR/CBOR counts, Kaplan-Meier summaries of OS, PFS and
DOR, by arm and in total) and the efficacy section of the closed report, rendered from them."""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from tasks.adam.response_terms import RESPONDER
from tasks.analysis.arms import TOTAL, arm_columns
from tasks.adam.recist import best_percent_change
from tasks.analysis.efficacy_data import (BOR, CBOR, RESPONSE_ORDER, endpoint_records, percent_change_over_time,
                                          subject_responses, swimmer_lanes)
from tasks.analysis.efficacy_figures import km_figure, spider_figure, swimmer_figure, waterfall_figure
from tasks.analysis.efficacy_tables import (REFERENCE_DATES, endpoint_summary, km_summary_table, rate_definitions,
                                            response_frequency_table, response_rate, response_rate_table)
from tasks.config import TrialConfig
from tasks.model import Block, Paragraph
from tasks.monitoring.pending import AWAITING
from tasks.results.efficacy import EfficacyResults, FollowUp, PendingResponses, Survival


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
    Endpoint("os", "OS", "Overall survival", ("t_14_2_3_km_os", "14.2.3"), ("f_14_2_1_km_os", "14.2.1"),
             "Full analysis set",
             "OS: from the reference date to death from any cause; alive subjects are censored at the "
             "last date known alive (at the cutoff at the latest)."),
    Endpoint("pfs", "PFS", "Progression-free survival", ("t_14_2_4_km_pfs", "14.2.4"),
             ("f_14_2_2_km_pfs", "14.2.2"), "Full analysis set",
             "PFS: from the reference date to the first PD or death, whichever first; censored at the last "
             "adequate assessment (before new anticancer therapy, and before an event after two or more "
             "missed assessments when configured)."),
    Endpoint("dor", "DOR", "Duration of response", ("t_14_2_5_km_dor", "14.2.5"), None,
             "Responders in the full analysis set",
             "DOR: responders only, from the first CR or PR to PD or death; censored at the last adequate "
             "assessment."),
)


def _subset(frame: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    return frame[frame["USUBJID"].isin(ids)]


def pending_responses(responses: pd.DataFrame) -> PendingResponses:
    """Who is apart from the rates, and the ORR if every pending response confirms or none does."""
    settled = responses["SETTLEDFL"]
    apart = responses[~settled]
    awaiting = int(apart["STATUS"].eq(AWAITING).sum())
    confirmed = int(responses.loc[settled, CBOR].isin(RESPONDER).sum())
    base = int(settled.sum()) + awaiting
    return PendingResponses(
        evaluable=len(responses), settled=int(settled.sum()), pending=len(apart),
        awaiting_confirmation=awaiting, in_first_window=len(apart) - awaiting,
        cbor_counts={category: int(apart[CBOR].eq(category).sum()) for category in RESPONSE_ORDER},
        orr_if_none_confirm=confirmed / base if base else None,
        orr_if_all_confirm=(confirmed + awaiting) / base if base else None)


def _group_results(arm: str, responses: pd.DataFrame, records: dict[str, pd.DataFrame],
                   cfg: TrialConfig) -> EfficacyResults:
    """The efficacy results of one group of subjects (an arm, or all of them)."""
    rates = {rate.key: response_rate(responses, rate, cfg) for rate in rate_definitions(cfg)}
    summaries = {e.key: endpoint_summary(records[e.key], cfg) for e in ENDPOINTS}
    counts = {paramcd: {category: int(responses[paramcd].eq(category).sum()) for category in RESPONSE_ORDER}
              for paramcd in (BOR, CBOR)}
    follow_up = summaries["os"].follow_up
    return EfficacyResults(
        arm=arm, orr=rates["orr"], dcr=rates["dcr"], dcr_6m=rates["dcr_6m"],
        orr_unconfirmed=rates["orr_unconfirmed"], bor_counts=counts[BOR], cbor_counts=counts[CBOR],
        pending=pending_responses(responses), os=Survival.of(summaries["os"]),
        pfs=Survival.of(summaries["pfs"]),
        dor=Survival.of(summaries["dor"]),
        follow_up=FollowUp(follow_up.estimate, follow_up.ci_low, follow_up.ci_high))


def efficacy_results(adsl: pd.DataFrame, adrs: pd.DataFrame, adtte: pd.DataFrame,
                     cfg: TrialConfig, status: pd.DataFrame) -> EfficacyResults:
    """All subjects, with `by_arm` when the full analysis set has more than one arm. Unrounded;
    None where not reached or not estimable. `status`: each response-evaluable subject's
    response status at the cut (tasks.monitoring.pending): the rates count settled subjects."""
    responses = subject_responses(adsl, adrs).merge(
        status[["USUBJID", "STATUS", "SETTLEDFL"]], on="USUBJID", how="left", validate="one_to_one")
    records = {e.key: endpoint_records(adsl, adtte, e.paramcd) for e in ENDPOINTS}
    arms = [(label, ids) for label, ids in arm_columns(adsl, "FASFL") if label != TOTAL]
    if len(arms) <= 1:
        return _group_results(arms[0][0] if arms else TOTAL, responses, records, cfg)
    by_arm = {label: _group_results(label, _subset(responses, ids),
                                    {k: _subset(r, ids) for k, r in records.items()}, cfg)
              for label, ids in arms}
    return replace(_group_results(TOTAL, responses, records, cfg), by_arm=by_arm)


def _column_subjects(frame: pd.DataFrame, arm: str, efficacy: EfficacyResults) -> pd.DataFrame:
    """The rows of one table column: an arm's subjects, or everyone for the total column."""
    return frame if arm == efficacy.arm else frame[frame["TRT01A"].eq(arm)]


def efficacy_section(adsl: pd.DataFrame, adrs: pd.DataFrame, adtte: pd.DataFrame, adtr: pd.DataFrame,
                     cfg: TrialConfig, efficacy: EfficacyResults) -> list[Block]:
    """Tables 14.2.1-14.2.5 and figures 14.2.1-14.2.5, by arm and in total, from `efficacy`."""
    responses = subject_responses(adsl, adrs)
    columns = efficacy.columns()
    not_evaluable = int((adsl["FASFL"].eq("Y") & ~adsl["RSEVALFL"].eq("Y")).sum())
    blocks: list[Block] = [response_frequency_table(columns, cfg, not_evaluable),
                           response_rate_table(columns, cfg)]
    fas_size = int(adsl["FASFL"].eq("Y").sum())
    for endpoint in ENDPOINTS:
        records = endpoint_records(adsl, adtte, endpoint.paramcd)
        km_columns = [(arm, _column_subjects(records, arm, efficacy), getattr(result, endpoint.key))
                      for arm, result in columns]
        table = km_summary_table(*endpoint.table, f"{endpoint.name}: Kaplan-Meier summary", endpoint.population,
                                 km_columns, cfg, endpoint.definition,
                                 follow_up=[r.follow_up for _, r in columns] if endpoint.key == "os" else None)
        if endpoint.key != "dor" and len(records) < fas_size:
            table.footnotes.append(f"{fas_size - len(records)} subject(s) of the full analysis set have no "
                                   f"{endpoint.paramcd} record in ADTTE and are not in this analysis.")
        blocks.append(table)
        if endpoint.figure:
            blocks.append(km_figure(*endpoint.figure, endpoint.name, [(arm, frame) for arm, frame, _ in km_columns],
                                    cfg.survival.conf_level))
    blocks += _tumour_figures(adsl, adrs, adtr, responses, cfg)
    return blocks


def _tumour_figures(adsl: pd.DataFrame, adrs: pd.DataFrame, adtr: pd.DataFrame, responses: pd.DataFrame,
                    cfg: TrialConfig) -> list[Block]:
    """Waterfall, swimmer and spider plots; the lesion-based two only when ADTR has target sums."""
    cap = cfg.report.max_listing_rows_in_pdf
    cbor = responses.set_index("USUBJID")[CBOR]
    swimmer = swimmer_figure(swimmer_lanes(adsl, adrs), cap)
    best = best_percent_change(adtr) if len(adtr) else pd.DataFrame(columns=["USUBJID", "BESTPCHG"])
    best = best[best["USUBJID"].isin(cbor.index)].assign(CBOR=lambda d: d["USUBJID"].map(cbor))
    if best.empty:
        return [swimmer, Paragraph("Figures 14.2.3 (waterfall) and 14.2.5 (spider) are not shown: this cut "
                                   "has no post-baseline target-lesion measurements (TR).", style="note")]
    changes = percent_change_over_time(adtr, adsl, cfg)
    changes = changes[changes["USUBJID"].isin(cbor.index)]
    return [waterfall_figure(best, cap, cfg.response), swimmer,
            spider_figure(changes, cbor, cfg.report.max_figure_subjects,
                          REFERENCE_DATES[cfg.response.reference_date], cfg.response)]

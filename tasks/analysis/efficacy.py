"""The efficacy section of the closed report and results.json["efficacy"]: response rates,
BOR/CBOR counts and the Kaplan-Meier summaries of OS, PFS and DOR, by arm and in total."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tasks.analysis.arms import TOTAL, arm_columns
from tasks.adam.recist import best_percent_change
from tasks.analysis.efficacy_data import (BOR, CBOR, RESPONSE_ORDER, endpoint_records, percent_change_over_time,
                                          subject_responses, swimmer_lanes)
from tasks.analysis.efficacy_figures import km_figure, spider_figure, swimmer_figure, waterfall_figure
from tasks.analysis.efficacy_tables import (REFERENCE_DATES, endpoint_summary, km_summary_table, rate_definitions,
                                            response_frequency_table, response_rate, response_rate_table)
from tasks.config import TrialConfig
from tasks.model import Block, Paragraph
from tasks.stats.km import KMSummary


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


def _columns(adsl: pd.DataFrame, flag: str) -> list[tuple[str, pd.Index]]:
    """The arm columns of a population; a single empty Total column when nobody is in it."""
    return arm_columns(adsl, flag) or [(TOTAL, pd.Index([], dtype=object))]


def _subset(frame: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    return frame[frame["USUBJID"].isin(ids)]


def _km_result(summary: KMSummary) -> dict:
    return {"n": summary.n, "events": summary.events, "median": summary.median.estimate,
            "median_ci_low": summary.median.ci_low, "median_ci_high": summary.median.ci_high,
            "unit": "months"}


def _group_results(responses: pd.DataFrame, records: dict[str, pd.DataFrame], cfg: TrialConfig) -> dict:
    """results.json["efficacy"] of one group of subjects (an arm, or all of them)."""
    out: dict = {rate.key: response_rate(responses, rate, cfg) for rate in rate_definitions(cfg)}
    for key, paramcd in (("bor_counts", BOR), ("cbor_counts", CBOR)):
        out[key] = {category: int(responses[paramcd].eq(category).sum()) for category in RESPONSE_ORDER}
    summaries = {e.key: endpoint_summary(records[e.key], cfg) for e in ENDPOINTS}
    out.update({key: _km_result(summary) for key, summary in summaries.items()})
    out["landmarks"] = {key: [{"months": m.time, "n_risk": m.n_risk, "rate": m.surv, "ci_low": m.ci_low,
                               "ci_high": m.ci_high} for m in summary.landmarks]
                        for key, summary in summaries.items()}
    follow_up = summaries["os"].follow_up
    out["follow_up"] = {"median": follow_up.estimate, "ci_low": follow_up.ci_low, "ci_high": follow_up.ci_high,
                        "unit": "months", "method": "reverse Kaplan-Meier on OS"}
    return out


def efficacy_results(adsl: pd.DataFrame, adrs: pd.DataFrame, adtte: pd.DataFrame, cfg: TrialConfig) -> dict:
    """results.json["efficacy"]: all subjects, plus "by_arm" (arm label -> the same keys) when the
    full analysis set has more than one arm. Unrounded; None where not reached or not estimable."""
    responses = subject_responses(adsl, adrs)
    records = {e.key: endpoint_records(adsl, adtte, e.paramcd) for e in ENDPOINTS}
    results = _group_results(responses, records, cfg)
    arms = [(label, ids) for label, ids in arm_columns(adsl, "FASFL") if label != TOTAL]
    if len(arms) > 1:
        results["by_arm"] = {label: _group_results(_subset(responses, ids),
                                                   {k: _subset(r, ids) for k, r in records.items()}, cfg)
                             for label, ids in arms}
    return results


def efficacy_section(adsl: pd.DataFrame, adrs: pd.DataFrame, adtte: pd.DataFrame, adtr: pd.DataFrame,
                     cfg: TrialConfig) -> list[Block]:
    """Tables 14.2.1-14.2.5 and figures 14.2.1-14.2.5, by arm and in total."""
    responses = subject_responses(adsl, adrs)
    response_columns = [(label, _subset(responses, ids)) for label, ids in _columns(adsl, "RSEVALFL")]
    not_evaluable = int((adsl["FASFL"].eq("Y") & ~adsl["RSEVALFL"].eq("Y")).sum())
    blocks: list[Block] = [response_frequency_table(response_columns, cfg, not_evaluable),
                           response_rate_table(response_columns, cfg)]
    fas_columns = _columns(adsl, "FASFL")
    fas_size = int(adsl["FASFL"].eq("Y").sum())
    for endpoint in ENDPOINTS:
        records = endpoint_records(adsl, adtte, endpoint.paramcd)
        columns = [(label, _subset(records, ids)) for label, ids in fas_columns]
        table = km_summary_table(*endpoint.table, f"{endpoint.name}: Kaplan-Meier summary", endpoint.population,
                                 columns, cfg, endpoint.definition, follow_up=endpoint.key == "os")
        if endpoint.key != "dor" and len(records) < fas_size:
            table.footnotes.append(f"{fas_size - len(records)} subject(s) of the full analysis set have no "
                                   f"{endpoint.paramcd} record in ADTTE and are not in this analysis.")
        blocks.append(table)
        if endpoint.figure:
            blocks.append(km_figure(*endpoint.figure, endpoint.name, columns, cfg.survival.conf_level))
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
            spider_figure(changes, cbor, cap, REFERENCE_DATES[cfg.response.reference_date], cfg.response)]

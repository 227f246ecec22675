"""Data currency and quality: how current each subject's data are, validation warnings, what the
cutoff set aside, and the imputations made."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from tasks.adam.adrs import excluded_responses
from tasks.config import TrialConfig
from tasks.model import Adam, Block, CutoffResult, Finding, Paragraph, Table
from tasks.report import formatting as fmt


def data_currency(adsl: pd.DataFrame, adrs: pd.DataFrame, cutoff: date,
                  behind_days: int) -> pd.DataFrame:
    """Per enrolled subject still followed: last tumour assessment and last contact vs the
    cutoff."""
    followed = adsl[(adsl["ENRLFL"] == "Y") & (adsl["DTHFL"] != "Y")
                    & (adsl["EOSSTT"] == "ONGOING")]
    ovr = adrs[adrs["PARAMCD"] == "OVR"] if len(adrs) else pd.DataFrame(columns=["USUBJID", "ADT"])
    last_assessment = ovr.groupby("USUBJID")["ADT"].max()
    out = followed[["USUBJID", "SITEID", "TRTSDT", "LSTALVDT", "EOTSTT"]].copy()
    out["LASTASDT"] = out["USUBJID"].map(last_assessment).astype("datetime64[ns]")
    cut = pd.Timestamp(cutoff)
    out["DAYS_SINCE_ASSESSMENT"] = (cut - out["LASTASDT"].fillna(out["TRTSDT"])).dt.days
    out["DAYS_SINCE_CONTACT"] = (cut - out["LSTALVDT"]).dt.days
    behind = (out["DAYS_SINCE_CONTACT"] > behind_days) | (
        out["EOTSTT"].eq("ONGOING") & (out["DAYS_SINCE_ASSESSMENT"] > behind_days))
    out["BEHINDFL"] = np.where(behind, "Y", "")
    return out.sort_values(["BEHINDFL", "DAYS_SINCE_CONTACT", "USUBJID"],
                           ascending=[False, False, True]).reset_index(drop=True)


def data_currency_section(adam: Adam, cfg: TrialConfig, cutoff: date) -> list[Block]:
    limit = cfg.report.data_currency_days
    currency = data_currency(adam.adsl, adam.adrs, cutoff, limit)
    behind = currency[currency["BEHINDFL"] == "Y"]
    display = pd.DataFrame({
        "Subject": behind["USUBJID"], "Site": behind["SITEID"],
        "Treatment": behind["EOTSTT"].str.capitalize(),
        "Last tumour assessment": behind["LASTASDT"].map(fmt.iso_date),
        "Days since": behind["DAYS_SINCE_ASSESSMENT"].map(fmt.count),
        "Last contact": behind["LSTALVDT"].map(fmt.iso_date),
        "Days since ": behind["DAYS_SINCE_CONTACT"].map(fmt.count),
    })
    summary = Paragraph(
        f"{len(currency)} subjects were alive and in follow-up at the cutoff {cutoff.isoformat()}; "
        f"{len(behind)} of them have data more than {limit} days behind the cutoff (no contact "
        f"within {limit} days, or on treatment without a tumour assessment within {limit} days).")
    table = Table(
        id="l_16_1_1_data_currency", number="16.1.1",
        title=f"Subjects whose data are more than {limit} days behind the cutoff",
        population="Enrolled subjects alive and in follow-up", data=currency, display=display,
        source="ADSL, ADRS",
        footnotes=["Last contact: last date known alive (LSTALVDT). The full per-subject listing "
                   "of data currency is in tables/l_16_1_1_data_currency.csv."],
        empty_text=f"None: no subject's data are more than {limit} days behind the cutoff."
    ).as_listing(cfg.report.max_listing_rows_in_pdf)
    return [summary, table]


def findings_table(findings: list[Finding], limit: int) -> Table:
    data = pd.DataFrame([f.as_dict() for f in findings],
                        columns=["severity", "rule", "file", "row", "usubjid", "column", "value",
                                 "message"])
    display = pd.DataFrame({
        "File": data["file"].fillna(""), "Row": data["row"].map(fmt.text),
        "Subject": data["usubjid"].fillna(""),
        "Variable": data["column"].fillna(""), "Rule": data["rule"], "Finding": data["message"],
    })
    return Table(
        id="l_16_2_1_validation_warnings", number="16.2.1",
        title="Validation findings that did not stop the analysis (warnings)",
        population="All records of the data cut", data=data, display=display, source="SDTM",
        landscape=True,
        footnotes=["Errors stop the run; none remain in a published report. Every finding is also "
                   "in validation.json."]).as_listing(limit)


def excluded_responses_blocks(adrs: pd.DataFrame, limit: int) -> list[Block]:
    """Table 16.2.3, the overall responses the analysis does not use, with the reason (ADRS OVR
    records without ANL01FL, tasks.adam.adrs.excluded_responses). Closed report only: it shows
    responses."""
    data = excluded_responses(adrs)
    summary = Paragraph(f"{len(data)} overall response(s) of {data['USUBJID'].nunique()} "
                        "subject(s) not used by the analysis.")
    if data.empty:
        return [summary]
    display = pd.DataFrame({"Subject": data["USUBJID"], "Date": data["RSDTC"].map(fmt.text),
                            "Visit": data["VISIT"].map(fmt.text),
                            "Response": data["AVALC"].map(lambda v: fmt.text(v) or "(blank)"),
                            "Reason": data["EXCLREAS"]})
    return [summary, Table(
        id="l_16_2_3_excluded_responses", number="16.2.3",
        title="Overall responses not used by the analysis",
        population="Overall responses of the primary evaluator", data=data, display=display,
        source="ADRS",
        footnotes=["Date as recorded (RSDTC). Not listed: assessments after a subject's first PD "
                   "(never used for best response) and a repeat of the response kept for its "
                   "date."]).as_listing(limit)]


def cutoff_tables(cutoff: CutoffResult, limit: int) -> list[Table]:
    log = cutoff.log.copy()
    summary = Table(
        id="t_16_3_1_cutoff_summary", number="16.3.1",
        title="Records set aside or changed by the data cutoff, by domain and reason",
        population="All records of the data cut", data=log,
        display=pd.DataFrame({"Domain": log["domain"].str.upper(), "Reason": log["reason"],
                              "Records": log["records"].map(fmt.count)}),
        source="SDTM",
        footnotes=[f"Data cutoff {cutoff.cut.cutoff.isoformat()} applied as the datacutr rules: "
                   "subject cut on informed consent, date cut per domain, death reset; partial "
                   "dates compared by their earliest possible day."],
        empty_text="None: the cutoff set aside or changed no record.")
    removed = cutoff.removed
    listing = Table(
        id="l_16_3_2_cutoff_records", number="16.3.2",
        title="Records set aside or changed by the cutoff",
        population="All records of the data cut", data=removed,
        display=removed.rename(columns=str.capitalize).astype(str),
        source="SDTM", empty_text="None: the cutoff set aside or changed no record."
    ).as_listing(limit)
    return [summary, listing]


def imputations_table(adam: Adam) -> Table:
    """Every date imputation flag (--DTF) in the ADaM datasets, counted by dataset and level."""
    rows = []
    for name, frame in adam.frames().items():
        for column in (c for c in frame.columns if c.endswith("DTF")):
            flags = frame[column].fillna("").astype(str)
            for level, n in flags[flags != ""].value_counts().sort_index().items():
                rows.append({"dataset": name.upper(), "variable": column, "imputed": level,
                             "records": int(n)})
    data = pd.DataFrame(rows, columns=["dataset", "variable", "imputed", "records"])
    level_text = {"D": "day", "M": "month and day", "Y": "year, month and day"}
    return Table(
        id="t_16_3_3_imputations", number="16.3.3", title="Date imputations",
        population="All analysis records", data=data, source="ADSL, ADRS, ADAE",
        display=pd.DataFrame({"Dataset": data["dataset"], "Flag variable": data["variable"],
                              "Imputed": data["imputed"].map(level_text).fillna(data["imputed"]),
                              "Records": data["records"].map(fmt.count)}),
        footnotes=["Assessment dates: last day of the month; AE start dates: first day of the "
                   "month (or first dose in that month); death dates: first possible day. No "
                   "imputation goes past the cutoff or the date of death."],
        empty_text="None: no date was imputed.")


def quality_section(adam: Adam, cfg: TrialConfig, findings: list[Finding], cutoff: CutoffResult,
                    extra: list[Block]) -> list[Block]:
    """Data currency, validation warnings, the cutoff's work, imputations, and the data-quality
    checks of the other sections given in `extra` (closed report: RECIST recomputation
    disagreements and excluded_responses_blocks)."""
    limit = cfg.report.max_listing_rows_in_pdf
    warnings = [f for f in findings if f.severity == "warning"]
    blocks: list[Block] = data_currency_section(adam, cfg, cutoff.cut.cutoff)
    blocks.append(Paragraph(f"Validation: {len(warnings)} warning(s), no errors."))
    if warnings:
        blocks.append(findings_table(warnings, limit))
    blocks += cutoff_tables(cutoff, limit)
    blocks.append(imputations_table(adam))
    return blocks + extra

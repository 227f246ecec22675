"""Data currency, imputation counts, excluded responses, configured-rules and derivation-rules
listings."""
from __future__ import annotations

from datetime import date

import pandas as pd

from tasks.adam.descriptions import rule_descriptions
from tasks.analysis.methods import methods_section
from tasks.analysis.quality import (
    data_currency,
    excluded_responses_blocks,
    findings_table,
    imputations_table,
)
from tasks.config import load_config
from tasks.model import Adam, Finding

T = pd.Timestamp


def adsl() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": ["S-1", "S-2", "S-3", "S-4"], "SITEID": ["001"] * 4,
        "ENRLFL": ["Y", "Y", "Y", "Y"], "DTHFL": ["", "", "Y", ""],
        "EOSSTT": ["ONGOING", "ONGOING", "DISCONTINUED", "ONGOING"],
        "EOTSTT": ["ONGOING", "DISCONTINUED", "DISCONTINUED", "ONGOING"],
        "TRTSDT": [T("2026-01-01")] * 4,
        "LSTALVDT": [T("2026-10-20"), T("2026-08-01"), T("2026-05-01"), T("2026-10-30")],
        "DTHDTF": ["", "", "D", ""],
    })


def adrs() -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": ["S-1", "S-1", "S-4"], "PARAMCD": ["OVR", "OVR", "OVR"],
                         "ADT": [T("2026-06-01"), T("2026-10-01"), T("2026-08-15")],
                         "ADTF": ["", "D", ""]})


def test_data_currency_flags_subjects_behind_the_cutoff():
    currency = data_currency(adsl(), adrs(), date(2026, 10, 31), 60).set_index("USUBJID")
    assert "S-3" not in currency.index                        # died: not followed
    assert (currency.loc["S-1", "DAYS_SINCE_ASSESSMENT"] == 30
            and currency.loc["S-1", "BEHINDFL"] == "")
    assert (currency.loc["S-2", "DAYS_SINCE_CONTACT"] == 91
            and currency.loc["S-2", "BEHINDFL"] == "Y")
    assert (currency.loc["S-4", "DAYS_SINCE_ASSESSMENT"] == 77
            and currency.loc["S-4", "BEHINDFL"] == "Y")


def test_imputations_are_counted_by_dataset_and_flag():
    empty = pd.DataFrame()
    table = imputations_table(Adam(adsl(), adrs(), empty, empty, empty, empty, empty))
    assert table.data.to_dict("records") == [
        {"dataset": "ADSL", "variable": "DTHDTF", "imputed": "D", "records": 1},
        {"dataset": "ADRS", "variable": "ADTF", "imputed": "D", "records": 1}]


def test_findings_listing_goes_to_csv_only_when_long():
    findings = [Finding("warning", "AE.AETOXGR present", "missing grade", "ae.csv", i, "S-1",
                        "AETOXGR")
                for i in range(1, 6)]
    assert not findings_table(findings, limit=10).csv_only
    assert findings_table(findings, limit=3).csv_only


def test_methods_print_the_rules_the_derivations_run():
    cfg = load_config()
    [table] = [b for b in methods_section(cfg, monitoring=False)
               if getattr(b, "id", "") == "t_16_5_3_derivation_rules"]
    assert table.title == "Rules of the response and time-to-event derivations"
    assert table.data.equals(rule_descriptions(cfg))
    row = table.display[(table.display["Parameter"] == "CBOR") & (table.display["Order"] == "1")]
    assert row[["Result", "Rule"]].values.tolist() == [[
        "AVALC CR", "CR confirmed by a CR at least 28 days later, with only CR or NE in between "
        "and at most 1 NE"]]


def excluded_adrs() -> pd.DataFrame:
    """ADRS OVR records as build_adrs leaves them: two used, four left out."""
    return pd.DataFrame({
        "USUBJID": ["S-1", "S-1", "S-1", "S-2", "S-2", "S-2"], "PARAMCD": "OVR",
        "RSSEQ": ["1", "2", "3", "1", "2", "3"],
        "RSDTC": ["2026-01-01", "2026-02-12", "2026-02-12", "2026-03", "", "2026-05-01"],
        "VISIT": ["SCREENING", "WEEK 6", "WEEK 6", "WEEK 6", "WEEK 12", "WEEK 18"],
        "ADT": [T("2026-01-01"), T("2026-02-12"), T("2026-02-12"), T("2026-03-31"), pd.NaT,
                T("2026-05-01")],
        "AVALC": ["SD", "PR", "PD", "VGPR", "PR", "PD"],
        "ANL01FL": [None, None, "Y", None, None, "Y"],
        "EXCLREAS": ["before the reference date", "not the worst response of its date", "",
                     "response not in RECIST 1.1 controlled terms",
                     "no usable date (RSDTC missing or year only)", ""]})


def test_overall_responses_not_used_are_listed_with_subject_date_response_and_reason():
    summary, table = excluded_responses_blocks(excluded_adrs(), limit=10)
    assert summary.text == "4 overall response(s) of 2 subject(s) not used by the analysis."
    assert (table.id, table.number, table.csv_only) == (
        "l_16_2_3_excluded_responses", "16.2.3", False)
    assert table.display[["Subject", "Date", "Response", "Reason"]].values.tolist() == [
        ["S-1", "2026-01-01", "SD", "before the reference date"],
        ["S-1", "2026-02-12", "PR", "not the worst response of its date"],
        ["S-2", "2026-03", "VGPR", "response not in RECIST 1.1 controlled terms"],
        ["S-2", "", "PR", "no usable date (RSDTC missing or year only)"]]
    assert excluded_responses_blocks(excluded_adrs(), limit=3)[1].csv_only


def test_no_excluded_response_is_a_sentence_without_a_table():
    used = excluded_adrs().iloc[[2, 5]]
    assert [b.text for b in excluded_responses_blocks(used, limit=10)] == [
        "0 overall response(s) of 0 subject(s) not used by the analysis."]

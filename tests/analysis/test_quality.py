"""Data currency, imputation counts, configured-rules listing."""
from __future__ import annotations

from datetime import date

import pandas as pd

from tasks.analysis.methods import configured_rules, methods_section
from tasks.analysis.quality import data_currency, findings_table, imputations_table
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
                         "ADT": [T("2026-06-01"), T("2026-10-01"), T("2026-08-15")], "ADTF": ["", "D", ""]})


def test_data_currency_flags_subjects_behind_the_cutoff():
    currency = data_currency(adsl(), adrs(), date(2026, 10, 31), 60).set_index("USUBJID")
    assert "S-3" not in currency.index                        # died: not followed
    assert currency.loc["S-1", "DAYS_SINCE_ASSESSMENT"] == 30 and currency.loc["S-1", "BEHINDFL"] == ""
    assert currency.loc["S-2", "DAYS_SINCE_CONTACT"] == 91 and currency.loc["S-2", "BEHINDFL"] == "Y"
    assert currency.loc["S-4", "DAYS_SINCE_ASSESSMENT"] == 77 and currency.loc["S-4", "BEHINDFL"] == "Y"


def test_imputations_are_counted_by_dataset_and_flag():
    empty = pd.DataFrame()
    table = imputations_table(Adam(adsl(), adrs(), empty, empty, empty, empty, empty))
    assert table.data.to_dict("records") == [
        {"dataset": "ADSL", "variable": "DTHDTF", "imputed": "D", "records": 1},
        {"dataset": "ADRS", "variable": "ADTF", "imputed": "D", "records": 1}]


def test_findings_listing_goes_to_csv_only_when_long():
    findings = [Finding("warning", "AE.AETOXGR present", "missing grade", "ae.csv", i, "S-1", "AETOXGR")
                for i in range(1, 6)]
    assert not findings_table(findings, limit=10).csv_only
    assert findings_table(findings, limit=3).csv_only


def test_methods_list_every_configured_rule_with_its_value():
    rules = configured_rules(load_config()).set_index("setting")["value"]
    assert rules["response.confirmation_min_days"] == "28"
    assert rules["safety.teae_window_days"] == "30"
    assert rules["monitoring.simon.p0"] == "0.1"
    assert "survival.conf_type" in rules.index
    assert any(t.id == "t_16_5_2_software" for t in methods_section(load_config()) if hasattr(t, "id"))

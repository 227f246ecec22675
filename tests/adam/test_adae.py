"""ADAE derivations: partial start dates, the TEAE window at its boundary days, grades, AESI and
outcome flags, worst-grade flags."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tasks.adam.adae import build_adae
from tasks.config import load_config
from tasks.errors import ConfigError
from tasks.model import Cut

CFG = load_config()
AE_COLUMNS = ["USUBJID", "AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "AETOXGR", "AESEV", "AESER",
              "AEACN", "AEREL", "AEOUT", "AESDTH", "AESTDTC", "AEENDTC"]


def adsl(trtsdt: str = "2025-03-15", trtedt: str = "2025-06-01") -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": ["S1"], "SAFFL": ["Y"], "TRT01A": ["Arm"], "TRT01AN": [1],
                         "TRTSDT": [pd.Timestamp(trtsdt)], "TRTEDT": [pd.Timestamp(trtedt)],
                         "DTHDT": [pd.NaT]})


def ae(rows: list[dict]) -> pd.DataFrame:
    base = {c: "" for c in AE_COLUMNS} | {"USUBJID": "S1", "AEDECOD": "NAUSEA",
                                         "AEBODSYS": "GASTROINTESTINAL DISORDERS", "AETOXGR": "1"}
    return pd.DataFrame([base | {"AESEQ": str(i)} | row for i, row in enumerate(rows, start=1)])


def derive(rows: list[dict], cutoff: date = date(2025, 12, 31), cfg=CFG, **adsl_kw) -> pd.DataFrame:
    cut = Cut(cutoff, "memory", {"ae": ae(rows)}, {})
    return build_adae(adsl(**adsl_kw), cut, cfg)


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


@pytest.mark.parametrize("start, end, cutoff, expected, flag", [
    ("2025-03", "", date(2025, 12, 31), "2025-03-15", "D"),       # month of first dose: TRTSDT
    ("2025-04", "", date(2025, 12, 31), "2025-04-01", "D"),       # missing day: the 1st
    ("2025-02", "", date(2025, 12, 31), "2025-02-01", "D"),       # before first dose: the 1st
    ("2025", "", date(2025, 12, 31), "2025-03-15", "M"),          # year of first dose: TRTSDT
    # missing month and day: January 1st
    ("2024", "", date(2025, 12, 31), "2024-01-01", "M"),
    ("2025-03", "2025-03-10", date(2025, 12, 31), "2025-03-10", "D"),   # never after the end date
    ("2025-03", "", date(2025, 3, 12), "2025-03-12", "D"),        # never after the cutoff
    ("2025-03-20", "", date(2025, 12, 31), "2025-03-20", ""),     # complete: kept
])
def test_partial_start_date_imputation(start, end, cutoff, expected, flag):
    out = derive([{"AESTDTC": start, "AEENDTC": end}], cutoff=cutoff)
    assert out.at[0, "ASTDT"] == day(expected)
    assert out.at[0, "ASTDTF"] == flag


def test_missing_start_date_counts_as_emergent_unless_it_ended_before_first_dose():
    out = derive([{"AESTDTC": ""}, {"AESTDTC": "", "AEENDTC": "2025-03-01"},
                  {"AESTDTC": "", "AEENDTC": "2025-03-20"}])
    assert out["ASTDT"].isna().all()
    assert out["TRTEMFL"].tolist() == ["Y", None, "Y"]


def test_partial_onset_in_month_of_first_dose_is_emergent():
    out = derive([{"AESTDTC": "2025-03"}, {"AESTDTC": "2025-02"}])
    assert out["TRTEMFL"].tolist() == ["Y", None]


@pytest.mark.parametrize("onset, expected", [
    ("2025-03-14", None),       # the day before first dose
    ("2025-03-15", "Y"),        # first dose day
    ("2025-07-01", "Y"),        # TRTEDT 2025-06-01 + 30 days exactly
    ("2025-07-02", None),       # one day later
])
def test_teae_window_boundaries(onset, expected):
    assert CFG.safety.teae_window_days == 30
    out = derive([{"AESTDTC": onset}])
    assert out.at[0, "TRTEMFL"] == expected


def test_untreated_subject_has_no_emergent_event():
    cut = Cut(date(2025, 12, 31), "memory",
              {"ae": ae([{"AESTDTC": "2025-04-01", "USUBJID": "S9"}])}, {})
    out = build_adae(adsl(), cut, CFG)
    assert out.at[0, "TRTEMFL"] is None and pd.isna(out.at[0, "TRTSDT"])


def test_study_days_have_no_day_zero():
    out = derive([{"AESTDTC": "2025-03-15"}, {"AESTDTC": "2025-03-14"}, {"AESTDTC": "2025-03-24"}])
    assert out["ASTDY"].tolist() == [1.0, -1.0, 10.0]


def test_partial_end_date_goes_to_last_day_but_not_after_cutoff():
    out = derive([{"AESTDTC": "2025-04-02", "AEENDTC": "2025-04"},
                  {"AESTDTC": "2025-04-02", "AEENDTC": "2025-04"}], cutoff=date(2025, 4, 20))
    assert out["AENDT"].tolist() == [day("2025-04-20")] * 2
    out = derive([{"AESTDTC": "2025-04-02", "AEENDTC": "2025-04"}])
    assert out.at[0, "AENDT"] == day("2025-04-30") and out.at[0, "AENDTF"] == "D"


def test_grade_outside_one_to_five_is_missing_not_dropped():
    out = derive([{"AESTDTC": "2025-04-01", "AETOXGR": g} for g in ("3", "6", "", "x", "5")])
    assert len(out) == 5
    assert out["ATOXGRN"].tolist()[0] == 3.0
    assert out["ATOXGRN"].isna().tolist() == [False, True, True, True, False]
    assert out["ATOXGR"].tolist() == ["3", "", "", "", "5"]


def test_severity_is_the_grade_when_the_data_have_no_aetoxgr():
    rows = ae([{"AESTDTC": "2025-04-01", "AESEV": "MODERATE"},
               {"AESTDTC": "2025-04-02", "AESEV": "SEVERE"}])
    cut = Cut(date(2025, 12, 31), "memory", {"ae": rows.drop(columns="AETOXGR")}, {})
    out = build_adae(adsl(), cut, CFG)
    assert "ATOXGRN" not in out and out["AETOXGR"].eq("").all()
    assert out["ASEVN"].tolist() == [2.0, 3.0]
    assert out["AOCCIFL"].tolist() == [None, "Y"]


def test_fatal_discontinuation_and_interruption_flags():
    out = derive([{"AESTDTC": "2025-04-01", "AEOUT": "FATAL"},
                  {"AESTDTC": "2025-04-01", "AESDTH": "Y"},
                  {"AESTDTC": "2025-04-01", "AETOXGR": "5"},
                  {"AESTDTC": "2025-04-01", "AEACN": "DRUG WITHDRAWN"},
                  {"AESTDTC": "2025-04-01", "AEACN": "DRUG INTERRUPTED"},
                  {"AESTDTC": "2025-04-01", "AEACN": "DOSE REDUCED"},
                  {"AESTDTC": "2025-04-01", "AEACN": "DOSE NOT CHANGED"}])
    assert out["FATALFL"].tolist() == ["Y", "Y", "Y", None, None, None, None]
    assert out["DISCFL"].tolist() == [None, None, None, "Y", None, None, None]
    assert out["INTRFL"].tolist() == [None, None, None, None, "Y", "Y", None]


def test_worst_grade_flags_mark_first_record_of_highest_grade_per_subject_soc_and_pt():
    out = derive([
        {"AESTDTC": "2025-04-05", "AETOXGR": "2", "AEDECOD": "NAUSEA"},
        {"AESTDTC": "2025-04-01", "AETOXGR": "3", "AEDECOD": "VOMITING"},
        {"AESTDTC": "2025-04-03", "AETOXGR": "3", "AEDECOD": "NAUSEA"},
        {"AESTDTC": "2025-04-02", "AETOXGR": "", "AEDECOD": "NAUSEA"},
        {"AESTDTC": "2025-04-01", "AETOXGR": "4", "AEDECOD": "RASH", "AEBODSYS": "SKIN"},
        {"AESTDTC": "2025-01-01", "AETOXGR": "5", "AEDECOD": "RASH", "AEBODSYS": "SKIN"},   # not TE
    ])
    assert out["AOCCIFL"].tolist() == [None, None, None, None, "Y", None]
    assert out["AOCCSIFL"].tolist() == [None, "Y", None, None, "Y", None]
    assert out["AOCCPIFL"].tolist() == [None, "Y", "Y", None, "Y", None]


def test_aesi_groups_by_preferred_term_one_column_per_group():
    groups = CFG.aesi_groups()
    out = derive([{"AESTDTC": "2025-04-01", "AEDECOD": "hypertension"},
                  {"AESTDTC": "2025-04-01", "AEDECOD": "EPISTAXIS"},
                  {"AESTDTC": "2025-04-01", "AEDECOD": "NAUSEA"}])
    names = {c: out[c].tolist() for c in out.columns if c.startswith("CQ")}
    assert len(names) == len(groups)
    assert names["CQ01NAM"] == ["Hypertension", None, None]
    hits = {c: v for c, v in names.items() if v[1] is not None}
    assert sorted(v[1] for v in hits.values()) == ["Bleeding (mucosal)", "Haemorrhage"]
    assert all(v[2] is None for v in names.values())


def test_immune_related_events_use_the_long_aesi_window():
    # TRTEDT 2025-06-01: + 30 days = 2025-07-01, + 90 days = 2025-08-30
    out = derive([{"AESTDTC": "2025-08-30", "AEDECOD": "HEPATITIS"},
                  {"AESTDTC": "2025-08-31", "AEDECOD": "HEPATITIS"},
                  {"AESTDTC": "2025-07-15", "AEDECOD": "HYPERTENSION"},
                  {"AESTDTC": "2025-06-15", "AEDECOD": "COLITIS"}])
    assert out["TRTEMFL"].tolist() == [None, None, None, "Y"]
    assert out["AESITEFL"].tolist() == ["Y", None, None, "Y"]


def test_long_window_group_must_exist_in_the_aesi_file():
    cfg = CFG.model_copy(update={"safety": CFG.safety.model_copy(
        update={"aesi_long_window_groups": ("No such group",)})})
    with pytest.raises(ConfigError, match="No such group"):
        derive([{"AESTDTC": "2025-04-01"}], cfg=cfg)

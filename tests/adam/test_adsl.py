"""ADSL derivations on tiny hand-made cuts: each rule named in the test."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tasks.adam.adae import build_adae
from tasks.adam.adsl import build_adsl
from tasks.config import load_config
from tasks.model import Cut


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).fillna("").astype(str)


DM = frame([
    {"STUDYID": "S", "USUBJID": "S-1", "ARMCD": "A", "ARM": "Arm A", "ACTARMCD": "A",
     "ACTARM": "Arm A", "AGE": "61", "SEX": "M", "RFICDTC": "2026-01-02", "DTHFL": "Y",
     "DTHDTC": "2026-05"},
    {"STUDYID": "S", "USUBJID": "S-2", "ARMCD": "A", "ARM": "Arm A", "ACTARMCD": "A",
     "ACTARM": "Arm A", "AGE": "70", "SEX": "F", "RFICDTC": "2026-01-05", "DTHFL": "",
     "DTHDTC": ""},
    {"STUDYID": "S", "USUBJID": "S-3", "ARMCD": "SCRNFAIL", "ARM": "Screen Failure",
     "ACTARMCD": "SCRNFAIL", "ACTARM": "Screen Failure", "AGE": "55", "SEX": "M",
     "RFICDTC": "2026-01-06", "DTHFL": "", "DTHDTC": ""},
])
EX = frame([
    {"USUBJID": "S-1", "EXTRT": "DRUG", "EXDOSE": "10", "EXSTDTC": "2026-01-10",
     "EXENDTC": "2026-01-10"},
    {"USUBJID": "S-1", "EXTRT": "DRUG", "EXDOSE": "10", "EXSTDTC": "2026-01-31",
     "EXENDTC": "2026-01-31"},
    {"USUBJID": "S-2", "EXTRT": "DRUG", "EXDOSE": "0", "EXSTDTC": "2026-01-12",
     "EXENDTC": "2026-01-12"},
    {"USUBJID": "S-2", "EXTRT": "DRUG", "EXDOSE": "5", "EXSTDTC": "2026-02-02",
     "EXENDTC": "2026-02-02"},
])
DS = frame([
    {"USUBJID": "S-1", "DSCAT": "DISPOSITION EVENT", "EPOCH": "TREATMENT",
     "DSDECOD": "PROGRESSIVE DISEASE", "DSTERM": "PROGRESSIVE DISEASE", "DSSTDTC": "2026-03-01"},
    {"USUBJID": "S-1", "DSCAT": "DISPOSITION EVENT", "EPOCH": "FOLLOW-UP", "DSDECOD": "DEATH",
     "DSTERM": "DISEASE PROGRESSION", "DSSTDTC": "2026-05-20"},
    {"USUBJID": "S-3", "DSCAT": "DISPOSITION EVENT", "EPOCH": "SCREENING",
     "DSDECOD": "SCREEN FAILURE", "DSTERM": "SCREEN FAILURE", "DSSTDTC": "2026-01-08"},
])
AE = frame([{"USUBJID": "S-2", "AEDECOD": "RASH", "AESTDTC": "2026-02-20", "AEENDTC": "2026-07-01",
             "AEOUT": "RECOVERED/RESOLVED", "AETOXGR": "1"}])
LB = frame([
    {"USUBJID": "S-1", "LBTESTCD": "AFP", "LBSTRESN": "350", "LBDTC": "2026-01-03"},
    {"USUBJID": "S-1", "LBTESTCD": "AFP", "LBSTRESN": "820", "LBDTC": "2026-01-09"},
    {"USUBJID": "S-1", "LBTESTCD": "AFP", "LBSTRESN": "5000", "LBDTC": "2026-02-01"},
    {"USUBJID": "S-2", "LBTESTCD": "AFP", "LBSTRESN": "12", "LBDTC": "2026-01-04"},
])
SUPPDM = frame([{"USUBJID": "S-1", "QNAM": "ECOG", "QVAL": "1"},
                {"USUBJID": "S-2", "QNAM": "ECOG", "QVAL": "0"}])


@pytest.fixture(scope="module")
def adsl() -> pd.DataFrame:
    cut = Cut(date(2026, 6, 30), "mem", {"dm": DM, "ex": EX, "ds": DS, "ae": AE, "rs": frame([]),
                                          "lb": LB, "suppdm": SUPPDM}, {})
    cut.domains["rs"] = pd.DataFrame(columns=["USUBJID", "RSDTC"])
    return build_adsl(cut, load_config()).set_index("USUBJID")


def test_treatment_dates_are_first_and_last_dose_above_zero(adsl):
    assert adsl.loc["S-1", "TRTSDT"] == pd.Timestamp("2026-01-10")
    assert adsl.loc["S-1", "TRTEDT"] == pd.Timestamp("2026-01-31")
    assert adsl.loc["S-1", "TRTDURD"] == 22
    assert adsl.loc["S-2", "TRTSDT"] == pd.Timestamp("2026-02-02")   # the 0 dose does not count


def test_populations_screen_failure_is_in_no_analysis(adsl):
    assert adsl["ENRLFL"].tolist() == ["Y", "Y", "N"]
    assert adsl["SAFFL"].tolist() == ["Y", "Y", "N"]
    assert adsl["FASFL"].tolist() == ["Y", "Y", "N"]        # single-arm: FAS = treated
    assert adsl["RSEVALFL"].tolist() == ["Y", "Y", "N"]     # no TU: FAS


def test_death_date_prefers_a_complete_date_over_a_partial_one(adsl):
    assert adsl.loc["S-1", "DTHDT"] == pd.Timestamp("2026-05-20")   # DM 2026-05, DS 2026-05-20
    assert adsl.loc["S-1", "DTHDTF"] == ""
    assert adsl.loc["S-1", "DTHCGR1"] == "DISEASE PROGRESSION"
    assert adsl.loc["S-2", "DTHFL"] == ""


def test_last_known_alive_is_latest_record_up_to_cutoff_and_death_date_for_deaths(adsl):
    assert adsl.loc["S-2", "LSTALVDT"] == pd.Timestamp("2026-02-20")   # AE end 2026-07-01 > cutoff
    assert adsl.loc["S-1", "LSTALVDT"] == pd.Timestamp("2026-05-20")   # DS death record date


def test_disposition_by_epoch(adsl):
    assert adsl.loc["S-1", "EOTSTT"] == "DISCONTINUED"
    assert adsl.loc["S-1", "DCTREAS"] == "PROGRESSIVE DISEASE"
    assert adsl.loc["S-1", "EOSSTT"] == "DISCONTINUED"
    assert adsl.loc["S-2", "EOTSTT"] == "ONGOING"
    assert adsl.loc["S-3", "EOTSTT"] == "NOT TREATED"


def test_baseline_lab_is_last_value_on_or_before_first_dose(adsl):
    assert adsl.loc["S-1", "AFPBL"] == 820
    assert adsl.loc["S-1", "AFPBLGR1"] == ">= 400"
    assert adsl.loc["S-2", "AFPBLGR1"] == "< 400"
    assert adsl.loc["S-1", "ECOG"] == "1"


def test_analysis_arm_label_comes_from_data_when_config_names_other_arms(adsl):
    assert adsl.loc["S-1", "TRT01A"] == "Arm A"


def test_partial_death_date_alone_takes_first_possible_day_and_is_flagged():
    dm = DM.assign(DTHDTC=["2026-05", "", ""])
    cut = Cut(date(2026, 6, 30), "mem", {"dm": dm, "ex": EX, "ds": DS[DS["DSDECOD"] != "DEATH"],
                                          "ae": AE, "rs": pd.DataFrame(columns=["USUBJID"])}, {})
    adsl = build_adsl(cut, load_config()).set_index("USUBJID")
    assert adsl.loc["S-1", "DTHDT"] == pd.Timestamp("2026-05-01")
    assert adsl.loc["S-1", "DTHDTF"] == "D"
    assert adsl.loc["S-1", "DTHCGR1"] == "OTHER"


@pytest.mark.parametrize("fatal_ae", [{"AEOUT": "fatal"}, {"AESDTH": " Y"}, {"AETOXGR": "5.0"},
                                      {"AETOXGR": " 5"}])
def test_fatal_ae_is_one_rule_for_adsl_death_cause_and_adae_fatalfl(fatal_ae):
    """AEOUT FATAL, AESDTH Y or grade 5, in any case and spacing: ADSL DTHCGR1 (a death with a
    fatal AE and no cause in DS is an adverse-event death) and ADAE FATALFL read fatal()."""
    ae = frame([{"USUBJID": "S-1", "AESEQ": "1", "AEDECOD": "HEPATIC FAILURE",
                 "AESTDTC": "2026-05-10", "AEOUT": "NOT RECOVERED/NOT RESOLVED", "AETOXGR": "4",
                 "AESDTH": "N", **fatal_ae}])
    cut = Cut(date(2026, 6, 30), "mem", {"dm": DM, "ex": EX, "ds": DS[DS["DSDECOD"] != "DEATH"],
                                          "ae": ae, "rs": pd.DataFrame(columns=["USUBJID"])}, {})
    adsl = build_adsl(cut, load_config())
    assert adsl.set_index("USUBJID").loc["S-1", ["DTHCGR1", "DTHCAUS"]].tolist() == [
        "ADVERSE EVENT", "HEPATIC FAILURE"]
    assert build_adae(adsl, cut, load_config())["FATALFL"].tolist() == ["Y"]

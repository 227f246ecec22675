"""AE and laboratory reconciliation (docs/safety.md item 12): grade >= 3 lab-type AEs without a
grade >= 3 value of their test within 7 days of onset, and grade >= 3 values without an AE."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tasks.adam.adae import build_adae
from tasks.adam.adlb import build_adlb
from tasks.analysis.safety_reconciliation import (
    AE_WITHOUT_LAB,
    LAB_WITHOUT_AE,
    reconciliation_blocks,
    reconciliation_data,
)
from tasks.config import load_config
from tasks.model import Cut, Table

CFG = load_config()
CUTOFF = date(2025, 12, 31)


def _adsl() -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": list("ABCDE"), "SAFFL": "Y", "TRT01A": "Arm", "TRT01AN": 1,
                         "TRTSDT": pd.Timestamp("2025-01-01"), "TRTEDT": pd.Timestamp("2025-06-01"),
                         "DTHDT": pd.NaT})


AE = pd.DataFrame([
    # A: grade 3 thrombocytopenia on 2025-03-10, platelets 120 on 03-08 and 40 on 03-18 (8 days)
    {"USUBJID": "A", "AESEQ": "1", "AEDECOD": "THROMBOCYTOPENIA", "AETOXGR": "3",
     "AESTDTC": "2025-03-10", "AEENDTC": "2025-03-20"},
    # B: grade 3 platelet count decreased on 2025-03-10, platelets 45 four days later: supported
    {"USUBJID": "B", "AESEQ": "1", "AEDECOD": "PLATELET COUNT DECREASED", "AETOXGR": "3",
     "AESTDTC": "2025-03-10", "AEENDTC": "2025-03-20"},
    # D: immune-mediated hepatitis from 2025-04-10, ongoing: explains D's ALT 300 (7.5 x ULN)
    {"USUBJID": "D", "AESEQ": "1", "AEDECOD": "IMMUNE-MEDIATED HEPATITIS", "AETOXGR": "3",
     "AESTDTC": "2025-04-10", "AEENDTC": ""},
    # E: ALT increased grade 2 starting 6 days after E's ALT 250: within the window
    {"USUBJID": "E", "AESEQ": "1", "AEDECOD": "ALANINE AMINOTRANSFERASE INCREASED", "AETOXGR": "2",
     "AESTDTC": "2025-05-07", "AEENDTC": "2025-05-20"},
]).assign(AETERM="", AEBODSYS="SOC", AESER="N", AEREL="", AEOUT="", AESDTH="")

LB = [("A", "PLAT", "2025-03-08", "120"), ("A", "PLAT", "2025-03-18", "40"),
      ("B", "PLAT", "2025-03-14", "45"),
      ("C", "ALT", "2025-02-01", "250"),                 # 6.25 x ULN, grade 3, no AE at all
      ("D", "ALT", "2025-05-01", "300"), ("E", "ALT", "2025-05-01", "250")]


def _lb() -> pd.DataFrame:
    uln = {"PLAT": ("150", "400", "10^9/L"), "ALT": ("0", "40", "U/L")}
    return pd.DataFrame([{"USUBJID": u, "LBSEQ": str(i), "LBTESTCD": t, "LBTEST": t, "LBDTC": d,
                          "LBSTRESN": v, "LBSTRESC": v, "LBSTRESU": uln[t][2],
                          "LBSTNRLO": uln[t][0], "LBSTNRHI": uln[t][1]}
                         for i, (u, t, d, v) in enumerate(LB, 1)])


@pytest.fixture(scope="module")
def adam() -> tuple[pd.DataFrame, pd.DataFrame]:
    cut = Cut(CUTOFF, "memory", {"ae": AE, "lb": _lb()}, {})
    return build_adae(_adsl(), cut, CFG), build_adlb(_adsl(), cut, CFG)


def test_findings_in_both_directions(adam):
    adae, adlb = adam
    data = reconciliation_data(_adsl(), adae, adlb, CFG, pd.Timestamp(CUTOFF))
    found = list(zip(data["FINDING"], data["USUBJID"], data["TEST"]))
    # A's platelets of 40 (grade 3) came 8 days after onset: no support, but the value lies
    # within the AE, so it is explained; B is supported; D's and E's ALT are explained
    assert found == [(AE_WITHOUT_LAB, "A", "PLAT"), (LAB_WITHOUT_AE, "C", "ALT")]
    a = data.iloc[0]
    # the worst value within 7 days of A's onset: 120 (below the 150 LLN: grade 1)
    assert (a["AVAL"], a["LBGRADE"], a["AEGRADE"], a["ASTDY"]) == (120, 1, 3, 69)
    assert (data.iloc[1]["AVAL"], data.iloc[1]["LBGRADE"], data.iloc[1]["R2ULN"]) == (250, 3, 6.25)


def test_the_window_is_seven_days_on_either_side(adam):
    adae, adlb = adam
    cfg = CFG.model_copy(update={"safety": CFG.safety.model_copy(update={
        "reconciliation": CFG.safety.reconciliation.model_copy(update={"window_days": 5})})})
    data = reconciliation_data(_adsl(), adae, adlb, cfg, pd.Timestamp(CUTOFF))
    # E's AE started 6 days after the value: outside a 5-day window
    assert (LAB_WITHOUT_AE, "E") in set(zip(data["FINDING"], data["USUBJID"]))


def test_listing_and_summary_line(adam):
    adae, adlb = adam
    summary, table = reconciliation_blocks(_adsl(), adae, adlb, CFG, pd.Timestamp(CUTOFF))[:2]
    assert "1 AE record(s) of grade >= 3 without a supporting laboratory value" in summary.text
    assert "1 laboratory value(s) of grade >= 3 without an AE" in summary.text
    assert isinstance(table, Table) and "reconciliation" in table.id
    assert table.display["Value (x ULN)"].tolist()[0] == "120 10^9/L (0.3)"


def test_an_empty_listing_says_so_in_words(adam):
    _, adlb = adam
    quiet = build_adae(_adsl(), Cut(CUTOFF, "memory", {"ae": AE.iloc[:0]}, {}), CFG)
    none = adlb[~adlb["PARAMCD"].isin(["PLAT", "ALT"])]
    table = reconciliation_blocks(_adsl(), quiet, none, CFG, pd.Timestamp(CUTOFF))[1]
    assert table.data.empty and table.display.iloc[0, 0].startswith("None: every lab-type AE")

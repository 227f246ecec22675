"""Dose changes: ADEXREC withheld/reduced records, ADEX counts, the per-drug action of ADAE
(SUPPAE first, then EX), the cycle of an AE's onset, and ADCM's immune-treatment class."""
from __future__ import annotations

from datetime import date

import pandas as pd

from tasks.adam.adae import build_adae
from tasks.adam.adcm import build_adcm
from tasks.adam.adex import build_adex
from tasks.adam.adexrec import build_adexrec
from tasks.config import load_config
from tasks.model import Cut

CFG = load_config()
DAYS = ["2025-01-01", "2025-01-22", "2025-02-12"]


def _adsl() -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": ["A"], "SAFFL": ["Y"], "TRT01A": ["Arm"], "TRT01AN": [1],
                         "TRTSDT": pd.to_datetime(["2025-01-01"]),
                         "TRTEDT": pd.to_datetime(["2025-02-12"]),
                         "DTHDT": [pd.NaT]})


def _ex() -> pd.DataFrame:
    """TQB2868 10 mg/kg q21d: cycle 2 withheld; ramucirumab 8 mg/kg: reduced to 6 from cycle 3."""
    rows = []
    for i, day in enumerate(DAYS, start=1):
        rows.append({"USUBJID": "A", "EXSEQ": str(len(rows) + 1), "EXTRT": "TQB2868",
                     "EXDOSU": "mg/kg", "EXDOSE": "0" if i == 2 else "10",
                     "EXOCCUR": "N" if i == 2 else "Y",
                     "EXADJ": "ADVERSE EVENT" if i == 2 else "", "EXSTDTC": day, "EXENDTC": day,
                     "VISIT": f"CYCLE {i} DAY 1"})
        rows.append({"USUBJID": "A", "EXSEQ": str(len(rows) + 1), "EXTRT": "RAMUCIRUMAB",
                     "EXDOSU": "mg/kg", "EXDOSE": "6" if i == 3 else "8", "EXOCCUR": "Y",
                     "EXADJ": "ADVERSE EVENT" if i == 3 else "", "EXSTDTC": day, "EXENDTC": day,
                     "VISIT": f"CYCLE {i} DAY 1"})
    return pd.DataFrame(rows)


def _cut(suppae: pd.DataFrame | None = None) -> Cut:
    ae = pd.DataFrame([
        {"USUBJID": "A", "AESEQ": "1", "AEDECOD": "PNEUMONITIS", "AETOXGR": "3",
         "AEACN": "DRUG INTERRUPTED", "AESTDTC": "2025-01-15"},
        {"USUBJID": "A", "AESEQ": "2", "AEDECOD": "HYPERTENSION", "AETOXGR": "3",
         "AEACN": "DOSE REDUCED", "AESTDTC": "2025-02-01"},
        {"USUBJID": "A", "AESEQ": "3", "AEDECOD": "NAUSEA", "AETOXGR": "1",
         "AEACN": "DOSE NOT CHANGED", "AESTDTC": "2024-12-20"}])
    ae = ae.assign(AETERM="", AEBODSYS="", AESER="N", AEREL="", AEOUT="", AESDTH="", AEENDTC="")
    domains = {"ae": ae, "ex": _ex()}
    if suppae is not None:
        domains["suppae"] = suppae
    return Cut(date(2025, 6, 30), "memory", domains, {})


def test_adexrec_flags_withheld_and_reduced_doses_with_their_cycle():
    records = build_adexrec(_adsl(), _ex(), CFG)
    tqb = records[records["EXTRT"].eq("TQB2868")]
    ram = records[records["EXTRT"].eq("RAMUCIRUMAB")]
    assert tqb["WITHHLFL"].tolist() == [None, "Y", None] and tqb["REDUCEFL"].isna().all()
    assert ram["REDUCEFL"].tolist() == [None, None, "Y"] and ram["WITHHLFL"].isna().all()
    assert records["ACYCLE"].tolist() == [1, 1, 2, 2, 3, 3]
    assert ram["ASTDY"].tolist() == [1, 22, 43] and set(records["COMPCD"]) == {"TQB2868", "RAM"}


def test_adex_counts_withheld_and_reduced_doses_and_rdi_reflects_them():
    adex = build_adex(_adsl(), _cut(), CFG).set_index("EXTRT")
    assert adex.loc["TQB2868", ["NWITHHLD", "NREDUCE", "NADMIN"]].tolist() == [1, 0, 2]
    assert adex.loc["RAMUCIRUMAB", ["NWITHHLD", "NREDUCE", "NADMIN"]].tolist() == [0, 1, 3]
    # TQB2868: 20 mg/kg over 42 + 21 days against 10 per 21 days: 20/63 / (10/21) = 2/3
    assert abs(adex.loc["TQB2868", "RDI"] - 2 / 3) < 1e-12
    assert abs(adex.loc["RAMUCIRUMAB", "RDI"] - 22 / 24) < 1e-12


def test_action_per_drug_from_ex_when_suppae_has_none():
    adae = build_adae(_adsl(), _cut(), CFG).set_index("AESEQ")
    # AE 1 (day 15): the next TQB2868 dose (day 22) was withheld, ramucirumab's was given: the
    # interruption was TQB2868's; AE 2 (day 32): ramucirumab's next dose (day 43) was reduced
    assert adae.loc["1", ["ACN_TQB2868", "ACN_RAM", "ACN_HAIC"]].tolist() == [
        "DRUG INTERRUPTED", "DOSE NOT CHANGED", "DOSE NOT CHANGED"]
    assert adae.loc["2", ["ACN_RAM", "ACN_TQB2868"]].tolist() == ["DOSE REDUCED",
                                                                  "DOSE NOT CHANGED"]
    assert adae.loc["3", "ACN_RAM"] == "DOSE NOT CHANGED"          # EX shows nothing: AEACN
    assert adae.loc[["1", "2"], "ACYCLE"].tolist() == [1, 2]
    assert pd.isna(adae.loc["3", "ACYCLE"])                        # before the first dose


def test_action_per_drug_from_suppae_first():
    supp = pd.DataFrame({"USUBJID": "A", "IDVAR": "AESEQ", "IDVARVAL": ["1", "1"],
                         "QNAM": ["AEACNTQB", "AEACNRAM"],
                         "QVAL": ["DRUG INTERRUPTED", "DOSE NOT CHANGED"]})
    adae = build_adae(_adsl(), _cut(supp), CFG).set_index("AESEQ")
    assert adae.loc["1", ["ACN_TQB2868", "ACN_RAM"]].tolist() == ["DRUG INTERRUPTED",
                                                                  "DOSE NOT CHANGED"]
    assert adae.loc["1", "ACN_HAIC"] == "DOSE NOT CHANGED"     # no SUPPAE: EX (TQB2868 withheld)


def test_adcm_classes_immune_treatments_and_leaves_topical_ones_out():
    cm = pd.DataFrame({"USUBJID": "A", "CMSEQ": ["1", "2", "3", "4"],
                       "CMTRT": ["Prednisone", "HYDROCORTISONE", "LEVOTHYROXINE", "PARACETAMOL"],
                       "CMDECOD": ["PREDNISONE", "HYDROCORTISONE", "LEVOTHYROXINE", "PARACETAMOL"],
                       "CMROUTE": ["ORAL", "TOPICAL", "ORAL", "ORAL"],
                       "CMSTDTC": ["2025-01-20", "2025-01", "2025-02-01", "2025-01-02"],
                       "CMENDTC": ["2025-02-20", "", "", "2025-01-03"]})
    adcm = build_adcm(_adsl(), Cut(date(2025, 6, 30), "memory", {"cm": cm}, {}), CFG)
    classes = adcm["IRTRTCL"].astype(object).where(adcm["IRTRTCL"].notna(), None).tolist()
    assert classes == ["Systemic corticosteroid", None, "Hormone replacement", None]
    assert adcm["ASTDT"].tolist()[1] == pd.Timestamp("2025-01-01")
    assert adcm["ASTDY"].tolist()[0] == 20
    assert pd.isna(adcm["AENDT"].iloc[1])

"""ADLB of the liver panel: baseline, on-treatment period, grades with the baseline rule, worst
grade flag, records that cannot be graded."""
from __future__ import annotations

from datetime import date

import pandas as pd

from tasks.adam.adlb import NO_DATE, NON_NUMERIC, RESULT_MISSING, build_adlb
from tasks.config import load_config
from tasks.model import Cut

CFG = load_config()


def _adsl() -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": ["S1"], "SAFFL": ["Y"], "TRT01A": ["Arm"], "TRT01AN": [1],
                         "TRTSDT": [pd.Timestamp("2025-03-10")],
                         "TRTEDT": [pd.Timestamp("2025-05-01")]})


def _lb(rows: list[tuple]) -> pd.DataFrame:
    """rows: (LBTESTCD, LBDTC, LBSTRESN, LBSTNRHI)"""
    return pd.DataFrame([{"USUBJID": "S1", "LBSEQ": str(i), "LBTESTCD": t, "LBTEST": t, "LBDTC": d,
                          "LBSTRESN": v, "LBSTRESC": v or "", "LBSTRESU": "U/L", "LBSTNRLO": "5",
                          "LBSTNRHI": hi} for i, (t, d, v, hi) in enumerate(rows, start=1)])


def _derive(rows: list[tuple]) -> pd.DataFrame:
    cut = Cut(date(2025, 12, 31), "memory", {"lb": _lb(rows)}, {})
    return build_adlb(_adsl(), cut, CFG)


def test_baseline_is_the_last_value_on_or_before_first_dose():
    out = _derive([("ALT", "2025-03-01", "30", "40"), ("ALT", "2025-03-10T08:00", "50", "40"),
                   ("ALT", "2025-03-11", "70", "40")])
    assert out["ABLFL"].tolist() == [None, "Y", None]
    assert out["BASE"].tolist() == [50.0] * 3 and out["BTOXGRN"].tolist() == [1.0] * 3
    assert out["ONTRTFL"].tolist() == [None, None, "Y"]


def test_on_treatment_period_ends_window_days_after_last_dose():
    # TRTEDT 2025-05-01 + 30 days = 2025-05-31
    out = _derive([("ALT", "2025-05-31", "30", "40"), ("ALT", "2025-06-01", "30", "40")])
    assert out["ONTRTFL"].tolist() == ["Y", None]


def test_abnormal_baseline_grades_by_multiples_of_baseline_and_worst_flag_is_first_highest():
    # baseline 60 > ULN 40: 89 is 1.48 x baseline (grade 0) though above ULN; 90 is 1.5 x (grade 1)
    out = _derive([("ALT", "2025-03-01", "60", "40"), ("ALT", "2025-03-20", "89", "40"),
                   ("ALT", "2025-04-01", "90", "40"), ("ALT", "2025-04-10", "95", "40")])
    assert out["ATOXGRN"].tolist() == [1.0, 0.0, 1.0, 1.0]
    assert out["WORSTFL"].tolist() == [None, None, "Y", None]
    assert out["R2ULN"].tolist() == [1.5, 89 / 40, 2.25, 95 / 40]


def test_records_that_cannot_be_graded_are_kept_with_the_reason():
    out = _derive([("BILI", "2025-04-01", "", "21"), ("BILI", "2025-04-01", "<5", "21"),
                   ("BILI", "2025-04-01", "30", ""), ("BILI", "2025-04", "30", "21"),
                   ("BILI", "2025-04-01", "30", "21"), ("GLUC", "2025-04-01", "5", "6")])
    assert len(out) == 5                                   # GLUC is not a liver test
    assert out["NOGRDRS"].tolist() == [RESULT_MISSING, NON_NUMERIC, "NO NORMAL RANGE", NO_DATE, ""]
    assert out["ATOXGRN"].isna().tolist() == [True, True, True, False, False]


def test_paramcd_is_the_panel_key_of_the_configured_lbtestcd():
    labs = CFG.labs.model_copy(update={"liver_tests": {"BILI": "TBILI"}})
    cfg = CFG.model_copy(update={"labs": labs})
    cut = Cut(date(2025, 12, 31), "memory", {"lb": _lb([("TBILI", "2025-04-01", "30", "20")])}, {})
    out = build_adlb(_adsl(), cut, cfg)
    assert out["PARAMCD"].tolist() == ["BILI"] and out["ATOXGRN"].tolist() == [1.0]


def test_no_lb_domain_gives_an_empty_adlb():
    out = build_adlb(_adsl(), Cut(date(2025, 12, 31), "memory", {}, {}), CFG)
    assert out.empty and {"ATOXGRN", "WORSTFL", "ONTRTFL", "R2ULN"} <= set(out.columns)

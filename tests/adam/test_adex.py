"""ADEX: administrations, cycles, cumulative dose, duration and relative dose intensity."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tasks.adam.adex import build_adex
from tasks.config import load_config
from tasks.model import Cut

CFG = load_config()   # OXALIPLATIN 85 mg/m2 q21 days (HAIC); RAMUCIRUMAB 8 mg/kg q21 days (RAM)


def _ex(rows: list[tuple]) -> pd.DataFrame:
    """rows: (USUBJID, EXTRT, EXDOSE, EXDOSU, EXSTDTC, VISIT)"""
    return pd.DataFrame([{"USUBJID": u, "EXTRT": t, "EXDOSE": d, "EXDOSU": unit, "EXSTDTC": day,
                          "EXENDTC": day, "VISIT": visit} for u, t, d, unit, day, visit in rows])


def _adsl() -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": ["S1", "S2"], "SAFFL": ["Y", "Y"], "TRT01A": ["Arm", "Arm"],
                         "TRT01AN": [1, 1], "TRTSDT": pd.to_datetime(["2025-01-01", "2025-02-01"]),
                         "TRTEDT": pd.to_datetime(["2025-02-19", "2025-02-01"])})


def _derive(rows: list[tuple]) -> pd.DataFrame:
    return build_adex(_adsl(), Cut(date(2025, 12, 31), "memory", {"ex": _ex(rows)}, {}), CFG)


def test_relative_dose_intensity_against_the_planned_regimen():
    # 85 + 85 + 68 mg/m2 on days 1, 22, 50: duration 49 + 21 = 70 days;
    # RDI = (238 / 70) / (85 / 21) = 3.4 / 4.0476 = 0.84
    out = _derive([("S1", "OXALIPLATIN", "85", "mg/m2", "2025-01-01", "CYCLE 1 DAY 1"),
                   ("S1", "OXALIPLATIN", "85", "mg/m2", "2025-01-22", "CYCLE 2 DAY 1"),
                   ("S1", "OXALIPLATIN", "68", "mg/m2", "2025-02-19", "CYCLE 3 DAY 1")])
    row = out.iloc[0]
    assert (row["COMPCD"], row["NADMIN"], row["NCYCLES"], row["CUMDOSE"], row["DURD"]) == \
        ("HAIC", 3, 3, 238.0, 70.0)
    assert (row["FDOSEDT"] == pd.Timestamp("2025-01-01")
            and row["LDOSEDT"] == pd.Timestamp("2025-02-19"))
    assert row["RDI"] == pytest.approx(0.84, abs=1e-12)


def test_zero_and_non_numeric_doses_are_not_administrations_but_are_counted():
    out = _derive([("S1", "RAMUCIRUMAB", "8", "mg/kg", "2025-01-01", "CYCLE 1 DAY 1"),
                   ("S1", "RAMUCIRUMAB", "0", "mg/kg", "2025-01-22", "CYCLE 2 DAY 1"),
                   ("S1", "RAMUCIRUMAB", "NA", "mg/kg", "2025-02-12", "CYCLE 3 DAY 1"),
                   ("S2", "RAMUCIRUMAB", "0", "mg/kg", "2025-02-01", "CYCLE 1 DAY 1")])
    s1, s2 = out.iloc[0], out.iloc[1]
    assert ((s1["NADMIN"], s1["NCYCLES"], s1["NDOSEUNK"], s1["CUMDOSE"], s1["DURD"])
            == (1, 1, 1, 8.0, 21.0))
    assert s1["RDI"] == pytest.approx(1.0)
    assert ((s2["NADMIN"], s2["CUMDOSE"]) == (0, 0.0) and pd.isna(s2["RDI"])
            and pd.isna(s2["FDOSEDT"]))


def test_no_rdi_when_the_unit_differs_from_the_plan_or_the_drug_is_not_configured():
    out = _derive([("S1", "RAMUCIRUMAB", "560", "mg", "2025-01-01", "CYCLE 1 DAY 1"),
                   ("S1", "ASPIRIN", "100", "mg", "2025-01-01", "")])
    by_drug = out.set_index("EXTRT")
    assert pd.isna(by_drug.at["RAMUCIRUMAB", "RDI"]) and pd.isna(by_drug.at["ASPIRIN", "RDI"])
    assert by_drug.at["ASPIRIN", "COMPCD"] == "ASPIRIN" and by_drug.at["ASPIRIN", "DURD"] == 1.0
    # no cycle visits: distinct administration days
    assert by_drug.at["ASPIRIN", "NCYCLES"] == 1

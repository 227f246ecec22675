"""AESI by group and PT with each group's window; exposure-adjusted incidence with exact Poisson
confidence limits checked against hand-computed and published values."""
from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from tasks.adam.adae import build_adae
from tasks.analysis.safety_aesi import aesi_table, incidence_data, patient_years, poisson_rate_ci
from tasks.analysis.safety_counts import treatment_columns
from tasks.config import load_config
from tasks.model import Cut

CFG = load_config()


def test_exact_poisson_limits_for_zero_events_in_closed_form():
    # k = 0: upper = chi2(0.975; 2) / 2 / T = -ln(0.025) / T
    rate, low, high = poisson_rate_ci(0, 10.0, 0.95)
    assert (rate, low) == (0.0, 0.0)
    assert high == pytest.approx(-math.log(0.025) / 10.0, rel=1e-12)


@pytest.mark.parametrize("k, low, high", [
    (1, 0.0253, 5.5716), (2, 0.2422, 7.2247), (5, 1.6235, 11.6683), (10, 4.7954, 18.3904),
])
def test_exact_poisson_limits_match_published_tables(k, low, high):
    # Garwood (1936) exact 95% limits for the mean of k Poisson events (exposure 1)
    _, lo, hi = poisson_rate_ci(k, 1.0, 0.95)
    assert lo == pytest.approx(low, abs=1e-4) and hi == pytest.approx(high, abs=1e-4)
    # a rate over T patient-years: the same limits divided by T
    rate, lo_t, hi_t = poisson_rate_ci(k, 4.0, 0.95)
    assert (rate, lo_t, hi_t) == pytest.approx((k / 4.0, lo / 4.0, hi / 4.0))


def _adsl() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": ["A", "B", "C"], "SAFFL": ["Y", "Y", "N"], "TRT01A": "Arm", "TRT01AN": 1,
        "TRTSDT": pd.to_datetime(["2025-01-01", "2025-01-01", None]),
        "TRTEDT": pd.to_datetime(["2025-03-01", "2025-01-01", None]),
        "DTHDT": pd.to_datetime([None, "2025-01-10", None]),
        "LSTALVDT": pd.to_datetime(["2025-12-31", "2025-01-10", None])})


def test_patient_years_run_to_last_dose_plus_window_ended_by_death():
    years = patient_years(_adsl(), 30)
    # A: 2025-01-01 .. 2025-03-31 = 90 days; B: died 2025-01-10 before 2025-01-31 = 10 days
    assert years.to_dict() == pytest.approx({"A": 90 / 365.25, "B": 10 / 365.25})
    assert patient_years(_adsl(), 90)["A"] == pytest.approx(150 / 365.25)   # to 2025-05-30


def _adae(rows: list[tuple]) -> pd.DataFrame:
    ae = pd.DataFrame([{"USUBJID": u, "AESEQ": str(i), "AEBODSYS": "X", "AEDECOD": pt, "AETOXGR": g,
                        "AESTDTC": onset} for i, (u, pt, g, onset) in enumerate(rows, 1)])
    return build_adae(_adsl(), Cut(date(2025, 12, 31), "memory", {"ae": ae}, {}), CFG)


def test_aesi_table_counts_each_group_with_its_window_and_lists_every_group():
    adae = _adae([("A", "HYPERTENSION", "3", "2025-02-01"),
                  ("A", "BLOOD PRESSURE INCREASED", "2", "2025-02-05"),
                  ("A", "HYPERTENSION", "2", "2025-04-15"),       # after last dose + 30: not TE
                  ("A", "HEPATITIS", "2", "2025-04-15"),          # immune-related: within + 90
                  ("C", "HYPERTENSION", "2", "2025-02-01")])      # not in the safety population
    columns = treatment_columns(_adsl(), by_arm=False)
    table = aesi_table(adae, columns, CFG)
    first = table.display.iloc[:, 0].str.strip().tolist()
    groups = list(CFG.aesi_groups())
    assert [t for t in first if t in groups] == groups            # every group, config order
    data = table.data.set_index(["LEVEL", "AESIGRP", "AEDECOD", "FLAG"])["n"]
    assert data[("OUTER", "Hypertension", "", "All grades")] == 1
    assert data[("OUTER", "Hypertension", "", "Grade >= 3")] == 1
    assert data[("INNER", "Hypertension", "BLOOD PRESSURE INCREASED", "All grades")] == 1
    assert data[("OUTER", "Immune-related adverse events", "", "All grades")] == 1
    assert data[("OUTER", "Proteinuria", "", "All grades")] == 0
    assert data[("ANY", "", "", "All grades")] == 1


def test_incidence_counts_events_over_patient_years_per_group():
    adae = _adae([("A", "HYPERTENSION", "3", "2025-02-01"),
                  ("A", "HYPERTENSION", "2", "2025-02-20"),
                  ("B", "HYPERTENSION", "1", "2025-01-05")])
    data = (incidence_data(_adsl(), adae, treatment_columns(_adsl(), by_arm=False), CFG)
            .set_index("AESIGRP"))
    row = data.loc["Hypertension"]
    years = (90 + 10) / 365.25
    assert (row["SUBJECTS"], row["EVENTS"], row["N"]) == (2, 3, 2)
    assert row["PATIENT_YEARS"] == pytest.approx(years)
    assert row["RATE_100PY"] == pytest.approx(100 * 3 / years)
    _, low, high = poisson_rate_ci(3, years, 0.95)
    assert (row["CI_LOW"], row["CI_HIGH"]) == pytest.approx((100 * low, 100 * high))
    immune = data.loc["Immune-related adverse events"]
    assert immune["PATIENT_YEARS"] == pytest.approx((150 + 10) / 365.25) and immune["EVENTS"] == 0

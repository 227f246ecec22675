"""Accrual, disposition, demographics: counts checked by hand on a tiny ADSL."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pandas as pd
import pytest

from tasks.analysis.conduct import (
    accrual_section,
    conduct_summary,
    demographics_section,
    disposition_section,
    populations,
)
from tasks.config import load_config
from tasks.model import Figure, Table

T = pd.Timestamp


@pytest.fixture
def adsl() -> pd.DataFrame:
    rows = [
        # USUBJID, SITEID, ENRLFL, SAFFL, FASFL, RSEVALFL, EOTSTT, DCTREAS, EOSSTT, DCSREAS, DTHFL,
        # AGE, SEX, ECOG, AFPBL
        ("S-1", "001", "Y", "Y", "Y", "Y", "ONGOING", "", "ONGOING", "", "", 60, "M", "0", 10.0),
        ("S-2", "001", "Y", "Y", "Y", "Y", "DISCONTINUED", "PROGRESSIVE DISEASE", "ONGOING", "", "",
         70, "F", "1", 900.0),
        ("S-3", "002", "Y", "Y", "Y", "N", "DISCONTINUED", "DEATH", "DISCONTINUED", "DEATH", "Y",
         66, "M", "1", 500.0),
        ("S-4", "002", "Y", "N", "N", "N", "NOT TREATED", "", "ONGOING", "", "", 50, "F", "0",
         None),
        ("S-5", "002", "N", "N", "N", "N", "NOT TREATED", "", "ONGOING", "", "", 45, "M", "", None),
    ]
    frame = pd.DataFrame(rows, columns=["USUBJID", "SITEID", "ENRLFL", "SAFFL", "FASFL", "RSEVALFL",
                                        "EOTSTT", "DCTREAS", "EOSSTT", "DCSREAS", "DTHFL", "AGE",
                                        "SEX", "ECOG", "AFPBL"])
    frame["AFPBLGR1"] = frame["AFPBL"].map(lambda v: "" if pd.isna(v)
                                           else ("< 400" if v < 400 else ">= 400"))
    frame["TRT01A"], frame["TRT01AN"] = "HAIC + TQB2868 + ramucirumab", 1
    frame["RACE"], frame["ETHNIC"] = "ASIAN", ""
    frame["RFICDT"] = [T("2025-05-03"), T("2025-05-20"), T("2025-07-01"), T("2025-07-02"),
                       T("2025-07-05")]
    frame["RANDDT"] = pd.NaT
    for column in ("BCLC", "CHILDPUG", "ETIOLOGY", "MVI", "EHS", "PRIORREG"):
        frame[column] = "X"
    return frame


def test_population_counts(adsl):
    assert asdict(populations(adsl)) == {"screened": 5, "enrolled": 4, "safety": 3,
                                         "full_analysis": 3, "efficacy": 2}


def test_accrual_by_site_and_cumulative_figure(adsl):
    table, figure = accrual_section(adsl, load_config(), date(2026, 10, 31))
    assert isinstance(table, Table) and isinstance(figure, Figure)
    assert table.data.set_index("SITEID").loc["002"].tolist() == [3, 2, 1]
    assert table.data.set_index("SITEID").loc["Total"].tolist() == [5, 4, 3]
    assert figure.data["cumulative"].tolist() == [2, 4]          # May 2025: 2, July 2025: +2
    assert "4 of 29 planned subjects enrolled (13.8%)" in table.footnotes[0]
    assert figure.svg.startswith("<?xml")


def test_disposition_counts_and_reasons_over_enrolled(adsl):
    (table,) = disposition_section(adsl, load_config(), by_arm=True)
    counts = dict(zip(table.data["category"].str.strip(), table.data.iloc[:, 1]))
    assert counts["Enrolled"] == 4 and counts["Treated (safety population)"] == 3
    assert counts["On treatment at the cutoff"] == 1 and counts["Discontinued treatment"] == 2
    assert counts["Progressive disease"] == 1 and counts["Died"] == 1
    assert counts["In follow-up (off treatment, alive, in study)"] == 1
    assert table.display.iloc[1, 1] == "3 (75.0)"


def test_demographics_counts_and_statistics_over_the_full_analysis_set(adsl):
    (table,) = demographics_section(adsl, load_config(), by_arm=True)
    shown: dict[str, str] = {}
    for label, value in zip(table.display.iloc[:, 0].str.strip(), table.display.iloc[:, 1]):
        shown.setdefault(label, value)                          # first occurrence: age
    assert shown["Mean (SD)"] == "65.3 (5.0)"                  # ages 60, 70, 66
    assert shown["Median (min, max)"] == "66.0 (60.0, 70.0)"
    assert shown[">= 65"] == "2 (66.7)" and shown["< 65"] == "1 (33.3)"
    assert table.display.columns[1].endswith("(N=3)")


def test_open_report_summary_has_no_results_by_arm(adsl):
    blocks = conduct_summary(adsl, load_config(), date(2026, 10, 31))
    assert "4 of 29 planned subjects enrolled" in blocks[0].text
    assert "closed session only" in blocks[1].text

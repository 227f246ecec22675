"""Liver tests: potential Hy's law (thresholds and window), worst grade and shift counts, the
eDISH data, and records not graded shown rather than dropped."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from tasks.adam.adlb import build_adlb
from tasks.analysis.safety_counts import treatment_columns
from tasks.analysis.safety_labs import (
    edish_data,
    edish_figure,
    hys_law_candidates,
    shift_tables,
    subject_grades,
    ungraded_blocks,
    worst_grade_table,
)
from tasks.config import load_config
from tasks.model import Cut, Table

CFG = load_config()   # Hy's law: ALT/AST > 3 x ULN, bilirubin > 2 x ULN, at most 30 days apart


def _adsl() -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": list("ABCD"), "SAFFL": "Y", "TRT01A": "Arm", "TRT01AN": 1,
                         "TRTSDT": pd.Timestamp("2025-01-01"),
                         "TRTEDT": pd.Timestamp("2025-06-01")})


def _adlb(rows: list[tuple]) -> pd.DataFrame:
    """rows: (USUBJID, LBTESTCD, LBDTC, value); ULN 40 U/L for ALT/AST, 20 umol/L for bilirubin"""
    uln = {"ALT": "40", "AST": "40", "BILI": "20"}
    lb = pd.DataFrame([{"USUBJID": u, "LBSEQ": str(i), "LBTESTCD": t, "LBTEST": t, "LBDTC": d,
                        "LBSTRESN": v, "LBSTRESC": v, "LBSTRESU": "U/L", "LBSTNRLO": "0",
                        "LBSTNRHI": uln[t]} for i, (u, t, d, v) in enumerate(rows, 1)])
    return build_adlb(_adsl(), Cut(date(2025, 12, 31), "memory", {"lb": lb}, {}), CFG)


ROWS = [
    ("A", "ALT", "2024-12-20", "30"), ("A", "BILI", "2024-12-20", "10"),     # baselines
    # 3.1 x, 2.05 x, 30 days later
    ("A", "ALT", "2025-02-01", "124"), ("A", "BILI", "2025-03-03", "41"),
    # 31 days apart: not a case
    ("B", "AST", "2025-02-01", "124"), ("B", "BILI", "2025-03-04", "41"),
    # exactly 3 x ULN: not > 3
    ("C", "ALT", "2025-02-01", "120"), ("C", "BILI", "2025-02-01", "60"),
    # bilirubin exactly 2 x ULN
    ("D", "AST", "2025-03-01", "200"), ("D", "BILI", "2025-02-20", "40"),
    # 2.25 x, 4 days before AST
    ("D", "BILI", "2025-02-25", "45"),
]


def test_hys_law_needs_both_thresholds_exceeded_within_the_window():
    cases = hys_law_candidates(_adlb(ROWS), CFG)
    assert cases["USUBJID"].tolist() == ["A", "D"]
    a, d = cases.iloc[0], cases.iloc[1]
    assert (a["TEST"], a["R2ULN_TRANS"], a["R2ULN_BILI"], a["DAYS_APART"]) == ("ALT", 3.1, 2.05, 30)
    assert (d["TEST"], d["R2ULN_BILI"], d["DAYS_APART"]) == ("AST", 2.25, -4)


def test_hys_law_same_day_rule_with_a_zero_window():
    cfg = CFG.model_copy(update={"labs": CFG.labs.model_copy(update={"hys_law_window_days": 0})})
    assert hys_law_candidates(_adlb(ROWS), cfg).empty


def test_edish_peaks_per_subject():
    adlb = _adlb(ROWS)
    columns = treatment_columns(_adsl(), by_arm=False)
    data = edish_data(adlb, hys_law_candidates(adlb, CFG), columns).set_index("USUBJID")
    assert data.loc["A", ["PEAK_ALT_AST_XULN", "PEAK_BILI_XULN"]].tolist() == [3.1, 2.05]
    assert data.loc["D", ["PEAK_ALT_AST_XULN", "PEAK_BILI_XULN"]].tolist() == [5.0, 2.25]
    assert data["HYSLAWFL"].tolist() == ["Y", "", "", "Y"]
    figure = edish_figure(data.reset_index(), CFG)
    assert figure.svg.startswith("<?xml") and figure.number == "14.3.8"


def test_worst_grade_and_shift_count_each_subject_once():
    adlb = _adlb(ROWS)
    columns = treatment_columns(_adsl(), by_arm=False)
    grades = subject_grades(adlb, columns, list(CFG.labs.liver_tests))
    worst = (worst_grade_table(adlb, grades, columns, CFG)
             .data.set_index(["PARAMCD", "CATEGORY"])["n"])
    # ALT on treatment: A 3.1 x ULN (grade 2), C 3.0 x (grade 1); B and D have no ALT
    assert worst[("ALT", "1")] == 1 and worst[("ALT", "2")] == 1
    assert worst[("ALT", "No on-treatment value")] == 2
    # bilirubin: A 2.05 x (2); B 2.05 x (2); C 3.0 x (2); D 2.25 x (2)
    assert worst[("BILI", "2")] == 4
    (table,) = shift_tables(adlb, grades, columns, CFG)
    shift = table.data.set_index(["PARAMCD", "BASECAT", "WORSTCAT"])["n"]
    assert shift[("ALT", "0", "2")] == 1               # A: baseline grade 0 -> worst 2
    assert shift[("ALT", "Missing", "1")] == 1         # C: no baseline
    assert shift[("ALT", "Missing", "Missing")] == 2   # B, D


def test_records_not_graded_are_counted_by_test_and_reason():
    adlb = _adlb([("A", "ALT", "2025-02-01", "<10"), ("A", "ALT", "2025-02-02", "<10"),
                  ("B", "BILI", "2025-02-01", "")])
    (table,) = ungraded_blocks(adlb, CFG)
    assert isinstance(table, Table)
    assert table.data[["PARAMCD", "NOGRDRS", "RECORDS", "SUBJECTS"]].values.tolist() == [
        ["ALT", "NON-NUMERIC RESULT", 2, 1], ["BILI", "RESULT MISSING", 1, 1]]


def _edish_frame(subjects: int, cases: int) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame({"USUBJID": [f"S{i:05d}" for i in range(subjects)], "COLUMN": "Total",
                         "PEAK_ALT_AST_XULN": rng.lognormal(0, 0.6, subjects),
                         "PEAK_BILI_XULN": rng.lognormal(-0.2, 0.4, subjects),
                         "HYSLAWFL": ["Y"] * cases + [""] * (subjects - cases)})


def test_edish_of_5000_subjects_is_a_density_with_the_cases_still_ringed():
    data = _edish_frame(5000, cases=3)
    figure = edish_figure(data, CFG)
    svg = figure.svg
    assert len(figure.data) == 5000                       # every subject in tables/
    assert svg.count("<image") == 2                      # rasters: the cells, the colour bar
    assert svg.count("<use ") < 500                     # glyphs and 3 rings, not 5,000 markers
    assert any("More than 300 subjects: 5000 subjects shaded by the number in each cell" in note
               and "tables/f_14_3_8_edish.csv" in note for note in figure.footnotes)
    assert figure.footnotes[0].startswith("Each subject counts in one cell")
    small = edish_figure(_edish_frame(CFG.report.max_figure_subjects, cases=3), CFG)
    assert "<image" not in small.svg and not any("More than" in n for n in small.footnotes)

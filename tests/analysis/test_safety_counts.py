"""Counting rules of the safety tables: once per row at the worst grade, a Missing column that
never drops a subject, percentages over the safety population, frequency order with ties."""
from __future__ import annotations

from datetime import date

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.adam.adae import build_adae
from tasks.analysis.safety_counts import INNER, OUTER, grade_scale, safety_events, treatment_columns
from tasks.analysis.safety_teae import pt_grade_table, soc_pt_table
from tasks.config import load_config
from tasks.model import Cut

CFG = load_config()


def _adsl() -> pd.DataFrame:
    # A, B, C in arm "X"; D in arm "Y" without AEs; E not dosed (not in the safety population)
    return pd.DataFrame({
        "USUBJID": list("ABCDE"), "SAFFL": ["Y", "Y", "Y", "Y", "N"],
        "TRT01A": ["X", "X", "X", "Y", "X"], "TRT01AN": [1, 1, 1, 2, 1],
        "TRTSDT": pd.to_datetime(["2025-01-01"] * 4 + [None]),
        "TRTEDT": pd.to_datetime(["2025-06-01"] * 4 + [None])})


def _adae(rows: list[tuple]) -> pd.DataFrame:
    """rows: (USUBJID, AEBODSYS, AEDECOD, AETOXGR)"""
    ae = pd.DataFrame([{"USUBJID": u, "AESEQ": str(i), "AEBODSYS": soc, "AEDECOD": pt, "AETOXGR": g,
                        "AESTDTC": "2025-02-01", "AESER": "N"}
                       for i, (u, soc, pt, g) in enumerate(rows, 1)])
    return build_adae(_adsl(), Cut(date(2025, 12, 31), "memory", {"ae": ae}, {}), CFG)


ROWS = [("A", "GI", "NAUSEA", "1"), ("A", "GI", "NAUSEA", "3"), ("A", "SKIN", "RASH", ""),
        ("B", "GI", "NAUSEA", ""), ("C", "SKIN", "RASH", "2"), ("C", "SKIN", "RASH", ""),
        ("E", "GI", "NAUSEA", "4")]


def test_subject_counts_once_per_pt_at_its_worst_grade_and_missing_is_a_column():
    adae = _adae(ROWS)
    columns = treatment_columns(_adsl(), by_arm=False)
    table = pt_grade_table(safety_events(adae), columns, grade_scale(adae), CFG)
    data = table.data.set_index(["LEVEL", "AEDECOD", "FLAG"])["n"]
    # NAUSEA: A worst 3 (grade 1 not counted again), B only missing; E is not in the safety
    # population
    assert data[(OUTER, "NAUSEA", "Any grade")] == 2
    assert data[(OUTER, "NAUSEA", "Grade 1")] == 0
    assert data[(OUTER, "NAUSEA", "Grade 3")] == 1
    assert data[(OUTER, "NAUSEA", "Missing")] == 1
    assert data[(OUTER, "NAUSEA", "Grade 4")] == 0
    # RASH: A missing only; C grade 2 (its missing record does not count once more)
    assert data[(OUTER, "RASH", "Grade 2")] == 1 and data[(OUTER, "RASH", "Missing")] == 1
    # Any TEAE: A worst 3, B missing, C 2
    assert ([data[("ANY", "", f)] for f in ("Any grade", "Grade 2", "Grade 3", "Missing")]
            == [3, 1, 1, 1])
    pct = table.data.set_index(["LEVEL", "AEDECOD", "FLAG"])["pct"]
    assert pct[(OUTER, "NAUSEA", "Any grade")] == 50.0          # 2 of N = 4
    assert list(table.display.columns) == ["Preferred term", "Any grade", "Grade 1", "Grade 2",
                                           "Grade 3", "Grade 4", "Grade 5", "Missing"]
    assert table.header_groups == [("", 1), ("Total\n(N=4)", 7)]


def test_soc_pt_table_all_grades_and_grade3_side_by_side_per_arm_with_total():
    adae = _adae(ROWS)
    columns = treatment_columns(_adsl(), by_arm=True)
    assert [(c, len(s)) for c, s in columns] == [("X", 3), ("Y", 1), ("Total", 4)]
    scale = grade_scale(adae)
    table = soc_pt_table(safety_events(adae), columns, scale, "t", "1", "T", [], "Any TEAE")
    cells = table.display
    assert (list(cells.columns)
            == ["System organ class\n   Preferred term"] + ["All grades", "Grade >= 3"] * 3)
    first = cells.iloc[:, 0].tolist()
    assert first == ["Any TEAE", "GI", "   NAUSEA", "SKIN", "   RASH"]       # tie 2-2: alphabetical
    assert cells.iloc[1, 1:].tolist() == ["2 (66.7)", "1 (33.3)", "0", "0", "2 (50.0)", "1 (25.0)"]


def test_rows_sorted_by_descending_frequency_then_alphabetical():
    rows = [("A", "SKIN", "RASH", "1"), ("B", "SKIN", "RASH", "1"), ("C", "SKIN", "PRURITUS", "1"),
            ("A", "GI", "VOMITING", "1"), ("B", "GI", "NAUSEA", "1"), ("C", "GI", "DIARRHOEA", "1"),
            ("D", "EYE", "BLURRED VISION", "1")]
    adae = _adae(rows)
    columns = treatment_columns(_adsl(), by_arm=False)
    table = soc_pt_table(safety_events(adae), columns, grade_scale(adae), "t", "1", "T", [], "Any")
    assert table.display.iloc[:, 0].str.strip().tolist() == [
        "Any", "GI", "DIARRHOEA", "NAUSEA", "VOMITING", "SKIN", "RASH", "PRURITUS", "EYE",
        "BLURRED VISION"]
    inner = table.data[(table.data["LEVEL"] == INNER) & (table.data["FLAG"] == "All grades")]
    assert inner.set_index("AEDECOD")["n"].to_dict() == {
        "DIARRHOEA": 1, "NAUSEA": 1, "VOMITING": 1, "RASH": 2, "PRURITUS": 1, "BLURRED VISION": 1}


def test_uncoded_terms_are_shown_not_dropped():
    adae = _adae([("A", "", "", "2")])
    columns = treatment_columns(_adsl(), by_arm=False)
    table = soc_pt_table(safety_events(adae), columns, grade_scale(adae), "t", "1", "T", [], "Any")
    assert table.display.iloc[:, 0].str.strip().tolist() == ["Any", "(NOT CODED)", "(NOT CODED)"]


@settings(max_examples=25)
@given(st.lists(st.tuples(st.sampled_from("ABCDE"), st.sampled_from(["GI", "SKIN"]),
                          st.sampled_from(["NAUSEA", "RASH", "PAIN"]),
                          st.sampled_from(["1", "2", "3", "5", ""])),
                min_size=1, max_size=25))
def test_each_subject_is_counted_in_exactly_one_grade_column_per_row(rows):
    adae = _adae(rows)
    columns = treatment_columns(_adsl(), by_arm=False)
    data = pt_grade_table(safety_events(adae), columns, grade_scale(adae), CFG).data
    wide = data.pivot_table(index="ORDER", columns="FLAG", values="n", aggfunc="sum")
    by_grade = wide.drop(columns="Any grade").sum(axis=1)
    assert (by_grade == wide["Any grade"]).all()
    safety = {"A", "B", "C", "D"}
    assert wide.loc[1, "Any grade"] == len({r[0] for r in rows} & safety)

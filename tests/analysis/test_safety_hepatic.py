"""Hepatic safety: the decompensation composite (subjects once, grade >= 3, results.json), the ALBI
baseline/worst grades and shift, TEAEs by Child-Pugh class, eDISH as multiples of baseline."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tasks.adam.adae import build_adae
from tasks.adam.adlb import build_adlb
from tasks.analysis.safety import group_results, safety_results
from tasks.analysis.safety_counts import grade_scale, treatment_columns
from tasks.analysis.safety_hepatic import (
    albi_shift_tables,
    albi_subjects,
    albi_table,
    child_pugh_blocks,
    child_pugh_columns,
    decompensation_blocks,
    edish_baseline_data,
    edish_baseline_figure,
)
from tasks.config import load_config
from tasks.model import Cut, Paragraph, Table
from tasks.results.safety import Share

CFG = load_config()
CUTOFF = date(2025, 12, 31)


def _adsl() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": list("ABCD"), "SAFFL": "Y", "TRT01A": "Arm", "TRT01AN": 1,
        "TRTSDT": pd.Timestamp("2025-01-01"), "TRTEDT": pd.Timestamp("2025-06-01"),
        "DTHFL": "", "DTHDT": pd.NaT, "DTHCAUS": "", "DTHCGR1": "",
        "CHILDPUG": ["A", "A", "B", ""]})


def _ae(rows: list[tuple]) -> pd.DataFrame:
    """rows: (USUBJID, AESEQ, AEDECOD, grade, onset)"""
    return pd.DataFrame([{"USUBJID": u, "AESEQ": q, "AEDECOD": d, "AEBODSYS": "SOC", "AETOXGR": g,
                          "AESER": "N", "AESTDTC": t, "AEREL": "RELATED"}
                         for u, q, d, g, t in rows])


AES = [("A", "1", "ASCITES", "2", "2025-02-01"), ("A", "2", "ASCITES", "3", "2025-03-01"),
       ("A", "3", "HAEMATEMESIS", "1", "2025-03-05"),
       ("B", "1", "OESOPHAGEAL VARICES HAEMORRHAGE", "3", "2025-04-01"),
       ("C", "1", "HEPATIC ENCEPHALOPATHY", "2", "2024-12-01"),    # before first dose: no TEAE
       ("D", "1", "NAUSEA", "1", "2025-02-01")]


@pytest.fixture(scope="module")
def adae() -> pd.DataFrame:
    return build_adae(_adsl(), Cut(CUTOFF, "memory", {"ae": _ae(AES)}, {}), CFG)


def test_decompensation_composite_counts_each_subject_once(adae):
    columns = treatment_columns(_adsl(), by_arm=True)
    table = decompensation_blocks(adae, columns, grade_scale(adae), CFG)[0]
    cells = zip(table.display.iloc[:, 1], table.display.iloc[:, 2])
    rows = dict(zip(table.display.iloc[:, 0].str.strip(), cells))
    assert rows["Any hepatic decompensation event"] == ("2 (50.0)", "2 (50.0)")
    assert rows["Ascites"] == ("1 (25.0)", "1 (25.0)")
    assert rows["Variceal or gastrointestinal bleeding"] == ("2 (50.0)", "1 (25.0)")
    assert rows["Hepatic encephalopathy"] == ("0", "0") and rows["Jaundice"] == ("0", "0")
    assert safety_results(_adsl(), adae, CFG).hepatic_decompensation == Share(2, 50.0)


def test_without_a_configured_composite_it_says_so(adae):
    cfg = CFG.model_copy(update={"safety": CFG.safety.model_copy(update={
        "hepatic": CFG.safety.hepatic.model_copy(update={"decompensation": {}})})})
    blocks = decompensation_blocks(adae, treatment_columns(_adsl(), True), grade_scale(adae), cfg)
    assert isinstance(blocks[0], Paragraph) and "no composite is configured" in blocks[0].text
    assert safety_results(_adsl(), adae, cfg).hepatic_decompensation is None


def _lb(rows: list[tuple]) -> pd.DataFrame:
    """rows: (USUBJID, LBTESTCD, LBDTC, value, unit, ULN)"""
    return pd.DataFrame([{"USUBJID": u, "LBSEQ": str(i), "LBTESTCD": t, "LBTEST": t, "LBDTC": d,
                          "LBSTRESN": v, "LBSTRESC": v, "LBSTRESU": unit, "LBSTNRLO": "1",
                          "LBSTNRHI": uln} for i, (u, t, d, v, unit, uln) in enumerate(rows, 1)])


LABS = [
    # A: baseline bilirubin 10 umol/L, albumin 45 g/L (ALBI 0.66 - 3.825 = -3.165: grade 1);
    # later 30 / 30
    # (0.66 log10 30 - 2.55 = -1.5751: grade 2)
    ("A", "BILI", "2024-12-28", "10", "umol/L", "20"),
    ("A", "ALB", "2024-12-28", "45", "g/L", "55"),
    ("A", "BILI", "2025-03-01", "30", "umol/L", "20"),
    ("A", "ALB", "2025-03-01", "30", "g/L", "55"),
    # B: in mg/dL and g/dL: 2 mg/dL = 34.2 umol/L, 2.5 g/dL = 25 g/L: -1.1124, grade 3 at baseline
    ("B", "BILI", "2024-12-30", "2", "mg/dL", "1.2"),
    ("B", "ALB", "2024-12-30", "2.5", "g/dL", "5.5"),
    # C: no albumin at all: no ALBI
    ("C", "BILI", "2024-12-30", "12", "umol/L", "20"),
    # eDISH by baseline: A's ALT 60 at baseline (ULN 40, abnormal), 240 on treatment = 4 x baseline
    ("A", "ALT", "2024-12-28", "60", "U/L", "40"), ("A", "ALT", "2025-03-01", "240", "U/L", "40"),
    # D's AST normal at baseline: not in the figure
    ("D", "AST", "2024-12-28", "30", "U/L", "40"), ("D", "AST", "2025-03-01", "300", "U/L", "40"),
]


@pytest.fixture(scope="module")
def adlb() -> pd.DataFrame:
    return build_adlb(_adsl(), Cut(CUTOFF, "memory", {"lb": _lb(LABS)}, {}), CFG)


def test_albi_baseline_and_worst_grades_and_shift(adlb):
    columns = treatment_columns(_adsl(), by_arm=True)
    data = albi_subjects(adlb, columns).set_index("USUBJID")
    assert data.loc["A", "BASE"] == pytest.approx(0.66 * 1 - 0.085 * 45)
    assert data.loc["A", "WORST"] == pytest.approx(0.66 * 1.4771212547 - 2.55, abs=1e-9)
    assert data.loc["A", ["BASEGR", "WORSTGR"]].tolist() == ["Grade 1", "Grade 2"]
    assert data.loc["B", "BASE"] == pytest.approx(0.66 * 1.5340261 - 0.085 * 25, abs=1e-6)
    assert data.loc["B", ["BASEGR", "WORSTGR"]].tolist() == ["Grade 3", "Missing"]
    assert data.loc["C", ["BASEGR", "WORSTGR"]].tolist() == ["Missing", "Missing"]
    table = albi_table(data.reset_index(), columns, CFG)
    cells = table.display.iloc[:, 1].tolist()
    assert cells[0] == "-2.14 (-3.17, -1.11)"          # baseline: A -3.165, B -1.112, C missing
    assert cells[1:5] == ["1 (25.0)", "0", "1 (25.0)", "2 (50.0)"]     # grades 1-3, missing
    assert cells[5] == "-1.58 (-1.58, -1.58)" and cells[6:10] == ["0", "1 (25.0)", "0", "3 (75.0)"]
    shift = albi_shift_tables(data.reset_index(), columns, CFG)[0].display
    shift = shift.set_index("Baseline ALBI grade")
    assert shift.loc["Grade 1", "Grade 2"] == "1" and shift.loc["Grade 3", "Missing"] == "1"
    assert shift.loc["Missing", "Missing"] == "2" and shift.loc["Grade 2", "Total"] == "0"


def test_teae_overview_by_child_pugh_class(adae):
    adsl = _adsl()
    classes = child_pugh_columns(adsl, CFG)
    assert [(label, list(ids)) for label, ids in classes] == [
        ("Child-Pugh A", ["A", "B"]), ("Child-Pugh B", ["C"]), ("Child-Pugh missing", ["D"])]
    results = list(zip([c for c, _ in classes], group_results(adsl, adae, classes, CFG)))
    table = child_pugh_blocks(adsl, results, grade_scale(adae), CFG)[0]
    assert isinstance(table, Table) and table.id == "t_14_3_10_4_teae_by_child_pugh"
    row = table.display.set_index("Category").loc["TEAE of grade >= 3"].tolist()
    assert row == ["2 (100.0)", "0", "0"]
    any_teae = table.display.set_index("Category").loc["Any TEAE"].tolist()
    assert any_teae == ["2 (100.0)", "0", "1 (100.0)"]


def test_edish_by_baseline_only_for_subjects_abnormal_at_baseline(adlb):
    columns = treatment_columns(_adsl(), by_arm=True)
    data = edish_baseline_data(adlb, columns, CFG)
    assert data["USUBJID"].tolist() == ["A"]
    assert data["PEAK_ALT_AST_XBASE"].tolist() == [4.0]
    assert data["PEAK_BILI_XBASE"].tolist() == [3.0] and data["ABOVEFL"].tolist() == ["Y"]
    figure = edish_baseline_figure(data, CFG)
    assert figure.svg.startswith("<?xml") and "n = 1" in figure.footnotes[0]


def test_edish_by_baseline_draws_a_density_above_the_subject_limit(adlb):
    columns = treatment_columns(_adsl(), by_arm=True)
    one = edish_baseline_data(adlb, columns, CFG)
    many = pd.concat([one.assign(USUBJID=f"S{i}", PEAK_ALT_AST_XBASE=1 + i / 100, ABOVEFL="")
                      for i in range(301)], ignore_index=True)
    figure = edish_baseline_figure(many, CFG)
    assert any("shaded by the number of subjects per cell" in n for n in figure.footnotes)
    assert len(figure.data) == 301

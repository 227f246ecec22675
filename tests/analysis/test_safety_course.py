"""AESI over time (docs/safety.md item 13) on five hand-made subjects: onset and resolution,
grade >= 3 by cycle, cumulative incidence with death competing, treatment after immune-related
AEs, action per drug, and the safety rule over all cycles."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from scipy.stats import beta

from tasks.adam.adae import build_adae
from tasks.adam.adcm import build_adcm
from tasks.adam.adexrec import build_adexrec
from tasks.analysis.safety_counts import treatment_columns
from tasks.analysis.safety_course import course_by_column, cycle_table
from tasks.analysis.safety_treatment import (
    action_table,
    all_cycles_paragraph,
    all_cycles_rule,
    immune_events,
    immune_treatment_table,
    immune_treatment_use,
    treated_subjects,
)
from tasks.config import load_config
from tasks.model import Cut
from tasks.results.verdict import Verdict

CFG = load_config()
CUTOFF = date(2025, 6, 30)
DAY1 = pd.Timestamp("2025-01-01")


def _adsl() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": list("ABCDE"), "SAFFL": "Y", "TRT01A": "Arm", "TRT01AN": 1, "TRTSDT": DAY1,
        "TRTEDT": pd.Timestamp("2025-03-01"), "DTHFL": ["", "", "", "Y", ""],
        "DTHDT": [pd.NaT, pd.NaT, pd.NaT, pd.Timestamp("2025-02-10"), pd.NaT],
        "LSTALVDT": pd.to_datetime(["2025-06-30"] * 3 + ["2025-02-10", "2025-06-30"])})


HELD, SAME = "DRUG INTERRUPTED", "DOSE NOT CHANGED"
RESOLVED, ONGOING = "RECOVERED/RESOLVED", "NOT RECOVERED/NOT RESOLVED"
AE = pd.DataFrame([
    ("A", "1", "HYPERTENSION", "3", HELD, "2025-01-11", "2025-01-20", RESOLVED),
    ("A", "2", "HYPERTENSION", "1", SAME, "2025-02-01", "", ONGOING),
    ("B", "1", "HYPERTENSION", "2", SAME, "2025-01-31", "2025-02-09", RESOLVED + " WITH SEQUELAE"),
    ("C", "1", "COLITIS", "3", SAME, "2025-02-15", "2025-03-01", RESOLVED),
    ("E", "1", "HYPOTHYROIDISM", "2", SAME, "2025-04-20", "", ONGOING),
], columns=["USUBJID", "AESEQ", "AEDECOD", "AETOXGR", "AEACN", "AESTDTC", "AEENDTC",
            "AEOUT"]).assign(AETERM="", AEBODSYS="SOC", AESER="N", AESDTH="",
                             AEREL=["RELATED"] * 4 + ["NOT RELATED"])


def _ex() -> pd.DataFrame:
    """TQB2868 and ramucirumab on days 1, 22, 43; A's ramucirumab of day 22 withheld."""
    rows = []
    for subject in "ABCDE":
        for cycle, day in enumerate(("2025-01-01", "2025-01-22", "2025-02-12"), start=1):
            for drug, dose in (("TQB2868", "10"), ("RAMUCIRUMAB", "8")):
                held = subject == "A" and drug == "RAMUCIRUMAB" and cycle == 2
                rows.append({"USUBJID": subject, "EXTRT": drug, "EXDOSU": "mg/kg",
                             "EXDOSE": "0" if held else dose, "EXOCCUR": "N" if held else "Y",
                             "EXSTDTC": day, "EXENDTC": day, "VISIT": f"CYCLE {cycle} DAY 1"})
    return pd.DataFrame(rows)


CM = pd.DataFrame([
    ("C", "PREDNISONE", "ORAL", "2025-02-17"),           # after C's colitis: systemic steroid
    ("C", "METHYLPREDNISOLONE", "INTRAVENOUS", "2025-05-15"),   # > 30 days after its end: no
    ("E", "LEVOTHYROXINE", "ORAL", "2025-04-22"),        # hormone replacement
    ("E", "HYDROCORTISONE", "TOPICAL", "2025-04-25"),    # topical: not systemic
    ("A", "PREDNISONE", "ORAL", "2025-01-15"),           # no immune-related AE
], columns=["USUBJID", "CMDECOD", "CMROUTE", "CMSTDTC"]).assign(CMTRT=lambda f: f["CMDECOD"],
                                                                CMENDTC="")


@pytest.fixture(scope="module")
def adam() -> dict:
    adsl = _adsl()
    cut = Cut(CUTOFF, "memory", {"ae": AE, "ex": _ex(), "cm": CM}, {})
    return {"adsl": adsl, "adae": build_adae(adsl, cut, CFG), "adcm": build_adcm(adsl, cut, CFG),
            "adexrec": build_adexrec(adsl, _ex(), CFG)}


def test_onset_resolution_and_cumulative_incidence_with_death_competing(adam):
    columns = treatment_columns(adam["adsl"], by_arm=True)
    by_column = course_by_column(adam["adsl"], adam["adae"], columns, CFG, CUTOFF)
    courses = {c.group: c for c in by_column["Arm"]}
    hypertension = courses["Hypertension"]
    # first onsets: A day 11, B day 31; 3 events, 2 resolved, both after 10 days
    assert (hypertension.subjects, hypertension.onset_median_days, hypertension.onset_min_days,
            hypertension.onset_max_days) == (2, 21.0, 11.0, 31.0)
    assert (hypertension.events, hypertension.resolved) == (3, 2)
    assert hypertension.resolution_median_days == 10.0
    # Aalen-Johansen, n = 5: day 11 event (1/5), day 31 event (+ 4/5 x 1/4), D's death on day 41
    # competes, C and E censored on day 90 (last dose + 30 days): 0.4 from day 31 on
    assert hypertension.cumulative_incidence == {"3": pytest.approx(0.4), "6": pytest.approx(0.4),
                                                 "12": pytest.approx(0.4)}
    immune = courses["Immune-related adverse events"]
    # E's hypothyroidism on day 110 counts: immune-related AEs are followed 90 days after last dose
    assert (immune.subjects, immune.onset_median_days) == (2, 78.0)
    assert courses["Proteinuria"].subjects == 0 and courses["Proteinuria"].onset_median_days is None


def test_grade_3_events_by_cycle_of_onset(adam):
    columns = treatment_columns(adam["adsl"], True)
    table = cycle_table(adam["adae"], columns, CFG).display.set_index("AESI group")
    cells = table.loc["Hypertension", ["Cycle 1", "Cycle 2", "Any cycle"]].tolist()
    assert cells == ["1", "0", "1 (20.0)"]
    assert table.loc["Immune-related adverse events", "Cycle 3"] == "1"


def test_treatment_after_immune_related_aes(adam):
    events = immune_events(adam["adae"], CFG)
    treated = treated_subjects(events, adam["adcm"], CFG, CUTOFF)
    use = immune_treatment_use(events, treated, pd.Index(list("ABCDE")), CFG)
    assert use.subjects_with_event == 2
    counts = [use.treated[c].subjects for c in ("Systemic corticosteroid", "Hormone replacement",
                                                 "Immunosuppressant", "Any")]
    assert counts == [1, 1, 0, 2]
    columns = treatment_columns(adam["adsl"], True)
    table = immune_treatment_table(adam["adae"], adam["adcm"], columns, CFG, CUTOFF)
    cells = table.display.iloc[:, 1].tolist()
    assert cells[:5] == ["2", "1 (50.0)", "0", "1 (50.0)", "2 (100.0)"]
    assert cells[5:7] == ["1", "1 (100.0)"]               # grade >= 3: C, given prednisone


def test_action_with_each_drug_from_ex(adam):
    table = action_table(adam["adae"], treatment_columns(adam["adsl"], True), CFG)
    rows = table.display.set_index(table.display.columns[0])
    assert list(table.display.columns[1:]) == ["HAIC (oxaliplatin + raltitrexed)", "TQB2868",
                                               "Ramucirumab"]
    start = list(rows.index).index("Hypertension")
    block = table.display.iloc[start:start + 4, 1:].values.tolist()
    # A's ramucirumab dose after the onset was withheld, TQB2868's given: only ramucirumab's
    assert block[0] == ["2", "2", "2"]
    assert block[1] == ["0", "0", "1 (50.0)"]
    reduced = table.data.query("AESIGRP == 'Hypertension' and COMPONENT == 'RAM' "
                               "and ACTION == 'DOSE REDUCED'")
    assert reduced["n"].item() == 0


def test_safety_rule_over_all_cycles(adam):
    rule = all_cycles_rule(adam["adsl"], adam["adae"], CFG, CUTOFF)
    # related grade >= 3 TEAEs: A (day 11) and C (day 46): t = 2 of m = 5; prior Beta(1, 1)
    assert (rule.t, rule.m, rule.rate) == (2, 5, 0.4)
    assert rule.posterior_prob == pytest.approx(beta.sf(0.33, 3, 4), abs=1e-12)
    crossing = [t for t in range(6) if beta.sf(0.33, 1 + t, 1 + 5 - t) > 0.8]
    assert rule.boundary_t == crossing[0] and rule.verdict == Verdict.CONTINUE
    text = all_cycles_paragraph(rule).text
    assert "2 of 5 subjects (40.0%)" in text and "supportive" in text

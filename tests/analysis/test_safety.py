"""The safety part of results.json, the blocks of the closed and open safety sections, deaths
within the window of last dose, long listings sent to tables/ and the exposure table."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tasks.adam.adae import build_adae
from tasks.adam.adex import build_adex
from tasks.adam.adlb import build_adlb
from tasks.analysis.deaths import death_listing, death_reconciliation, deaths_table
from tasks.analysis.safety import exposure_section, safety_overview, safety_results, safety_section
from tasks.analysis.safety_counts import treatment_columns
from tasks.analysis.safety_listings import listing_blocks, sae_listing
from tasks.config import load_config
from tasks.model import Cut, Figure, Paragraph, Table
from tasks.results.safety import Share

CFG = load_config()


def _adsl() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": list("ABCD"), "SAFFL": ["Y", "Y", "Y", "Y"], "TRT01A": "Arm", "TRT01AN": 1,
        "TRTSDT": pd.Timestamp("2025-01-01"), "TRTEDT": pd.Timestamp("2025-03-01"),
        "DTHFL": ["Y", "Y", "", ""],
        "DTHDT": pd.to_datetime(["2025-03-31", "2025-04-01", None, None]),
        "DTHCAUS": ["SEPSIS", "DISEASE PROGRESSION", "", ""],
        "DTHCGR1": ["ADVERSE EVENT", "DISEASE PROGRESSION", "", ""],
        "LSTALVDT": pd.to_datetime(["2025-03-31", "2025-04-01", "2025-06-30", "2025-06-30"]),
        "TRTDURD": [60.0] * 4})


def _cut() -> Cut:
    ae = pd.DataFrame([
        {"USUBJID": "A", "AESEQ": "1", "AEDECOD": "SEPSIS", "AEBODSYS": "INFECTIONS",
         "AETOXGR": "5", "AESER": "Y", "AEOUT": "FATAL", "AESTDTC": "2025-03-20",
         "AEREL": "NOT RELATED"},
        {"USUBJID": "A", "AESEQ": "2", "AEDECOD": "HYPERTENSION", "AEBODSYS": "VASCULAR",
         "AETOXGR": "3", "AESER": "N", "AEACN": "DRUG WITHDRAWN", "AESTDTC": "2025-01-20",
         "AEREL": "RELATED"},
        {"USUBJID": "B", "AESEQ": "1", "AEDECOD": "NAUSEA", "AEBODSYS": "GI", "AETOXGR": "1",
         "AESER": "N", "AESTDTC": "2025-01-05", "AEREL": "NOT RELATED"},
        {"USUBJID": "C", "AESEQ": "1", "AEDECOD": "NAUSEA", "AEBODSYS": "GI", "AETOXGR": "",
         "AESER": "N", "AESTDTC": "2024-12-01", "AEREL": "NOT RELATED"},       # before first dose
    ]).fillna("")
    ex = pd.DataFrame({"USUBJID": list("ABCD"), "EXTRT": "RAMUCIRUMAB", "EXDOSE": "8",
                       "EXDOSU": "mg/kg", "EXSTDTC": "2025-01-01", "EXENDTC": "2025-01-01",
                       "VISIT": "CYCLE 1 DAY 1"})
    lb = pd.DataFrame({"USUBJID": ["A"], "LBSEQ": ["1"], "LBTESTCD": ["ALT"], "LBTEST": ["ALT"],
                       "LBDTC": ["2025-02-01"], "LBSTRESN": ["100"], "LBSTRESC": ["100"],
                       "LBSTRESU": ["U/L"], "LBSTNRLO": ["0"], "LBSTNRHI": ["40"]})
    return Cut(date(2025, 6, 30), "memory", {"ae": ae, "ex": ex, "lb": lb}, {})


@pytest.fixture(scope="module")
def adam() -> dict:
    adsl, cut = _adsl(), _cut()
    return {"adsl": adsl, "adae": build_adae(adsl, cut, CFG), "adlb": build_adlb(adsl, cut, CFG),
            "adex": build_adex(adsl, cut, CFG)}


def test_results_json_safety_counts_over_the_safety_population(adam):
    results = safety_results(adam["adsl"], adam["adae"], CFG)
    one, two = Share(1, 25.0), Share(2, 50.0)
    assert results.population == 4
    assert ((results.teae, results.teae_grade3plus, results.serious, results.fatal)
            == (two, one, one, one))
    assert ((results.related, results.related_by_drug["RAM"], results.discontinuation)
            == (one, one, one))
    assert results.deaths == two and results.aesi["Hypertension"] == one
    # A: related hypertension grade 3 (sepsis grade 5 is not related); A died 30 days after the
    # last dose
    assert (results.related_grade3plus, results.deaths_in_window) == (one, one)
    assert results.aesi_grade3plus["Hypertension"] == one
    assert results.aesi_grade3plus["Proteinuria"] == Share(0, 0.0)
    assert results.grade_scale == "CTCAE grade"


def test_the_overview_table_shows_the_results_it_was_made_from(adam):
    results = safety_results(adam["adsl"], adam["adae"], CFG)
    table = safety_overview(results, adam["adae"], CFG)
    counts = dict(zip(table.display["Category"], table.display.iloc[:, 1]))
    assert counts["Any TEAE"] == "2 (50.0)" and counts["Fatal TEAE"] == "1 (25.0)"
    assert table.data.set_index("CATEGORY").loc["Serious TEAE", "n"] == results.serious.subjects


def test_closed_section_has_every_safety_table_and_the_edish_figure(adam):
    results = safety_results(adam["adsl"], adam["adae"], CFG)
    blocks = safety_section(adam["adsl"], adam["adae"], adam["adlb"], CFG, results, by_arm=True)
    numbers = [b.number for b in blocks if isinstance(b, (Table, Figure))]
    assert numbers == ["14.3.1", "14.3.2", "14.3.3", "14.3.4.1", "14.3.4.2", "14.3.4.3", "14.3.4.4",
                       "14.3.5.1", "14.3.5.2", "14.3.6.1", "14.3.6.2", "14.3.7", "14.3.8.1",
                       "14.3.8.2", "14.3.8.3", "14.3.8.4", "14.3.8",
                       "14.3.9"]   # 14.3.8.4 also when empty
    ids = [b.id for b in blocks if isinstance(b, (Table, Figure))]
    assert len(set(ids)) == len(ids)
    for table in (b for b in blocks if isinstance(b, Table)):
        assert not table.display.isna().any().any() and "nan" not in table.display.to_string()


def test_open_section_is_pooled_and_has_no_subject_listings(adam):
    results = safety_results(adam["adsl"], adam["adae"], CFG)
    blocks = safety_section(adam["adsl"], adam["adae"], adam["adlb"], CFG, results, by_arm=False)
    ids = [b.id for b in blocks if isinstance(b, (Table, Figure))]
    assert not [i for i in ids if "listing" in i or "hys_law" in i]
    assert isinstance(blocks[-1], Paragraph)
    overview = safety_overview(results, adam["adae"], CFG)
    assert overview.display.equals(blocks[0].display) and overview.number == "14.3.1"


def test_deaths_within_the_window_of_last_dose(adam):
    # last dose 2025-03-01: A died 30 days later (within 30), B 31 days later
    table = deaths_table(adam["adsl"], adam["adae"], treatment_columns(adam["adsl"], False), CFG)
    counts = table.data.set_index("CATEGORY")["n"]
    assert (counts["Deaths"] == 2 and counts["Adverse event"] == 1
            and counts["Disease progression"] == 1)
    assert (counts["Within 30 days of last dose"] == 1
            and counts["More than 30 days after last dose"] == 1)
    assert counts["With a fatal AE record"] == 1 and counts["Fatal TEAE (Table 14.3.1)"] == 1
    assert counts["Fatal AE without a recorded death"] == 0


def test_deaths_and_fatal_aes_are_reconciled_in_one_frame(adam):
    # B died 31 days after last dose of disease progression (no fatal AE: expected); D has a fatal
    # AE but no recorded death; C died 10 days after last dose, cause unknown, no fatal AE, with
    # an unresolved grade 3 SAE.
    adsl = adam["adsl"].copy()
    adsl.loc[2, ["DTHFL", "DTHDT", "DTHCAUS", "DTHCGR1"]] = ["Y", pd.Timestamp("2025-03-11"),
                                                             "UNKNOWN CAUSE", "OTHER"]
    extra = pd.DataFrame([
        {"USUBJID": "C", "AESEQ": "2", "AEDECOD": "PNEUMONIA", "AEBODSYS": "INFECTIONS",
         "AETOXGR": "3", "AESER": "Y", "AEOUT": "NOT RECOVERED/NOT RESOLVED",
         "AESTDTC": "2025-03-05", "AEREL": "RELATED"},
        {"USUBJID": "D", "AESEQ": "1", "AEDECOD": "HEPATIC FAILURE", "AEBODSYS": "HEPATOBILIARY",
         "AETOXGR": "5", "AESER": "Y", "AEOUT": "FATAL", "AESTDTC": "2025-02-01",
         "AEREL": "RELATED"}])
    cut = _cut()
    cut.domains["ae"] = pd.concat([cut["ae"], extra], ignore_index=True).fillna("")
    adae = build_adae(adsl, cut, CFG)
    frame = death_reconciliation(adsl, adae, CFG.safety).set_index("USUBJID")
    assert list(frame.index) == ["A", "B", "C", "D"]
    assert frame.loc["A", ["WITHIN_WINDOW", "FATAL_AE", "FATAL_TEAE", "ATTENTION"]].tolist() == [
        "Y", "SEPSIS", "Y", ""]
    assert frame.loc["B", ["WITHIN_WINDOW", "FATAL_AE", "ATTENTION"]].tolist() == ["N", "", ""]
    assert frame.loc["C", "DAYS_AFTER_LAST_DOSE"] == 10
    assert frame.loc["C", "ATTENTION"] == \
        "death within the window without a fatal AE record; cause of death unknown"
    assert frame.loc["C", "ONGOING_SAE"] == "PNEUMONIA (grade 3)"
    assert frame.loc["D", ["DTHFL", "FATAL_AE", "ATTENTION"]].tolist() == [
        "", "HEPATIC FAILURE", "fatal AE without a recorded death"]
    table = deaths_table(adsl, adae, treatment_columns(adsl, False), CFG)
    counts = table.data.set_index("CATEGORY")["n"]
    assert (counts["Deaths"], counts["Cause unknown"], counts["Without a fatal AE record"]) == \
        (3, 1, 2)
    assert counts["Of them without a fatal AE record"] == 1          # C (B is beyond 30 days)
    assert counts["Fatal TEAE (Table 14.3.1)"] == 2
    assert counts["Fatal AE without a recorded death"] == 1
    listing = death_listing(adsl, adae, CFG).display.set_index("Subject")
    assert listing.loc["D", ["Date of death", "Within 30 days", "Cause"]].tolist() == ["", "", ""]
    assert listing.loc["C", "For the DSMB's attention"].endswith("cause of death unknown")


def test_long_listing_goes_to_tables_csv_with_a_note_in_the_pdf(adam):
    report = CFG.report.model_copy(update={"max_listing_rows_in_pdf": 1})
    cfg = CFG.model_copy(update={"report": report})
    adae = pd.concat([adam["adae"], adam["adae"]], ignore_index=True)
    blocks = listing_blocks(sae_listing(adae, cfg, "ATOXGRN"), cfg)
    assert blocks[0].csv_only and len(blocks[0].data) == 2
    assert "tables/t_14_3_5_2_sae_listing.csv" in blocks[1].text
    short = listing_blocks(sae_listing(adam["adae"], CFG, "ATOXGRN"), CFG)
    assert len(short) == 1 and not short[0].csv_only
    assert short[0].display.iloc[0].tolist()[:5] == ["A", "Arm", "SEPSIS", "79", "5"]


def test_exposure_table_per_drug(adam):
    (table,) = exposure_section(adam["adsl"], adam["adex"], CFG, by_arm=False)
    assert table.number == "14.1.4"
    rows = dict(zip(table.display.iloc[:, 0].str.strip(), table.display.iloc[:, 1]))
    assert rows["Subjects dosed, n (%)"] == "4 (100.0)"
    assert rows["Relative dose intensity (%), median (min, max)"] == "100.0 (100.0, 100.0)"

"""The closed report of a simulated cut shows the safety picture (issue 11): a profile page and
files for every subject who died or had an SAE or a grade >= 4 TEAE, linked from the listings;
the hepatic package with results.json safety.hepatic_decompensation counted independently here;
the reconciliation listing; the AESI time course; nothing of it in the open package."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from tasks.config import load_config
from tasks.pdf_text import page_texts

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def version(simulated_published) -> Path:
    return simulated_published[1]


def _profiled(version: Path) -> set[str]:
    adsl = pd.read_parquet(version / "adam/adsl.parquet")
    adae = pd.read_parquet(version / "adam/adae.parquet")
    severe = adae["TRTEMFL"].eq("Y") & (pd.to_numeric(adae["AETOXGR"], errors="coerce") >= 4)
    return (set(adsl.loc[adsl["DTHFL"].eq("Y"), "USUBJID"])
            | set(adae.loc[adae["AESER"].eq("Y"), "USUBJID"]) | set(adae.loc[severe, "USUBJID"]))


def test_every_death_sae_and_grade_4_subject_has_a_profile_page_and_files(version):
    expected = _profiled(version)
    assert len(expected) >= 10
    limit = load_config().report.max_profiles_in_pdf
    assert len(expected) <= limit            # the demo size: every profile is a page
    reader = PdfReader(version / "report-closed.pdf")
    text = "\n".join(page_texts(version / "report-closed.pdf"))
    for subject in expected:
        assert f"Patient profile: {subject}" in text, subject
        assert (version / "figures" / "profiles" / f"{subject}.svg").is_file()
        assert (version / "tables" / "profiles" / f"{subject}.csv").is_file()
    index = pd.read_csv(version / "tables/t_14_3_13_profiles_index.csv")
    assert set(index["USUBJID"]) == expected and index["IN_PDF"].eq("Y").all()
    assert not (version / "open" / "tables" / "profiles").exists()
    links = [a.get_object().get("/Dest") or a.get_object().get("/A") for page in reader.pages
             for a in page.get("/Annots") or [] if a.get_object().get("/Subtype") == "/Link"]
    assert len([link for link in links if link is not None]) >= len(expected)


def test_hepatic_decompensation_in_results_counted_independently(version):
    results = json.loads((version / "results.json").read_text())
    adae = pd.read_parquet(version / "adam/adae.parquet")
    terms = {t for group in load_config().safety.hepatic.decompensation.values() for t in group}
    hit = adae["TRTEMFL"].eq("Y") & adae["AEDECOD"].str.upper().isin(terms)
    subjects = adae.loc[hit, "USUBJID"].nunique()
    safety = int(pd.read_parquet(version / "adam/adsl.parquet")["SAFFL"].eq("Y").sum())
    expected = {"subjects": subjects, "pct": 100 * subjects / safety}
    assert results["safety"]["hepatic_decompensation"] == expected
    assert subjects > 0


def test_the_safety_picture_tables_are_written_and_in_the_report(version):
    for stem in ("t_14_3_10_1_hepatic_decompensation", "t_14_3_10_2_albi", "t_14_3_10_3_albi_shift",
                 "t_14_3_10_4_teae_by_child_pugh", "f_14_3_10_edish_baseline",
                 "l_14_3_11_ae_lab_reconciliation", "t_14_3_12_1_aesi_onset_resolution",
                 "t_14_3_12_2_aesi_grade3_by_cycle", "t_14_3_12_3_aesi_cumulative_incidence",
                 "f_14_3_12_aesi_cumulative_incidence", "t_14_3_12_4_immune_ae_treatment",
                 "t_14_3_12_5_aesi_action_by_drug"):
        assert (version / "tables" / f"{stem}.csv").is_file(), stem
    text = "\n".join(page_texts(version / "report-closed.pdf"))
    for title in ("Hepatic decompensation events", "ALBI grade: shift from baseline",
                  "AE and laboratory reconciliation", "cumulative incidence of a first event",
                  "Safety rule over all cycles"):
        assert title in text, title
    course = json.loads((version / "results.json").read_text())["safety_course"]
    assert {c["group"] for c in course["aesi"]} >= {"Hypertension", "Immune-related adverse events"}
    assert course["all_cycles_rule"]["supportive"] is True

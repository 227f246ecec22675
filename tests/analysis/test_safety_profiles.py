"""Patient profiles (docs/safety.md item 14): who gets one and in which order, unambiguous file
names, the timeline's data, the narrative made from the data, the PDF cap and the links."""
from __future__ import annotations

from datetime import UTC, date

import pandas as pd
import pytest

from tasks.adam.adae import build_adae
from tasks.adam.adexrec import build_adexrec
from tasks.adam.adlb import build_adlb
from tasks.analysis.safety_listings import sae_listing
from tasks.analysis.safety_profiles import (
    appendix_blocks,
    link_subjects,
    patient_profiles,
    profile_name,
    profile_subjects,
)
from tasks.config import load_config
from tasks.model import Adam, Cut, Paragraph, Profile, Table
from tasks.report.document import ReportDocument
from tasks.report.render import render_html

CFG = load_config()
CUTOFF = date(2025, 12, 31)
DAY1 = pd.Timestamp("2025-01-01")


def _adsl() -> pd.DataFrame:
    dates = pd.to_datetime
    return pd.DataFrame({
        "USUBJID": ["S-1", "S-2", "S-3", "S-4"], "SAFFL": "Y", "TRT01A": "Arm", "TRT01AN": 1,
        "TRTSDT": DAY1, "TRTEDT": dates(["2025-03-01", "2025-03-01", "2025-03-01", "2025-01-22"]),
        "AGE": [61, 48, 70, 55], "SEX": ["M", "F", "M", "M"], "DTHFL": ["", "Y", "", "Y"],
        "DTHDT": dates([None, "2025-06-30", None, "2025-02-10"]),
        "DTHCAUS": ["", "DISEASE PROGRESSION", "", "HEPATIC FAILURE"],
        "EOTDT": dates(["2025-03-10", "2025-03-05", None, "2025-01-30"]),
        "DCTREAS": ["ADVERSE EVENT", "PROGRESSIVE DISEASE", "", "DEATH"],
        "LSTALVDT": dates(["2025-12-01", "2025-06-30", "2025-12-20", "2025-02-10"]),
        "ECOG": ["1"] * 4, "BCLC": ["C", "B", "C", "C"], "CHILDPUG": ["A", "B", "A", "A"]})


RECOVERED, ONGOING = "RECOVERED/RESOLVED", "NOT RECOVERED/NOT RESOLVED"
STOPPED, SAME = "DRUG WITHDRAWN", "DOSE NOT CHANGED"
AE = pd.DataFrame([
    ("S-1", "1", "PNEUMONITIS", "3", "Y", "2025-02-05", "2025-02-20", RECOVERED, STOPPED),
    ("S-1", "2", "NAUSEA", "1", "N", "2025-01-03", "2025-01-04", RECOVERED, SAME),
    ("S-3", "1", "RASH", "2", "N", "2025-01-10", "", ONGOING, SAME),
    ("S-4", "1", "HEPATIC FAILURE", "5", "Y", "2025-02-10", "2025-02-10", "FATAL", STOPPED),
    ("S-4", "2", "HEPATIC FAILURE", "4", "Y", "2025-02-01", "2025-02-09", ONGOING, STOPPED),
], columns=["USUBJID", "AESEQ", "AEDECOD", "AETOXGR", "AESER", "AESTDTC", "AEENDTC", "AEOUT",
            "AEACN"]).assign(AETERM="", AEBODSYS="SOC", AEREL="RELATED", AESDTH="")


def _ex() -> pd.DataFrame:
    return pd.DataFrame([{"USUBJID": s, "EXTRT": "TQB2868", "EXDOSU": "mg/kg", "EXDOSE": "10",
                          "EXOCCUR": "Y", "EXSTDTC": d, "EXENDTC": d, "VISIT": f"CYCLE {k} DAY 1"}
                         for s in ("S-1", "S-2", "S-3", "S-4")
                         for k, d in enumerate(("2025-01-01", "2025-01-22"), start=1)])


@pytest.fixture(scope="module")
def adam() -> Adam:
    adsl = _adsl()
    lb = pd.DataFrame([{"USUBJID": "S-1", "LBSEQ": "1", "LBTESTCD": "ALT", "LBTEST": "ALT",
                        "LBDTC": "2025-02-01", "LBSTRESN": "120", "LBSTRESC": "120",
                        "LBSTRESU": "U/L", "LBSTNRLO": "0", "LBSTNRHI": "40"}])
    cut = Cut(CUTOFF, "memory", {"ae": AE, "ex": _ex(), "lb": lb}, {})
    rs = pd.DataFrame({"USUBJID": ["S-2", "S-2"], "PARAMCD": "OVR", "AVALC": ["PR", "PD"],
                       "ADT": pd.to_datetime(["2025-02-12", "2025-03-01"])})
    empty = pd.DataFrame()
    return Adam(adsl=adsl, adrs=rs, adtte=empty, adae=build_adae(adsl, cut, CFG), adex=empty,
                adlb=build_adlb(adsl, cut, CFG), adtr=empty,
                adexrec=build_adexrec(adsl, _ex(), CFG))


def test_who_is_profiled_and_in_which_order(adam):
    chosen = profile_subjects(adam.adsl, adam.adae, window_days=30)
    # S-4 died 19 days after the last dose (first), S-2 died 121 days after it, S-1 had an SAE;
    # S-3 (grade 2, not serious, alive) has no profile
    assert chosen["USUBJID"].tolist() == ["S-4", "S-2", "S-1"]
    assert chosen["REASONS"].tolist() == ["died; serious AE; grade >= 4 TEAE", "died", "serious AE"]


def test_file_names_are_safe_and_never_shared():
    assert profile_name("STUDY-001-0001") == "STUDY-001-0001"
    a, b = profile_name("ABC/001 1"), profile_name("ABC_001_1")
    assert a.startswith("ABC_001_1-") and len(a) == len("ABC_001_1-") + 8
    assert b == "ABC_001_1" and a != b
    assert profile_name("..") != ".." and "/" not in profile_name("../x")
    assert "\\" not in profile_name("a\\b")


def test_timeline_data_and_narrative(adam):
    profiles = patient_profiles(adam, CFG, CUTOFF)
    first = profiles.pages[0]
    assert isinstance(first, Profile) and first.id == "S-4" and first.anchor == "profile-S-4"
    kinds = first.data.groupby("KIND").size().to_dict()
    assert kinds == {"AE": 2, "DEATH": 1, "DOSE": 2}
    assert first.data.loc[first.data["KIND"].eq("DEATH"), "STARTDY"].item() == 41
    assert first.svg.startswith("<?xml")
    text = first.narrative
    assert text.startswith("S-4 (Arm): a 55-year-old man (baseline: ECOG performance status 1; "
                           "BCLC stage C; Child-Pugh class A).")
    assert "First dose on 2025-01-01 (day 1)." in text
    # in order of study day: the end of treatment (day 30), the grade 4 record (day 32), the
    # fatal one (day 41)
    order = [text.index(part) for part in ("day 30: end of treatment (death)",
                                            "day 32: hepatic failure (grade 4, serious",
                                            "day 41: hepatic failure (grade 5, serious")]
    assert order == sorted(order)
    assert text.endswith("Outcome: died on 2025-02-10 (day 41) (hepatic failure), 19 days after "
                         "the last dose.")
    second = profiles.pages[1].narrative
    assert ("day 43: first response (PR); day 60: progressive disease; day 64: end of treatment "
            "(progressive disease)") in second
    third = profiles.pages[2].narrative
    assert "1 other adverse event(s) of grade 1-2 are in the timeline." in third
    assert third.endswith("Outcome: alive at the cutoff 2025-12-31, off treatment, last known "
                          "alive on 2025-12-01 (day 335).")


def test_only_the_first_profiles_are_pages_but_all_have_files(adam):
    report = CFG.report.model_copy(update={"max_profiles_in_pdf": 2})
    cfg = CFG.model_copy(update={"report": report})
    profiles = patient_profiles(adam, cfg, CUTOFF)
    assert [p.in_pdf for p in profiles.pages] == [True, True, False]
    assert profiles.links() == {"S-4": "profile-S-4", "S-2": "profile-S-2"}
    blocks = appendix_blocks(profiles, cfg)
    assert isinstance(blocks[0], Paragraph)
    assert "The first 2 are pages of this report" in blocks[0].text
    index = blocks[1]
    assert isinstance(index, Table) and index.display["Page"].tolist() == [
        "Figure 14.3.13.1", "Figure 14.3.13.2", "files only"]
    assert index.links == ["profile-S-4", "profile-S-2", ""]


def test_listings_link_to_profile_pages_in_the_html(adam):
    profiles = patient_profiles(adam, CFG, CUTOFF)
    listing = link_subjects(sae_listing(adam.adae, CFG, "ATOXGRN"), profiles.links())
    assert listing.links == ["profile-S-1", "profile-S-4", "profile-S-4"]
    from datetime import datetime

    from tasks.model import Section
    doc = ReportDocument(study_id="S", study_title="T", cutoff=CUTOFF, version=1, status="DRAFT",
                         reason="r", generated_at=datetime(2026, 1, 1, tzinfo=UTC),
                         kind="closed",
                         sections=[Section("safety", "Safety", [listing]),
                                   Section("profiles", "Appendix", appendix_blocks(profiles, CFG))])
    html = render_html(doc)
    assert html.count('href="#profile-S-4"') == 3            # two SAE rows and the index
    assert 'id="profile-S-4"' in html and 'class="profile-narrative"' in html
    assert "Patient profile: S-4" not in html.split('<nav class="toc">')[1].split("</nav>")[0]


def test_a_trial_where_nobody_needs_a_profile_has_an_appendix_that_says_so():
    """Early in a trial: nobody died, had an SAE or a grade >= 4 TEAE (S-3 only: grade 2)."""
    adsl = _adsl().iloc[[2]].reset_index(drop=True)
    ae, ex = AE[AE["USUBJID"].eq("S-3")], _ex().query("USUBJID == 'S-3'")
    cut = Cut(CUTOFF, "memory", {"ae": ae, "ex": ex}, {})
    empty = pd.DataFrame()
    adam = Adam(adsl=adsl, adrs=empty, adtte=empty, adae=build_adae(adsl, cut, CFG), adex=empty,
                adlb=build_adlb(adsl, cut, CFG), adtr=empty, adexrec=build_adexrec(adsl, ex, CFG))
    profiles = patient_profiles(adam, CFG, CUTOFF)
    assert profiles.pages == [] and profiles.index.empty and profiles.links() == {}
    blocks = appendix_blocks(profiles, CFG)
    assert len(blocks) == 1 and isinstance(blocks[0], Paragraph)
    assert blocks[0].text.startswith("None: no subject died, had a serious adverse event")

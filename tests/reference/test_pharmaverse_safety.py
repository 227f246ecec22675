"""ADAE and the TEAE table agree with admiral's ADAE of the CDISC pilot, record by record.

Rules that make this a like-for-like comparison (tests/reference/pharmaverse.yaml, and
docs/reference-differences.md "Safety"):
- TRTSDT/TRTEDT: the pilot gives placebo as EXDOSE 0; admiral's ADSL template counts a dose of 0
  of PLACEBO as a dose, and so does interim through its documented rule
  adsl.zero_dose_treatments: [PLACEBO] (not a special case in the ADAE code).
- TEAE window: last dose + 30 days (admiral's default end_window), safety.teae_window_days: 30.
- The pilot has no AETOXGR: the analysis grade is severity (AESEV), as admiral's ASEV.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tasks.adam.adae import build_adae
from tasks.adam.adsl import build_adsl
from tasks.analysis.safety_counts import INNER, grade_scale, safety_events, treatment_columns
from tasks.analysis.safety_teae import soc_pt_table
from tasks.config import load_config
from tasks.dates import earliest_date, latest_date
from tasks.model import Cut

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "pharmaverse"
FILES = {"dm": "dm.csv", "ds": "ds.csv", "ex": "ex.csv", "ae": "ae.csv", "suppae": "suppae.csv",
         "lb": "lb.csv.gz", "sv": "sv.csv"}
CUTOFF = date(2099, 12, 31)   # after every record: the reference was derived without a cutoff

pytestmark = pytest.mark.skipif(not REFERENCE.exists(),
                                reason="../shared/reference not beside the repo")


# the published run is looked up by name, hence shared_run (conftest: one worker holds the runs)
THROUGH_THE_FLOW = pytest.param("flow", marks=[pytest.mark.e2e, pytest.mark.shared_run])


@pytest.fixture(scope="module", params=["functions", THROUGH_THE_FLOW])
def derived(request) -> dict:
    """ADSL and ADAE from the derivation functions, or as the whole flow published them."""
    cfg = load_config(Path(__file__).with_name("pharmaverse.yaml"))
    ref = pd.read_csv(REFERENCE / "adam" / "adae.csv", dtype=str, keep_default_na=False)
    if request.param == "flow":
        version = request.getfixturevalue("pharmaverse_published")
        return {"cfg": cfg, "ref": ref, "adsl": pd.read_parquet(version / "adam" / "adsl.parquet"),
                "adae": pd.read_parquet(version / "adam" / "adae.parquet")}
    domains = {d: pd.read_csv(REFERENCE / "sdtm" / f, dtype=str, keep_default_na=False)
               for d, f in FILES.items()}
    cut = Cut(CUTOFF, str(REFERENCE), domains, {})
    adsl = build_adsl(cut, cfg)
    return {"cfg": cfg, "adsl": adsl, "adae": build_adae(adsl, cut, cfg), "ref": ref}


def _by_record(frame: pd.DataFrame) -> pd.DataFrame:
    return (frame.assign(AESEQ=frame["AESEQ"].astype(int)).set_index(["USUBJID", "AESEQ"])
            .sort_index())


def test_every_reference_record_is_derived_once(derived):
    mine, ref = _by_record(derived["adae"]), _by_record(derived["ref"])
    assert len(mine) == len(ref) == 1191
    assert mine.index.equals(ref.index)


def test_treatment_start_dates_agree_with_admiral_including_placebo(derived):
    # The documented rule adsl.zero_dose_treatments makes placebo (EXDOSE 0) a dose, as admiral.
    mine, ref = _by_record(derived["adae"]), _by_record(derived["ref"])
    ours = mine["TRTSDT"].dt.strftime("%Y-%m-%d").fillna("NA")
    assert (ours == ref["TRTSDT"]).all()
    adsl, ex = derived["adsl"], pd.read_csv(REFERENCE / "sdtm" / "ex.csv", dtype=str,
                                            keep_default_na=False)
    placebo = adsl[adsl["SAFFL"].eq("Y") & adsl["TRT01A"].eq("Placebo")]
    assert len(placebo) == 86
    assert ex.loc[ex["USUBJID"].isin(placebo["USUBJID"]), "EXDOSE"].astype(float).eq(0).all()
    assert mine.loc[mine["TRT01A"].eq("Placebo"), "TRTEMFL"].eq("Y").sum() > 0


def test_no_pilot_event_meets_the_end_date_ceiling_that_admiral_lacks(derived):
    # interim never imputes a partial start after the end date; admiral has no such rule. In the
    # pilot no partial start in the month of first dose ends before first dose, so nothing differs.
    adae = derived["adae"]
    partial = adae["ASTDTF"].ne("")
    first_dose_inside = (earliest_date(adae["AESTDTC"]) <= adae["TRTSDT"]) & \
        (adae["TRTSDT"] <= latest_date(adae["AESTDTC"]))
    assert partial.sum() == 26
    assert not (partial & first_dose_inside & (adae["AENDT"] < adae["TRTSDT"])).any()


def test_trtemfl_agrees_with_admiral_for_every_record(derived):
    mine, ref = _by_record(derived["adae"]), _by_record(derived["ref"])
    ours = mine["TRTEMFL"].fillna("NA")
    disagree = ours[ours != ref["TRTEMFL"]]
    assert disagree.empty, pd.DataFrame({"interim": disagree,
                                         "admiral": ref["TRTEMFL"][disagree.index]})
    assert (ours == "Y").sum() == 1122


def test_astdt_and_imputation_flag_agree_with_admiral_for_every_record(derived):
    mine, ref = _by_record(derived["adae"]), _by_record(derived["ref"])
    ours = mine["ASTDT"].dt.strftime("%Y-%m-%d").fillna("NA")
    disagree = ours[ours != ref["ASTDT"]]
    assert disagree.empty, pd.DataFrame({"interim": disagree,
                                         "admiral": ref["ASTDT"][disagree.index]})
    assert (mine["ASTDTF"].replace("", "NA") == ref["ASTDTF"]).all()
    # the partial dates of the pilot: 15 imputed days, 11 imputed months and days
    assert mine["ASTDTF"].value_counts().to_dict() == {"": 1165, "D": 15, "M": 11}


def test_worst_severity_flag_agrees_with_admiral_aoccifl(derived):
    mine, ref = _by_record(derived["adae"]), _by_record(derived["ref"])
    assert (mine["AOCCIFL"].fillna("NA") == ref["AOCCIFL"]).all()
    assert (mine["ASEVN"].astype(int).astype(str) == ref["ASEVN"]).all()


def test_teae_counts_by_soc_and_pt_agree_with_counts_from_admiral_adae(derived):
    adsl, adae = derived["adsl"], derived["adae"]
    columns = treatment_columns(adsl, by_arm=True)
    table = soc_pt_table(safety_events(adae), columns, grade_scale(adae), "t", "14.3.2", "TEAE", [],
                         "Any TEAE")
    rows = table.data[(table.data["LEVEL"] == INNER) & (table.data["FLAG"] == "All grades")]
    mine = rows.set_index(["COLUMN", "AEBODSYS", "AEDECOD"])["n"]
    mine = mine[mine > 0].sort_index()

    ref = derived["ref"]
    teae = ref[ref["TRTEMFL"].eq("Y") & ref["SAFFL"].eq("Y")]
    by_arm = teae.groupby(["TRT01A", "AEBODSYS", "AEDECOD"])["USUBJID"].nunique()
    total = pd.concat({"Total": teae.groupby(["AEBODSYS", "AEDECOD"])["USUBJID"].nunique()})
    expected = (pd.concat([by_arm, total]).rename_axis(["COLUMN", "AEBODSYS", "AEDECOD"])
                .sort_index())

    assert ([c for c, _ in columns]
            == ["Placebo", "Xanomeline High Dose", "Xanomeline Low Dose", "Total"])
    assert mine.index.equals(expected.index)
    assert (mine.to_numpy() == expected.to_numpy()).all()

    # denominators: admiral's safety population; the "any TEAE" row: subjects with a TEAE
    ref_adsl = pd.read_csv(REFERENCE / "adam" / "adsl.csv", dtype=str, keep_default_na=False)
    n_ref = ref_adsl[ref_adsl["SAFFL"].eq("Y")].groupby("TRT01A").size()
    assert {c: len(s) for c, s in columns} == {**n_ref.to_dict(), "Total": 254}
    any_row = table.data[(table.data["LEVEL"] == "ANY") & (table.data["FLAG"] == "All grades")]
    assert any_row.set_index("COLUMN").at["Total", "n"] == teae["USUBJID"].nunique() == 217

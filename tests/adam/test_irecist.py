"""iRECIST (docs/efficacy.md, iRECIST): IBOR and ICBOR from RSCAT iRECIST records, one test per
rule, on hand-made sequences; RECIST 1.1 and iRECIST records never mix."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tasks.adam.adrs import build_adrs
from tasks.config import load_config
from tasks.model import Cut

REF = pd.Timestamp("2025-01-01")
BASE_CFG = load_config()


def config(max_days: int | None = 56, **response):
    rc = BASE_CFG.response
    irecist = rc.irecist.model_copy(update={"confirm_max_days": max_days})
    return BASE_CFG.model_copy(update={"response": rc.model_copy(update={"irecist": irecist,
                                                                         **response})})


def derive(subjects: dict[str, list[tuple[int, str]]], recist: dict | None = None,
           cfg=None) -> pd.DataFrame:
    """ADRS for {USUBJID: [(day after the reference date, iRECIST response), ...]}; `recist`
    adds RECIST 1.1 records (RSCAT RECIST 1.1) in the same form."""
    rows = [(s, "iRECIST", n, r) for s, visits in subjects.items() for n, r in visits]
    rows += [(s, "RECIST 1.1", n, r) for s, visits in (recist or {}).items() for n, r in visits]
    rs = pd.DataFrame([{"STUDYID": "S", "USUBJID": s, "RSSEQ": str(i + 1), "RSTESTCD": "OVRLRESP",
                        "RSCAT": cat, "RSEVAL": "INVESTIGATOR", "VISIT": f"V{i}",
                        "VISITNUM": str(i), "RSSTRESC": r,
                        "RSDTC": (REF + pd.Timedelta(days=n)).strftime("%Y-%m-%d")}
                       for i, (s, cat, n, r) in enumerate(rows)])
    ids = sorted({*subjects, *(recist or {})})
    adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ids, "TRTSDT": REF, "RANDDT": pd.NaT,
                         "DTHFL": "", "DTHDT": pd.NaT, "FASFL": "Y",
                         "LSTALVDT": REF + pd.Timedelta(days=400)})
    return build_adrs(adsl, Cut(date(2030, 1, 1), "memory", {"rs": rs}, {}), cfg or config())


def best(adrs: pd.DataFrame, paramcd: str, usubjid: str = "A") -> tuple[str, int | None]:
    rec = adrs[(adrs["PARAMCD"] == paramcd) & (adrs["USUBJID"] == usubjid)].iloc[0]
    return rec["AVALC"], None if pd.isna(rec["ADT"]) else (rec["ADT"] - REF).days


def test_iupd_confirmed_by_icpd_4_to_8_weeks_later_is_icpd_dated_at_the_iupd():
    adrs = derive({"A": [(42, "iSD"), (84, "iUPD"), (126, "iCPD")],
                   "B": [(84, "iUPD"), (104, "iCPD")],          # 20 days: too early
                   "C": [(84, "iUPD"), (150, "iCPD")]})         # 66 days: too late
    assert best(adrs, "IBOR", "A") == ("iSD", 42)               # iSD ranks above iCPD
    assert best(derive({"A": [(30, "iSD"), (84, "iUPD"), (126, "iCPD")]}), "IBOR") == ("iCPD", 84)
    assert best(adrs, "IBOR", "B") == ("iUPD", 84)
    assert best(adrs, "IBOR", "C") == ("iUPD", 84)
    assert best(derive({"C": [(84, "iUPD"), (150, "iCPD")]}, cfg=config(None)), "IBOR", "C") == (
        "iCPD", 84)


def test_a_run_of_iupd_is_confirmed_from_its_last_iupd_and_dated_at_its_first():
    adrs = derive({"A": [(42, "iUPD"), (84, "NE"), (126, "iUPD"), (168, "iCPD")]})
    assert best(adrs, "IBOR") == ("iCPD", 42)
    assert best(adrs, "ICBOR") == ("iCPD", 42)


def test_iupd_followed_by_isd_ipr_or_icr_resets_and_a_later_iupd_needs_its_own_confirmation():
    adrs = derive({"A": [(20, "iUPD"), (62, "iSD"), (104, "iUPD")],
                   "B": [(20, "iUPD"), (62, "iPR"), (104, "iCPD")],
                   "C": [(20, "iUPD"), (50, "iCR"), (90, "iCR")]})
    assert best(adrs, "IBOR", "A") == ("iSD", 62)
    # B: the iCPD follows an iPR, not an iUPD: it confirms nothing.
    assert best(adrs, "IBOR", "B") == ("iPR", 62)
    assert best(adrs, "ICBOR", "B") == ("iSD", 62)
    assert best(adrs, "ICBOR", "C") == ("iCR", 50)


def test_unconfirmed_iupd_at_the_last_assessment_stays_iupd():
    adrs = derive({"A": [(20, "iSD"), (42, "iUPD")], "B": [(42, "iUPD"), (84, "NE")]})
    assert best(adrs, "IBOR", "A") == ("iUPD", 42)
    assert best(adrs, "ICBOR", "B") == ("iUPD", 42)


def test_icr_ipr_confirmed_as_by_recist_with_iupd_between_breaking_the_confirmation():
    adrs = derive({"A": [(42, "iPR"), (84, "iPR")],
                   "B": [(42, "iPR"), (63, "iUPD"), (84, "iPR")],
                   "C": [(42, "iPR"), (56, "iPR")]})            # 14 days: not confirmed
    assert best(adrs, "ICBOR", "A") == ("iPR", 42)
    assert best(adrs, "ICBOR", "B") == ("iSD", 42)
    assert best(adrs, "ICBOR", "C") == ("iSD", 42)
    assert best(adrs, "IBOR", "C") == ("iPR", 42)


def test_early_isd_is_ne_and_nothing_after_the_first_icpd_counts():
    adrs = derive({"A": [(30, "iSD")], "B": [(42, "iUPD"), (84, "iCPD"), (126, "iPR")]})
    assert best(adrs, "IBOR", "A") == ("NE", 30)
    assert best(adrs, "IBOR", "B") == ("iCPD", 42)
    iovr = adrs[(adrs["PARAMCD"] == "IOVR") & (adrs["USUBJID"] == "B")]
    assert iovr["EXCLREAS"].tolist() == ["", "", "after the first PD"]


def test_an_icpd_that_confirms_no_iupd_is_unconfirmed_progression():
    assert best(derive({"A": [(42, "iCPD")]}), "IBOR") == ("iUPD", 42)


def test_terms_are_read_whatever_their_case_and_aval_follows_the_irecist_order():
    adrs = derive({"A": [(42, "ICR"), (84, "icr")]})
    assert best(adrs, "ICBOR") == ("iCR", 42)
    rec = adrs[adrs["PARAMCD"].isin(["IBOR", "ICBOR"])]
    assert rec["AVAL"].tolist() == [1.0, 1.0]
    assert adrs.loc[adrs["PARAMCD"] == "IOVR", "AVALC"].tolist() == ["iCR", "iCR"]


def test_recist_and_irecist_records_are_analysed_apart():
    adrs = derive({"A": [(42, "iUPD"), (84, "iPR"), (126, "iPR")]},
                  recist={"A": [(42, "PD"), (84, "PR")]})
    assert best(adrs, "BOR") == ("PD", 42)
    assert best(adrs, "ICBOR") == ("iPR", 84)
    assert adrs.loc[adrs["PARAMCD"] == "OVR", "AVALC"].tolist() == ["PD", "PR"]
    assert len(adrs[adrs["PARAMCD"] == "IOVR"]) == 3


def test_a_cut_without_irecist_records_has_no_irecist_parameters():
    adrs = derive({}, recist={"A": [(42, "SD")]})
    assert not adrs["PARAMCD"].isin(["IOVR", "IBOR", "ICBOR"]).any()


def test_only_irecist_records_leave_every_recist_parameter_missing():
    adrs = derive({"A": [(42, "iSD")], "B": [(42, "iPR"), (84, "iCR")]})
    assert adrs.loc[adrs["PARAMCD"] == "CBOR", "AVALC"].tolist() == ["MISSING", "MISSING"]
    assert best(adrs, "ICBOR", "B") == ("iPR", 42)


@pytest.mark.parametrize("missing_as_ne,expected", [(False, "MISSING"), (True, "NE")])
def test_subject_without_irecist_assessment(missing_as_ne, expected):
    adrs = derive({"A": [(42, "iSD")]}, recist={"B": [(42, "SD")]},
                  cfg=config(missing_as_ne=missing_as_ne))
    assert best(adrs, "IBOR", "B") == (expected, None)

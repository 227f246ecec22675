"""Independent review (docs/efficacy.md): the second evaluator's OVRIRC, BORIRC, CBORIRC and
PFSIRC, from its accepted reader's records, apart from the investigator's parameters."""
from __future__ import annotations

from datetime import date

import pandas as pd

from tasks.adam.adrs import build_adrs
from tasks.adam.adtte import build_adtte
from tasks.config import load_config
from tasks.model import Cut

REF = pd.Timestamp("2025-01-01")
BASE_CFG = load_config()
IRC = "INDEPENDENT ASSESSOR"


def config(**response):
    return BASE_CFG.model_copy(update={"response": BASE_CFG.response.model_copy(update=response)})


def derive(rows: list[tuple[str, str, str, int, str]], **response):
    """ADRS and ADTTE of subject A from RS rows (RSEVAL, RSEVALID, RSACPTFL, day, response)."""
    rs = pd.DataFrame([{"STUDYID": "S", "USUBJID": "A", "RSSEQ": str(i + 1), "RSTESTCD": "OVRLRESP",
                        "RSEVAL": ev, "RSEVALID": reader, "RSACPTFL": accepted, "VISIT": f"V{n}",
                        "VISITNUM": str(n), "RSSTRESC": r,
                        "RSDTC": (REF + pd.Timedelta(days=n)).strftime("%Y-%m-%d")}
                       for i, (ev, reader, accepted, n, r) in enumerate(rows)])
    adsl = pd.DataFrame({"STUDYID": "S", "USUBJID": ["A"], "TRTSDT": REF, "RANDDT": pd.NaT,
                         "DTHFL": "", "DTHDT": pd.NaT, "FASFL": "Y",
                         "LSTALVDT": REF + pd.Timedelta(days=400), "TRT01A": "ARM", "TRT01AN": 1})
    cut = Cut(date(2030, 1, 1), "memory", {"rs": rs}, {})
    cfg = config(**response)
    adrs = build_adrs(adsl, cut, cfg)
    return adrs, build_adtte(adsl, adrs, cut, cfg)


def value(frame: pd.DataFrame, paramcd: str, column: str = "AVALC"):
    return frame.loc[frame["PARAMCD"] == paramcd, column].iloc[0]


TWO_READERS = [
    ("INVESTIGATOR", "", "", 42, "PR"), ("INVESTIGATOR", "", "", 84, "PR"),
    ("INVESTIGATOR", "", "", 126, "PD"),
    (IRC, "RADIOLOGIST 1", "Y", 42, "SD"), (IRC, "RADIOLOGIST 2", "", 42, "PR"),
    (IRC, "RADIOLOGIST 1", "", 84, "SD"), (IRC, "RADIOLOGIST 2", "Y", 84, "PD"),
    (IRC, "RADIOLOGIST 1", "Y", 126, "PD"), (IRC, "RADIOLOGIST 2", "", 126, "PD")]


def test_second_analysis_reads_the_accepted_reader_of_each_assessment():
    adrs, adtte = derive(TWO_READERS)
    assert adrs.loc[adrs["PARAMCD"] == "OVRIRC", ["AVALC", "RSSEQ"]].values.tolist() == [
        ["SD", "4"], ["PD", "7"], ["PD", "8"]]
    assert (value(adrs, "BORIRC"), value(adrs, "CBORIRC")) == ("SD", "SD")
    assert (value(adrs, "BOR"), value(adrs, "CBOR")) == ("PR", "PR")
    # PD by the reviewer on day 84, by the investigator on day 126.
    assert (value(adtte, "PFSIRC", "AVAL"), value(adtte, "PFSIRC", "CNSR")) == (85.0, 0)
    assert (value(adtte, "PFS", "AVAL"), value(adtte, "PFS", "CNSR")) == (127.0, 0)
    assert value(adtte, "PFSIRC", "PARAM") == "Progression-Free Survival by Independent Assessor"


def test_no_second_analysis_without_independent_records_or_when_not_configured():
    investigator = [row for row in TWO_READERS if row[0] == "INVESTIGATOR"]
    for rows, response in ((investigator, {}), (TWO_READERS, {"independent_evaluator": None})):
        adrs, adtte = derive(rows, **response)
        assert not adrs["PARAMCD"].isin(["OVRIRC", "BORIRC", "CBORIRC"]).any()
        assert "PFSIRC" not in set(adtte["PARAMCD"])


def test_independent_reviewer_as_the_primary_evaluator_gives_no_second_analysis():
    adrs, _ = derive(TWO_READERS, evaluator=IRC)
    assert value(adrs, "BOR") == "SD" and "BORIRC" not in set(adrs["PARAMCD"])

"""Changes since the previous cut: record keys and content hashes (tasks.publish.snapshot), the
previous version read back (tasks.publish.previous), their comparison and the report section
(new subjects, deaths, SAEs, responses, progressions; corrected records)."""
from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.analysis.changes import changes_results, compare_cuts, compare_snapshots
from tasks.analysis.changes_tables import FIRST_CUT, changes_blocks, first_cut_blocks
from tasks.model import Adam, Block, Cut, Paragraph, Table
from tasks.publish.previous import read_previous_cut
from tasks.publish.snapshot import key_variables, record_snapshot, write_snapshot
from tasks.results.changes import ChangesResults

S1, S2, S3 = "HCC-001-0001", "HCC-001-0002", "HCC-002-0003"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).fillna("").astype(str)


def cut(cutoff: date, **domains: pd.DataFrame) -> Cut:
    return Cut(cutoff=cutoff, location="memory", domains=domains, files={})


def snapshot(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["domain", "USUBJID", "key", "sha256"])


# Record keys and content hashes.

def test_the_record_key_is_seq_else_the_identifying_variables():
    ae = frame([{"USUBJID": S1, "AESEQ": "1", "AEDECOD": "NAUSEA", "AESTDTC": "2026-01-03"}])
    assert key_variables("ae", ae) == ["AESEQ"]
    ae.loc[0, "AESEQ"] = ""
    assert key_variables("ae", ae) == ["AEDECOD", "AESTDTC"]
    lb = frame([{"USUBJID": S1, "LBTESTCD": "ALT", "LBCAT": "CHEMISTRY", "VISIT": "C1D1",
                 "VISITNUM": "1", "LBDTC": "2026-01-05", "LBSTRESN": "40"}])
    assert key_variables("lb", lb) == ["LBCAT", "LBTESTCD", "VISITNUM", "LBDTC"]
    assert key_variables("dm", frame([{"USUBJID": S1, "DMDTC": "2026-01-01"}])) == []
    supp = frame([{"USUBJID": S1, "RDOMAIN": "AE", "IDVAR": "AESEQ", "IDVARVAL": "1",
                   "QNAM": "AERELHAI", "QVAL": "RELATED"}])
    assert key_variables("suppae", supp) == ["RDOMAIN", "IDVAR", "IDVARVAL", "QNAM"]


def test_a_snapshot_has_one_row_per_record_with_key_and_content_hash():
    ae = frame([{"USUBJID": S1, "AESEQ": "1", "AETERM": "Nausea", "AEENDTC": ""},
                {"USUBJID": S1, "AESEQ": "2", "AETERM": "Rash", "AEENDTC": "2026-01-09"}])
    rs = frame([{"USUBJID": S2, "RSTESTCD": "OVRLRESP", "VISITNUM": "2", "RSSTRESC": "SD"},
                {"USUBJID": S2, "RSTESTCD": "OVRLRESP", "VISITNUM": "2", "RSSTRESC": "PR"}])
    snap = record_snapshot(cut(date(2026, 1, 31), rs=rs, ae=ae, dm=frame([{"USUBJID": S1}])))
    assert snap[["domain", "USUBJID", "key"]].values.tolist() == [
        ["AE", S1, "AESEQ=1"], ["AE", S1, "AESEQ=2"], ["DM", S1, ""],
        ["RS", S2, "RSTESTCD=OVRLRESP|VISITNUM=2"], ["RS", S2, "RSTESTCD=OVRLRESP|VISITNUM=2#2"]]
    # names sorted, empty values left out, each piece ended by the record separator
    assert snap["sha256"].iloc[0] == sha(f"AESEQ=1\x1eAETERM=Nausea\x1eUSUBJID={S1}\x1e")
    assert (snap["sha256"].iloc[1]
            == sha(f"AEENDTC=2026-01-09\x1eAESEQ=2\x1eAETERM=Rash\x1eUSUBJID={S1}\x1e"))


def test_a_variable_added_empty_changes_no_hash_but_a_changed_value_does():
    ae = frame([{"USUBJID": S1, "AESEQ": "1", "AETOXGR": "2"}])
    before = record_snapshot(cut(date(2026, 1, 31), ae=ae))["sha256"].iloc[0]
    assert (record_snapshot(cut(date(2026, 1, 31), ae=ae.assign(AEOUT="")))["sha256"].iloc[0]
            == before)
    assert (record_snapshot(cut(date(2026, 1, 31), ae=ae.assign(AETOXGR="3")))["sha256"].iloc[0]
            != before)


def test_compare_snapshots_lists_new_changed_and_removed_records():
    previous = snapshot([("AE", S1, "AESEQ=1", "a"), ("AE", S1, "AESEQ=2", "b"),
                         ("RS", S2, "RSTESTCD=OVRLRESP|VISITNUM=2", "c"), ("DM", S1, "", "d")])
    current = snapshot([("AE", S1, "AESEQ=1", "a"), ("AE", S1, "AESEQ=2", "B"),
                        ("AE", S1, "AESEQ=3", "e"), ("DM", S1, "", "d"), ("DM", S3, "", "f")])
    assert compare_snapshots(current, previous).values.tolist() == [
        ["AE", S1, "AESEQ=2", "CHANGED"], ["AE", S1, "AESEQ=3", "NEW"], ["DM", S3, "", "NEW"],
        ["RS", S2, "RSTESTCD=OVRLRESP|VISITNUM=2", "REMOVED"]]
    assert compare_snapshots(previous, previous).empty


# The section against a published previous version.

def adam(adsl: list[dict], adrs: list[dict], adae: list[dict]) -> Adam:
    dates = {"RFICDT", "TRTSDT", "DTHDT", "ADT", "ASTDT"}

    def build(rows: list[dict]) -> pd.DataFrame:
        df = pd.DataFrame(rows)
        for col in dates & set(df.columns):
            df[col] = pd.to_datetime(df[col])
        return df
    empty = pd.DataFrame()
    return Adam(adsl=build(adsl), adrs=build(adrs), adtte=empty, adae=build(adae),
                adex=empty, adlb=empty, adtr=empty)


def subject(usubjid: str, arm: str, death: str | None = None) -> dict:
    return {"USUBJID": usubjid, "SITEID": usubjid.split("-")[1], "TRT01A": arm,
            "RFICDT": "2025-06-01", "TRTSDT": "2025-06-10", "DTHFL": "Y" if death else "",
            "DTHDT": death, "DTHCAUS": "DISEASE PROGRESSION" if death else ""}


def response(usubjid: str, paramcd: str, avalc: str, adt: str) -> dict:
    return {"USUBJID": usubjid, "PARAMCD": paramcd, "AVALC": avalc, "ADT": adt}


def event(usubjid: str, seq: int, decod: str, serious: str, grade: str = "3") -> dict:
    return {"USUBJID": usubjid, "AESEQ": seq, "AEDECOD": decod, "AEBODSYS": "GASTROINTESTINAL",
            "AETOXGR": grade, "ASTDT": "2026-01-10", "AESER": serious}


AE_JAN = frame([{"USUBJID": S1, "AESEQ": "1", "AEDECOD": "DIARRHOEA", "AETOXGR": "2"},
                {"USUBJID": S2, "AESEQ": "1", "AEDECOD": "NAUSEA", "AETOXGR": "1"}])
RS_JAN = frame([{"USUBJID": S1, "RSTESTCD": "OVRLRESP", "VISITNUM": "2", "RSSTRESC": "SD"},
                {"USUBJID": S2, "RSTESTCD": "OVRLRESP", "VISITNUM": "2", "RSSTRESC": "PR"}])
DM_JAN = frame([{"USUBJID": S1}, {"USUBJID": S2}])
# February: S1's AE grade corrected 2 -> 3, S2's week-12 RS record deleted, S3 enrolled.
AE_FEB = frame([{"USUBJID": S1, "AESEQ": "1", "AEDECOD": "DIARRHOEA", "AETOXGR": "3"},
                {"USUBJID": S2, "AESEQ": "1", "AEDECOD": "NAUSEA", "AETOXGR": "1"},
                {"USUBJID": S2, "AESEQ": "2", "AEDECOD": "SEPSIS", "AETOXGR": "4"}])
RS_FEB = frame([{"USUBJID": S1, "RSTESTCD": "OVRLRESP", "VISITNUM": "2", "RSSTRESC": "SD"},
                {"USUBJID": S1, "RSTESTCD": "OVRLRESP", "VISITNUM": "3", "RSSTRESC": "PD"}])
DM_FEB = frame([{"USUBJID": S1}, {"USUBJID": S2}, {"USUBJID": S3}])

ADAM_JAN = adam(
    [subject(S1, "HAIC + TQB2868"), subject(S2, "HAIC + TQB2868")],
    [response(S1, "CBOR", "SD", "2025-08-01"), response(S2, "CBOR", "NE", "2025-08-01"),
     response(S1, "OVR", "SD", "2025-08-01"), response(S2, "OVR", "PR", "2025-08-01")],
    [event(S1, 1, "DIARRHOEA", "Y"), event(S2, 1, "NAUSEA", "N")])
ADAM_FEB = adam(
    [subject(S1, "HAIC + TQB2868", death="2026-02-20"), subject(S2, "HAIC + TQB2868"),
     subject(S3, "HAIC + RAMUCIRUMAB")],
    [response(S1, "CBOR", "SD", "2025-08-01"), response(S2, "CBOR", "PR", "2026-02-01"),
     response(S3, "CBOR", "CR", "2026-02-15"),
     response(S1, "OVR", "SD", "2025-08-01"), response(S1, "OVR", "PD", "2026-02-10"),
     response(S1, "OVR", "PD", "2026-02-25"), response(S2, "OVR", "PR", "2025-08-01")],
    [event(S1, 1, "DIARRHOEA", "Y"), event(S2, 1, "NAUSEA", "Y", "2"),
     event(S2, 2, "SEPSIS", "Y", "4")])


@pytest.fixture
def previous_dir(tmp_path: Path) -> Path:
    version = tmp_path / "2026-01-31" / "v2"
    (version / "adam").mkdir(parents=True)
    for name, df in ADAM_JAN.frames().items():
        if len(df.columns):
            df.to_parquet(version / "adam" / f"{name}.parquet", index=False)
    write_snapshot(cut(date(2026, 1, 31), ae=AE_JAN, rs=RS_JAN, dm=DM_JAN), version)
    return version


def changes_section(current: Cut, adam: Adam, previous_dir: Path | None,
                    max_listing_rows: int | None = None) -> list[Block]:
    """The section as the flow makes it: the previous version read back, compared, rendered."""
    if previous_dir is None:
        return first_cut_blocks()
    changes = compare_cuts(record_snapshot(current), adam, read_previous_cut(previous_dir))
    return changes_blocks(changes, max_listing_rows)


def tables(blocks: list) -> dict[str, Table]:
    return {b.id: b for b in blocks if isinstance(b, Table)}


def test_the_first_cut_says_there_is_nothing_to_compare_with():
    blocks = changes_section(cut(date(2026, 1, 31), dm=DM_JAN), ADAM_JAN, None)
    assert len(blocks) == 1 and isinstance(blocks[0], Paragraph)
    assert blocks[0].text == "This is the first data cut; there is no earlier cut to compare with."
    assert blocks[0].text == FIRST_CUT
    assert changes_results(None).previous is None


def test_two_consecutive_cuts_with_a_corrected_record(previous_dir):
    feb = cut(date(2026, 2, 28), ae=AE_FEB, rs=RS_FEB, dm=DM_FEB)
    blocks = changes_section(feb, ADAM_FEB, previous_dir)
    t = tables(blocks)
    assert [(b.number, b.id) for b in t.values()] == [
        ("16.4.1", "t_16_4_1_changes_summary"), ("16.4.2", "t_16_4_2_new_subjects"),
        ("16.4.3", "t_16_4_3_new_deaths"), ("16.4.4", "t_16_4_4_new_saes"),
        ("16.4.5", "t_16_4_5_new_responses"), ("16.4.6", "t_16_4_6_new_progressions"),
        ("16.4.7", "t_16_4_7_record_changes_by_domain"),
        ("16.4.8", "t_16_4_8_records_changed_removed")]
    assert "2026-01-31/v2" in blocks[0].text

    assert t["t_16_4_2_new_subjects"].data["USUBJID"].tolist() == [S3]
    assert t["t_16_4_3_new_deaths"].display.values.tolist() == [
        [S1, "HAIC + TQB2868", "2026-02-20", "DISEASE PROGRESSION"]]
    # S2's nausea became serious, S2's sepsis is new and serious; S1's diarrhoea was serious already
    assert t["t_16_4_4_new_saes"].data[["USUBJID", "AESEQ", "AEDECOD"]].values.tolist() == [
        [S2, 1, "NAUSEA"], [S2, 2, "SEPSIS"]]
    assert t["t_16_4_5_new_responses"].display.values.tolist() == [
        [S2, "HAIC + TQB2868", "NE", "PR", "2026-02-01"],
        [S3, "HAIC + RAMUCIRUMAB", "", "CR", "2026-02-15"]]
    assert t["t_16_4_6_new_progressions"].display.values.tolist() == [
        [S1, "HAIC + TQB2868", "2026-02-10"]]                       # the first PD
    assert t["t_16_4_7_record_changes_by_domain"].data.values.tolist() == [
        ["AE", 1, 1, 0], ["DM", 1, 0, 0], ["RS", 1, 0, 1]]
    assert t["t_16_4_8_records_changed_removed"].display.values.tolist() == [
        ["AE", S1, "AESEQ=1", "CHANGED"], ["RS", S2, "RSTESTCD=OVRLRESP|VISITNUM=2", "REMOVED"]]
    assert t["t_16_4_1_changes_summary"].display.values.tolist() == [
        ["New subjects", "1"], ["New deaths", "1"], ["New serious adverse events", "2"],
        ["New confirmed responses (CR/PR)", "2"], ["New progressions (PD)", "1"],
        ["SDTM records new", "3"], ["SDTM records changed", "1"], ["SDTM records removed", "1"]]


def test_changes_results_counts_for_results_json(previous_dir):
    feb = cut(date(2026, 2, 28), ae=AE_FEB, rs=RS_FEB, dm=DM_FEB)
    changes = compare_cuts(record_snapshot(feb), ADAM_FEB, read_previous_cut(previous_dir))
    assert changes_results(changes) == ChangesResults(
        previous="2026-01-31/v2", new_subjects=1, new_deaths=1, new_saes=2, new_responses=2,
        new_progressions=1, records={"NEW": 3, "CHANGED": 1, "REMOVED": 1})


def test_an_empty_listing_says_none_and_a_long_one_goes_to_csv_only(previous_dir):
    same = cut(date(2026, 2, 28), ae=AE_JAN, rs=RS_JAN, dm=DM_JAN)
    t = tables(changes_section(same, ADAM_JAN, previous_dir, max_listing_rows=1))
    listing = t["t_16_4_8_records_changed_removed"]
    assert listing.data.empty and listing.is_empty and not listing.csv_only
    assert listing.empty_text == "None: no SDTM record of the previous cut was changed or removed."
    assert t["t_16_4_2_new_subjects"].empty_text == ("None: no subject is new since the previous "
                                                     "cut.")
    feb = cut(date(2026, 2, 28), ae=AE_FEB, rs=RS_FEB, dm=DM_FEB)
    t = tables(changes_section(feb, ADAM_FEB, previous_dir, max_listing_rows=1))
    assert t["t_16_4_8_records_changed_removed"].csv_only
    assert t["t_16_4_4_new_saes"].csv_only and not t["t_16_4_3_new_deaths"].csv_only


def test_a_previous_version_without_snapshot_is_said_not_silently_skipped(previous_dir):
    (previous_dir / "provenance" / "records.parquet").unlink()
    feb = cut(date(2026, 2, 28), ae=AE_FEB, rs=RS_FEB, dm=DM_FEB)
    blocks = changes_section(feb, ADAM_FEB, previous_dir)
    warnings = [b.text for b in blocks if isinstance(b, Paragraph) and b.style == "warning"]
    assert warnings == ["The previous version has no provenance/records.parquet: changed and "
                        "removed records cannot be listed."]
    t = tables(blocks)
    assert "t_16_4_8_records_changed_removed" not in t
    assert t["t_16_4_1_changes_summary"].display["n"].tolist()[-3:] == ["not compared"] * 3


records = st.dictionaries(st.tuples(st.sampled_from(["AE", "RS"]), st.sampled_from([S1, S2]),
                                    st.sampled_from(["AESEQ=1", "AESEQ=2", "VISITNUM=3"])),
                          st.sampled_from(["h1", "h2"]), max_size=12)


@settings(max_examples=40)
@given(records, records)
def test_every_key_is_new_changed_removed_or_unchanged(current, previous):
    def snap(d: dict) -> pd.DataFrame:
        return snapshot([(*k, v) for k, v in d.items()])
    found = {tuple(r[:3]): r[3]
             for r in compare_snapshots(snap(current), snap(previous)).values.tolist()}
    assert found == {**{k: "NEW" for k in current.keys() - previous.keys()},
                     **{k: "REMOVED" for k in previous.keys() - current.keys()},
                     **{k: "CHANGED" for k in current.keys() & previous.keys()
                        if current[k] != previous[k]}}

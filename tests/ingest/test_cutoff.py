"""apply_cutoff: the datacutr rules of docs/data-cut.md on tiny hand-made cuts (cutoff
2026-10-15)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from cutkit import CUTOFF, STUDY, make_cut, subject, tiny_domains, with_rows, with_values
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.errors import BadInputError
from tasks.ingest import apply_cutoff
from tasks.ingest.cutoff import (
    DATE_CUT,
    DEATH_RESET,
    FATAL_RESET,
    NO_DATE,
    ONGOING,
    PARENT_CUT,
    SUBJECT_CUT,
    require_subjects,
)
from tasks.model import TEXT

S1, S2, S3, S4 = subject(1), subject(2), subject(3), subject(4)


def ae_row(seq: str, start: str, end: str = "", usubjid: str = S1) -> dict:
    return {"STUDYID": STUDY, "DOMAIN": "AE", "USUBJID": usubjid, "AESEQ": seq, "AETERM": "Rash",
            "AEDECOD": "RASH", "AEBODSYS": "SKIN", "AETOXGR": "1", "AESER": "N", "AESDTH": "N",
            "AESTDTC": start, "AEENDTC": end}


def log_of(result) -> dict[tuple[str, str], int]:
    return {(r.domain, r.reason): r.records for r in result.log.itertuples()}


def test_nothing_after_the_cutoff_changes_nothing(cfg):
    result = apply_cutoff(make_cut(tiny_domains()), cfg)
    for domain, frame in tiny_domains().items():
        pd.testing.assert_frame_equal(result.cut[domain], frame.astype(TEXT))
    assert result.log.empty and result.removed.empty
    assert list(result.log.columns) == ["domain", "reason", "records"]
    assert (list(result.removed.columns)
            == ["domain", "row", "USUBJID", "variable", "value", "reason"])


def test_partial_date_compared_by_its_earliest_day(cfg):
    domains = with_rows(tiny_domains(), "ae", [ae_row("2", "2026-10"), ae_row("3", "2026-10-15"),
                                               ae_row("4", "2026-10-16"), ae_row("5", "2026-11"),
                                               ae_row("6", "2026")])
    result = apply_cutoff(make_cut(domains), cfg)
    assert result.cut["ae"]["AESEQ"].tolist() == ["1", "1", "2", "3", "6"]
    removed = result.removed
    assert removed[["domain", "row", "USUBJID", "variable", "value"]].values.tolist() == [
        ["AE", 5, S1, "AESTDTC", "2026-10-16"], ["AE", 6, S1, "AESTDTC", "2026-11"]]
    assert set(removed["reason"]) == {DATE_CUT}
    assert log_of(result) == {("AE", DATE_CUT): 2}


def test_kept_rows_keep_their_row_numbers(cfg):
    domains = with_rows(tiny_domains(), "ae",
                        [ae_row("2", "2026-12-01"), ae_row("3", "2026-05-01")])
    ae = apply_cutoff(make_cut(domains), cfg).cut["ae"]
    assert list(ae.index) == [0, 1, 3]   # row 4 of ae.csv is still row 4 in a finding


def test_record_without_date_stays_and_is_counted(cfg):
    domains = with_rows(tiny_domains(), "ae", [ae_row("2", ""), ae_row("3", "not a date")])
    result = apply_cutoff(make_cut(domains), cfg)
    assert result.cut["ae"]["AESEQ"].tolist() == ["1", "1", "2", "3"]
    assert result.removed.empty
    assert log_of(result) == {("AE", NO_DATE): 2}
    kept = [f for f in result.cut.findings if f.rule == "cutoff: AE.AESTDTC present"]
    assert [(f.severity, f.file, f.row, f.usubjid, f.column, f.value) for f in kept] == [
        ("warning", "ae.csv", 3, S1, "AESTDTC", ""),
        ("warning", "ae.csv", 4, S1, "AESTDTC", "not a date")]


def test_date_variable_missing_from_a_domain_keeps_its_records_with_a_warning(cfg):
    domains = tiny_domains()
    domains["tu"] = domains["tu"].drop(columns="TUDTC")
    result = apply_cutoff(make_cut(domains), cfg)
    assert len(result.cut["tu"]) == 1
    assert log_of(result) == {("TU", NO_DATE): 1}
    [finding] = result.cut.findings
    assert finding.column == "TUDTC" and "no TUDTC column" in finding.message


def consented_late(consent: str = "2026-10-20", ds_date: str = "2026-10-20") -> dict:
    """Subject 4, consented after the cutoff, with records in DM, SUPPDM, DS, EX, AE, SUPPAE, LB."""
    domains = with_rows(tiny_domains(), "dm", [{**tiny_domains()["dm"].iloc[0].to_dict(),
                                                "USUBJID": S4, "SUBJID": "0004",
                                                "RFICDTC": consent}])
    domains = with_rows(domains, "suppdm", [{"STUDYID": STUDY, "RDOMAIN": "DM", "USUBJID": S4,
                                             "QNAM": "ECOG", "QVAL": "1"}])
    domains = with_rows(domains, "ds", [{"STUDYID": STUDY, "DOMAIN": "DS", "USUBJID": S4,
                                         "DSSEQ": "1", "DSDECOD": "INFORMED CONSENT OBTAINED",
                                         "DSSTDTC": ds_date}])
    domains = with_rows(domains, "ex", [{"STUDYID": STUDY, "DOMAIN": "EX", "USUBJID": S4,
                                         "EXSEQ": "1", "EXTRT": "TQB2868", "EXDOSE": "10",
                                         "EXSTDTC": "2026-10-01"}])
    domains = with_rows(domains, "ae", [ae_row("1", "2026-10-02", usubjid=S4)])
    domains = with_rows(domains, "suppae", [{"STUDYID": STUDY, "RDOMAIN": "AE", "USUBJID": S4,
                                             "IDVAR": "AESEQ", "IDVARVAL": "1", "QNAM": "AERELTQB",
                                             "QVAL": "RELATED"}])
    return with_rows(domains, "lb", [{"STUDYID": STUDY, "DOMAIN": "LB", "USUBJID": S4, "LBSEQ": "1",
                                      "LBTESTCD": "ALT", "LBDTC": ""}])


def test_subject_consented_after_the_cutoff_is_removed_everywhere(cfg):
    # Their EX and AE records are dated before the cutoff: the subject cut removes them anyway.
    result = apply_cutoff(make_cut(consented_late()), cfg)
    for domain, frame in result.cut.domains.items():
        if "USUBJID" in frame.columns:
            assert S4 not in set(frame["USUBJID"]), domain
    assert log_of(result) == {(d, SUBJECT_CUT): 1 for d in
                              ("DM", "SUPPDM", "DS", "EX", "AE", "SUPPAE", "LB")}
    subject_rows = result.removed[result.removed["reason"] == SUBJECT_CUT]
    assert (set(subject_rows["variable"]) == {"RFICDTC"}
            and set(subject_rows["value"]) == {"2026-10-20"})
    assert subject_rows.loc[subject_rows["domain"] == "DM", "row"].tolist() == [4]
    # the undated LB record was the subject's: removed, so not counted as kept without a date
    assert not any(f.rule.startswith("cutoff: LB") for f in result.cut.findings)


def test_consent_from_the_first_ds_date_when_rficdtc_is_missing(cfg):
    result = apply_cutoff(make_cut(consented_late(consent="", ds_date="2026-10-16")), cfg)
    assert S4 not in set(result.cut["dm"]["USUBJID"])
    subject_rows = result.removed[result.removed["reason"] == SUBJECT_CUT]
    assert (set(subject_rows["variable"]) == {"DSSTDTC"}
            and set(subject_rows["value"]) == {"2026-10-16"})


def test_consent_in_the_cutoff_month_keeps_the_subject(cfg):
    result = apply_cutoff(make_cut(consented_late(consent="2026-10", ds_date="2026-10")), cfg)
    assert S4 in set(result.cut["dm"]["USUBJID"])
    assert len(result.cut["suppae"]) == 2


def test_death_after_the_cutoff_is_reset(cfg):
    domains = with_values(tiny_domains(), "dm", 1, DTHDTC="2026-11-02")   # subject 2
    result = apply_cutoff(make_cut(domains), cfg)
    dm = result.cut["dm"]
    assert dm.loc[1, ["DTHDTC", "DTHFL"]].tolist() == ["", ""]
    assert result.removed[["row", "USUBJID", "variable", "value", "reason"]].values.tolist() == [
        [2, S2, "DTHDTC", "2026-11-02", DEATH_RESET], [2, S2, "DTHFL", "Y", DEATH_RESET]]
    assert log_of(result) == {("DM", DEATH_RESET): 1}


def test_death_on_or_before_the_cutoff_stays(cfg):
    domains = with_values(tiny_domains(), "dm", 1, DTHDTC="2026-10-15")
    result = apply_cutoff(make_cut(domains), cfg)
    assert result.cut["dm"].loc[1, ["DTHDTC", "DTHFL"]].tolist() == ["2026-10-15", "Y"]


def test_ae_ongoing_at_the_cutoff_loses_its_end_date(cfg):
    domains = with_rows(tiny_domains(), "ae", [ae_row("2", "2026-10-01", "2026-10-20"),
                                               ae_row("3", "2026-10-01", "2026-10"),
                                               ae_row("4", "2026-10-01", "2026-10-15")])
    result = apply_cutoff(make_cut(domains), cfg)
    assert result.cut["ae"]["AEENDTC"].tolist()[2:] == ["", "2026-10", "2026-10-15"]
    assert result.removed[["row", "variable", "value", "reason"]].values.tolist() == [
        [3, "AEENDTC", "2026-10-20", ONGOING]]


def test_supplementary_records_follow_their_parent(cfg):
    domains = with_rows(tiny_domains(), "ae",
                        [ae_row("2", "2026-12-01"), ae_row("3", "2026-01-02")])
    supp = [{"STUDYID": STUDY, "RDOMAIN": "AE", "USUBJID": S1, "IDVAR": "AESEQ", "IDVARVAL": seq,
             "QNAM": "AERELTQB", "QVAL": "RELATED"} for seq in ("2", "3")]
    result = apply_cutoff(make_cut(with_rows(domains, "suppae", supp)), cfg)
    assert result.cut["suppae"]["IDVARVAL"].tolist() == ["1", "3"]
    parent_rows = result.removed[result.removed["reason"] == PARENT_CUT]
    assert parent_rows[["domain", "row", "variable", "value"]].values.tolist() == [
        ["SUPPAE", 2, "IDVARVAL", "2"]]


def test_counts_by_domain_and_reason(cfg):
    domains = consented_late()
    domains = with_rows(domains, "ae", [ae_row("7", "2026-11-01"), ae_row("8", "2026-10-30"),
                                        ae_row("9", ""), ae_row("10", "2026-09-30", "2026-10-31")])
    domains = with_rows(domains, "rs", [{"STUDYID": STUDY, "DOMAIN": "RS", "USUBJID": S3,
                                         "RSSEQ": "2", "RSTESTCD": "OVRLRESP", "RSSTRESC": "PD",
                                         "RSEVAL": "INVESTIGATOR", "RSDTC": "2026-10-16"}])
    domains = with_values(domains, "dm", 1, DTHDTC="2026-10-17")
    result = apply_cutoff(make_cut(domains), cfg)
    assert result.log.values.tolist() == [
        ["DM", SUBJECT_CUT, 1], ["DM", DEATH_RESET, 1], ["SUPPDM", SUBJECT_CUT, 1],
        ["DS", SUBJECT_CUT, 1], ["EX", SUBJECT_CUT, 1],
        ["AE", SUBJECT_CUT, 1], ["AE", DATE_CUT, 2], ["AE", ONGOING, 1], ["AE", NO_DATE, 1],
        ["SUPPAE", SUBJECT_CUT, 1], ["RS", DATE_CUT, 1], ["LB", SUBJECT_CUT, 1]]
    assert len(result.removed) == 1 + 2 + 1 + 1 + 1 + 1 + 2 + 1 + 1 + 1 + 1


def test_the_input_cut_is_not_changed(cfg):
    domains = with_values(tiny_domains(), "dm", 1, DTHDTC="2026-11-02")
    domains = with_rows(domains, "ae",
                        [ae_row("2", "2026-10-01", "2026-10-20"), ae_row("3", "2027")])
    cut = make_cut(domains)
    apply_cutoff(cut, cfg)
    for domain, frame in domains.items():
        pd.testing.assert_frame_equal(cut[domain], frame.astype(TEXT))
    assert cut.findings == []


@settings(max_examples=15)
@given(st.lists(st.one_of(st.dates(date(2025, 1, 1), date(2027, 12, 31)).map(date.isoformat),
                          st.dates(date(2025, 1, 1),
                                   date(2027, 12, 31)).map(lambda d: d.isoformat()[:7]),
                          st.just("")), min_size=1, max_size=12))
def test_every_record_is_kept_or_counted_as_removed(cfg, starts):
    rows = [ae_row(str(i + 2), start) for i, start in enumerate(starts)]
    result = apply_cutoff(make_cut(with_rows(tiny_domains(), "ae", rows)), cfg)
    kept = result.cut["ae"]["AESTDTC"]
    removed = result.removed.loc[result.removed["reason"] == DATE_CUT, "value"]
    assert len(kept) + len(removed) == len(starts) + 2
    assert all(s == "" or s[:10] <= CUTOFF.isoformat() or s == CUTOFF.isoformat()[:7] for s in kept)
    assert all(s[:7] > CUTOFF.isoformat()[:7] or s > CUTOFF.isoformat() for s in removed)


def fatal_ae(start: str, usubjid: str = S2) -> dict:
    return {**ae_row("5", start, "2026-11-10", usubjid), "AETERM": "Hepatic failure",
            "AEDECOD": "HEPATIC FAILURE", "AEBODSYS": "HEPATOBILIARY DISORDERS", "AETOXGR": "5",
            "AESER": "Y", "AESDTH": "Y", "AEOUT": "FATAL"}


def test_a_death_after_the_cutoff_also_clears_the_fatal_outcome_of_its_ae(cfg):
    # Issue 10: death 2026-11-10 (cutoff 2026-10-15 here), hepatic failure from 2026-10-10 with
    # grade 5, AEOUT FATAL, AESDTH Y: at the cutoff the subject was alive, the event ongoing.
    domains = with_values(tiny_domains(), "dm", 1, DTHDTC="2026-11-10")
    domains = with_values(domains, "ds", 3, DSSTDTC="2026-11-10")           # subject 2's DS death
    result = apply_cutoff(make_cut(with_rows(domains, "ae", [fatal_ae("2026-10-10")])), cfg)
    ae = result.cut["ae"].iloc[-1]
    assert ae[["AETOXGR", "AESDTH", "AEOUT", "AEENDTC", "AESER"]].tolist() == ["", "", "", "", "Y"]
    reset = result.removed[result.removed["reason"] == FATAL_RESET]
    assert reset[["domain", "row", "USUBJID", "variable", "value"]].values.tolist() == [
        ["AE", 3, S2, "AEOUT", "FATAL"], ["AE", 3, S2, "AESDTH", "Y"],
        ["AE", 3, S2, "AETOXGR", "5"]]
    assert log_of(result)[("AE", FATAL_RESET)] == 1
    assert log_of(result)[("DM", DEATH_RESET)] == 1 and len(result.cut["ds"]) == 3


def test_a_fatal_ae_of_a_death_by_the_cutoff_is_kept(cfg):
    # subject 2 died 2026-09-01 (DM and DS): the fatal AE stays as recorded.
    result = apply_cutoff(make_cut(with_rows(tiny_domains(), "ae", [fatal_ae("2026-08-25")])), cfg)
    assert result.cut["ae"].iloc[-1][["AETOXGR", "AESDTH", "AEOUT"]].tolist() == ["5", "Y", "FATAL"]
    assert FATAL_RESET not in set(result.removed["reason"])


def test_a_death_after_the_cutoff_is_no_fatal_teae_and_no_death_downstream(cfg):
    # Issue 10: before, DM's death was reset but safety.fatal counted the subject and Table
    # 14.3.3 showed a grade 5 that the deaths table did not list.
    from tasks.adam.build import build_adam
    from tasks.analysis.deaths import death_reconciliation
    from tasks.analysis.safety import safety_results

    domains = with_values(tiny_domains(), "dm", 1, DTHDTC="2026-11-10")
    domains = with_values(domains, "ds", 3, DSSTDTC="2026-11-10")
    # onset 2026-03-01, within 30 days of subject 2's only dose (2026-02-05): treatment-emergent
    cut = apply_cutoff(make_cut(with_rows(domains, "ae", [fatal_ae("2026-03-01")])), cfg).cut
    adam = build_adam(cut, cfg)
    results = safety_results(adam.adsl, adam.adae, cfg)
    assert (results.fatal.subjects, results.deaths.subjects, results.serious.subjects) == (0, 0, 1)
    assert results.missing_grade.subjects == 1               # the grade 5 became "Missing"
    assert adam.adae["ATOXGRN"].max() < 5
    assert death_reconciliation(adam.adsl, adam.adae, cfg.safety).empty


def test_a_cut_with_no_subject_at_the_cutoff_stops_with_what_to_do(cfg):
    """Before the first consent there is nothing to analyse: one clear message, no report."""
    early = make_cut(tiny_domains(), cutoff=date(2025, 12, 31))   # consents from 2026-01-05
    with pytest.raises(BadInputError, match=r"^the 3 subject\(s\) of dm.csv consented after the "
                                            r"cutoff: nothing to analyse at the cutoff "
                                            r"2025-12-31; analyse a later cut$"):
        require_subjects(apply_cutoff(early, cfg))
    nobody = make_cut({**tiny_domains(), "dm": tiny_domains()["dm"].iloc[:0]})
    with pytest.raises(BadInputError, match=r"^dm.csv holds no subject: nothing to analyse"):
        require_subjects(apply_cutoff(nobody, cfg))
    cut = make_cut(tiny_domains())
    assert require_subjects(apply_cutoff(cut, cfg)) is None


def test_the_cutoff_step_lets_the_cut_as_read_go(cfg):
    """Prefect keeps pull-cut's result (the cut as read) until the run ends: the apply-cutoff
    step empties it once the cut at the cutoff is made, so its frames are freed (at 5,000
    subjects 300 MB that the derivation and the analysis could not use)."""
    import gc
    import weakref

    from flows.steps import cut_at_cutoff

    cut = make_cut(tiny_domains())
    as_read = weakref.ref(cut.domains["dm"])
    result = cut_at_cutoff.fn(cut, cfg)
    gc.collect()
    assert cut.domains == {} and as_read() is None
    assert set(result.cut.domains) == set(tiny_domains())
    assert result.cut["dm"]["USUBJID"].tolist() == tiny_domains()["dm"]["USUBJID"].tolist()


def test_the_snapshot_step_lets_its_view_of_the_cut_go(cfg, tmp_path, monkeypatch):
    """The record snapshot reads a view of the cut (its own hold on the frames while the
    derivation lets them go) and lets the view go once read, whatever Prefect keeps."""
    from flows.steps import snapshot

    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))      # the snapshot's cache folder
    cut = apply_cutoff(make_cut(tiny_domains()), cfg).cut
    view = cut.view()
    written = snapshot.fn(view, cfg)
    assert written.is_file() and view.domains == {}
    assert set(cut.domains) == set(tiny_domains())          # the cut itself is untouched

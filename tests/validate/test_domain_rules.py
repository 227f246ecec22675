"""Per-domain Pandera schemas: each bad value gives a finding naming file, row, USUBJID, column,
rule."""
from __future__ import annotations

import pytest
from cutkit import make_cut, subject, tiny_domains, with_rows, with_values

from tasks.validate import validate_cut

S1, S2 = subject(1), subject(2)


def findings_of(domains, cfg, rule=None):
    found = validate_cut(make_cut(domains), cfg)
    return [f for f in found if rule is None or f.rule == rule]


def where(findings):
    return [(f.severity, f.file, f.row, f.usubjid, f.column, f.value) for f in findings]


def test_the_tiny_cut_is_clean(cfg):
    assert findings_of(tiny_domains(), cfg) == []


def test_missing_required_column(cfg):
    domains = tiny_domains()
    domains["dm"] = domains["dm"].drop(columns="SEX")
    [finding] = findings_of(domains, cfg)
    assert (finding.severity, finding.rule, finding.file, finding.column) == (
        "error", "DM.SEX present", "dm.csv", "SEX")
    assert finding.message == "required column SEX is missing from dm.csv"


def test_all_failures_are_collected_not_the_first_only(cfg):
    domains = with_values(tiny_domains(), "lb", 0, LBSTRESN="high", LBDTC="2026-02-30")
    domains = with_values(domains, "ae", 1, AETOXGR="7", AESER="X")
    assert {f.rule for f in findings_of(domains, cfg)} == {
        "LB.LBSTRESN numeric", "LB.LBDTC ISO 8601", "AE.AETOXGR in 1-5", "AE.AESER in Y/N"}


def test_non_numeric_lab_value(cfg):
    found = findings_of(with_values(tiny_domains(), "lb", 0, LBSTRESN="<5"), cfg,
                        "LB.LBSTRESN numeric")
    assert where(found) == [("error", "lb.csv", 1, S1, "LBSTRESN", "<5")]
    assert found[0].message == "LBSTRESN '<5' is not a number"


@pytest.mark.parametrize("value", ["2026-02-30", "2026-13", "45123", "15/01/2026", "2026-1-5"])
def test_impossible_or_non_iso_date(cfg, value):
    found = findings_of(with_values(tiny_domains(), "ae", 1, AESTDTC=value), cfg,
                        "AE.AESTDTC ISO 8601")
    assert where(found) == [("error", "ae.csv", 2, S2, "AESTDTC", value)]


@pytest.mark.parametrize("value", ["2026", "2026-02", "2026-02-28T13:45", ""])
def test_partial_and_timed_iso_dates_pass(cfg, value):
    assert findings_of(with_values(tiny_domains(), "ae", 1, AEENDTC=value), cfg) == []


def test_duplicate_key_lists_every_row_of_it(cfg):
    domains = with_values(tiny_domains(), "ae", 1, USUBJID=S1)   # both AE rows: S1, AESEQ 1
    found = findings_of(domains, cfg, "AE.USUBJID+AESEQ unique")
    assert (where(found)
            == [("error", "ae.csv", 1, S1, "AESEQ", "1"), ("error", "ae.csv", 2, S1, "AESEQ", "1")])


def test_duplicate_subject_in_dm(cfg):
    found = findings_of(with_values(tiny_domains(), "dm", 2, USUBJID=S2), cfg, "DM.USUBJID unique")
    assert [f.row for f in found] == [2, 3]


def test_grade_outside_1_to_5(cfg):
    found = findings_of(with_values(tiny_domains(), "ae", 0, AETOXGR="6"), cfg, "AE.AETOXGR in 1-5")
    assert where(found) == [("error", "ae.csv", 1, S1, "AETOXGR", "6")]


def test_missing_grade_is_a_warning_shown_as_missing(cfg):
    [finding] = findings_of(with_values(tiny_domains(), "ae", 0, AETOXGR=""), cfg)
    assert (finding.severity, finding.rule, finding.row) == ("warning", "AE.AETOXGR missing", 1)
    assert "shown as Missing" in finding.message


def test_no_grade_column_is_one_warning(cfg):
    domains = tiny_domains()
    domains["ae"] = domains["ae"].drop(columns="AETOXGR")
    [finding] = findings_of(domains, cfg)
    assert (finding.severity, finding.rule, finding.row) == ("warning", "AE.AETOXGR present", None)


def test_sex_outside_controlled_terms(cfg):
    found = findings_of(with_values(tiny_domains(), "dm", 0, SEX="Male"), cfg,
                        "DM.SEX in F/M/U/UNDIFFERENTIATED")
    assert where(found) == [("error", "dm.csv", 1, S1, "SEX", "Male")]


def test_response_outside_controlled_terms(cfg):
    found = findings_of(with_values(tiny_domains(), "rs", 1, RSSTRESC="CONFIRMED PR"), cfg)
    assert where(found) == [("error", "rs.csv", 2, S1, "RSSTRESC", "CONFIRMED PR")]
    assert found[0].rule == "RS.RSSTRESC in OVRLRESP terms"


def test_two_responses_on_one_date_by_one_evaluator(cfg):
    domains = with_values(tiny_domains(), "rs", 1, RSDTC="2026-02-21")
    found = findings_of(domains, cfg, "RS.RSSTRESC one response per date and evaluator")
    assert (where(found)
            == [("error", "rs.csv", 1, S1, "RSSTRESC", "SD"),
                ("error", "rs.csv", 2, S1, "RSSTRESC", "PR")])


def test_two_evaluators_may_differ_on_one_date(cfg):
    domains = with_values(tiny_domains(), "rs", 1, RSDTC="2026-02-21",
                          RSEVAL="INDEPENDENT ASSESSOR")
    assert findings_of(domains, cfg) == []


def irecist_rows(*rows: tuple[str, str, str, str]) -> list[dict]:
    """RS rows (USUBJID, RSSEQ, RSSTRESC, RSDTC) of RSCAT iRECIST by the investigator."""
    return [{"STUDYID": "TQB2868-HAIC-201", "DOMAIN": "RS", "USUBJID": s, "RSSEQ": seq,
             "RSTESTCD": "OVRLRESP", "RSCAT": "iRECIST", "RSSTRESC": r, "RSEVAL": "INVESTIGATOR",
             "RSDTC": d} for s, seq, r, d in rows]


def test_irecist_responses_are_checked_against_irecist_terms(cfg):
    domains = with_rows(tiny_domains(), "rs", irecist_rows((S1, "3", "iUPD", "2026-02-21"),
                                                           (S1, "4", "PD", "2026-04-04")))
    found = findings_of(domains, cfg)
    assert where(found) == [("error", "rs.csv", 5, S1, "RSSTRESC", "PD")]
    assert found[0].rule == "RS.RSSTRESC in iRECIST OVRLRESP terms"


def test_recist_and_irecist_response_of_one_date_are_two_readings(cfg):
    # PD (RECIST 1.1) and iUPD (iRECIST) of S1 on 2026-04-04: no finding.
    domains = with_rows(with_values(tiny_domains(), "rs", 1, RSSTRESC="PD"), "rs",
                        irecist_rows((S1, "3", "iUPD", "2026-04-04")))
    assert findings_of(domains, cfg) == []


def test_rs_with_irecist_responses_only_is_a_warning_not_an_error(cfg):
    domains = tiny_domains()
    domains["rs"] = domains["rs"].iloc[:0]
    domains = with_rows(domains, "rs", irecist_rows((S1, "1", "iSD", "2026-02-21")))
    [finding] = findings_of(domains, cfg)
    assert (finding.severity, finding.rule, finding.column) == (
        "warning", "RS.RSTESTCD holds RECIST 1.1 overall responses", "RSCAT")


def test_repeated_rsseq_is_an_error_on_overall_responses_a_warning_elsewhere(cfg):
    # rs_onco_irecist.csv repeats RSSEQ 9 of 01-701-1146 on its IRECLIND and TRGRESP records.
    other = [{"STUDYID": "TQB2868-HAIC-201", "DOMAIN": "RS", "USUBJID": S1, "RSSEQ": "7",
              "RSTESTCD": code, "RSSTRESC": "N", "RSEVAL": "INVESTIGATOR", "RSDTC": "2026-02-21"}
             for code in ("IRECLIND", "NEWLIND")]
    found = findings_of(with_rows(tiny_domains(), "rs", other), cfg)
    assert [(f.severity, f.row) for f in found] == [("warning", 4), ("warning", 5)]
    assert found[0].rule == "RS.USUBJID+RSSEQ unique (records not analysed)"
    repeated = with_values(tiny_domains(), "rs", 1, RSSEQ="1")
    assert [(f.severity, f.rule) for f in findings_of(repeated, cfg)] == [
        ("error", "RS.USUBJID+RSSEQ unique")] * 2


def test_negative_dose_and_non_numeric_dose(cfg):
    domains = with_values(tiny_domains(), "ex", 0, EXDOSE="-5")
    domains = with_values(domains, "ex", 1, EXDOSE="ten")
    found = findings_of(domains, cfg)
    assert [(f.rule, f.row, f.value) for f in found] == [
        ("EX.EXDOSE >= 0", 1, "-5"), ("EX.EXDOSE numeric", 2, "ten")]


def test_zero_or_missing_dose_is_a_warning(cfg):
    domains = with_values(tiny_domains(), "ex", 0, EXDOSE="0")
    domains = with_values(domains, "ex", 2, EXDOSE="")
    found = findings_of(domains, cfg)
    assert [(f.severity, f.rule, f.row, f.usubjid) for f in found] == [
        ("warning", "EX.EXDOSE > 0", 1, S1), ("warning", "EX.EXDOSE > 0", 3, S2)]


def test_dose_not_given_is_not_flagged(cfg):
    domains = with_values(tiny_domains(), "ex", 0, EXDOSE="0", EXOCCUR="N")
    assert findings_of(domains, cfg) == []


def test_negative_diameter_is_an_error(cfg):
    [finding] = findings_of(with_values(tiny_domains(), "tr", 1, TRSTRESN="-3"), cfg)
    assert (finding.severity, finding.rule, finding.row, finding.column) == (
        "error", "TR.TRSTRESN diameter >= 0", 2, "TRSTRESN")


def test_missing_diameter_is_a_warning(cfg):
    [finding] = findings_of(with_values(tiny_domains(), "tr", 1, TRSTRESN=""), cfg)
    assert ((finding.severity, finding.rule, finding.row)
            == ("warning", "TR.TRSTRESN diameter missing", 2))


def test_liver_test_without_normal_range(cfg):
    domains = with_rows(tiny_domains(), "lb", [
        {"USUBJID": S1, "LBSEQ": "2", "LBTESTCD": "AST", "LBSTRESN": "20", "LBDTC": "2026-01-08"},
        {"USUBJID": S1, "LBSEQ": "3", "LBTESTCD": "AFP", "LBSTRESN": "20", "LBDTC": "2026-01-08"}])
    found = findings_of(domains, cfg)
    assert [(f.severity, f.rule, f.row) for f in found] == [
        ("warning", "LB.LBSTNRHI normal range of liver tests", 2)]


def test_usubjid_with_path_characters(cfg):
    bad = "../../etc/passwd"
    found = findings_of(with_values(tiny_domains(), "ae", 1, USUBJID=bad), cfg,
                        "AE.USUBJID safe characters")
    assert where(found) == [("error", "ae.csv", 2, bad, "USUBJID", bad)]


def test_control_characters_in_free_text(cfg):
    found = findings_of(with_values(tiny_domains(), "ae", 0, AETERM="Rash\x07"), cfg)
    assert ([(f.rule, f.row, f.column) for f in found]
            == [("AE.AETERM no control characters", 1, "AETERM")])


def test_html_in_free_text_is_data_not_a_finding(cfg):
    assert (findings_of(with_values(tiny_domains(), "ae", 0, AETERM="<b>Rash</b> & <script>"), cfg)
            == [])


def test_findings_are_capped_per_rule_with_a_count_of_the_rest(cfg):
    rows = [{"USUBJID": S1, "LBSEQ": str(i), "LBTESTCD": "ALB", "LBSTRESN": "n/a", "LBSTNRLO": "35",
             "LBSTNRHI": "55", "LBDTC": "2026-01-09"} for i in range(2, 27)]
    validation = cfg.validation.model_copy(update={"max_findings_per_rule": 10})
    capped = cfg.model_copy(update={"validation": validation})
    found = findings_of(with_rows(tiny_domains(), "lb", rows), capped, "LB.LBSTRESN numeric")
    assert [f.row for f in found[1:]] == list(range(2, 12))
    assert found[0].row is None and found[0].message.startswith("and 15 more rows")

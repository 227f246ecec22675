"""Cross-domain checks on the tiny cut (S1 consented 2026-01-05, first dose 2026-01-10; S2 died
2026-09-01)."""
from __future__ import annotations

from cutkit import STUDY, make_cut, subject, tiny_domains, with_rows, with_values

from tasks.validate import validate_cut

S1, S2, S9 = subject(1), subject(2), subject(9)


def found(domains, cfg, rule):
    return [(f.severity, f.file, f.row, f.usubjid, f.column, f.value)
            for f in validate_cut(make_cut(domains), cfg) if f.rule == rule]


def test_subject_not_in_dm(cfg):
    domains = with_values(tiny_domains(), "ae", 1, USUBJID=S9)
    assert (found(domains, cfg, "cross: subject in DM")
            == [("error", "ae.csv", 2, S9, "USUBJID", S9)])


def test_subject_not_in_dm_in_a_supplementary_domain(cfg):
    domains = with_values(tiny_domains(), "suppdm", 2, USUBJID=S9)
    assert (found(domains, cfg, "cross: subject in DM")
            == [("error", "suppdm.csv", 3, S9, "USUBJID", S9)])


def test_date_before_informed_consent_is_a_warning(cfg):
    domains = with_values(tiny_domains(), "lb", 0, LBDTC="2026-01-04")
    assert found(domains, cfg, "cross: date not before consent") == [
        ("warning", "lb.csv", 1, S1, "LBDTC", "2026-01-04")]


def test_partial_date_that_may_be_after_consent_passes(cfg):
    domains = with_values(tiny_domains(), "lb", 0, LBDTC="2026-01")
    assert found(domains, cfg, "cross: date not before consent") == []


def test_ae_after_death_is_an_error_lab_after_death_a_warning(cfg):
    domains = with_values(tiny_domains(), "ae", 1, AESTDTC="2026-09-02", AEENDTC="")
    domains = with_rows(domains, "lb", [{"STUDYID": STUDY, "USUBJID": S2, "LBSEQ": "1",
                                         "LBTESTCD": "ALT", "LBSTRESN": "20", "LBSTNRLO": "0",
                                         "LBSTNRHI": "40", "LBDTC": "2026-09-10"}])
    assert found(domains, cfg, "cross: date not after death") == [
        ("error", "ae.csv", 2, S2, "AESTDTC", "2026-09-02"),
        ("warning", "lb.csv", 2, S2, "LBDTC", "2026-09-10")]


def test_record_on_the_day_of_death_passes(cfg):
    domains = with_values(tiny_domains(), "ae", 1, AESTDTC="2026-09-01", AEENDTC="2026-09-01")
    assert found(domains, cfg, "cross: date not after death") == []


def test_ae_end_before_start(cfg):
    domains = with_values(tiny_domains(), "ae", 0, AEENDTC="2026-01-11")
    assert found(domains, cfg, "cross: AE.AEENDTC not before AESTDTC") == [
        ("error", "ae.csv", 1, S1, "AEENDTC", "2026-01-11")]


def test_ae_end_in_the_start_month_passes(cfg):
    domains = with_values(tiny_domains(), "ae", 0, AEENDTC="2026-01")
    assert found(domains, cfg, "cross: AE.AEENDTC not before AESTDTC") == []


def test_assessment_before_first_dose(cfg):
    domains = with_values(tiny_domains(), "rs", 0, RSDTC="2026-01-09")
    [finding] = [f for f in validate_cut(make_cut(domains), cfg)
                 if f.rule == "cross: assessment on or after the reference date"]
    assert (finding.severity, finding.file, finding.row, finding.usubjid, finding.column) == (
        "warning", "rs.csv", 1, S1, "RSDTC")
    assert "before the reference date (TRTSDT), not used for response" in finding.message


def test_assessment_before_randomization_when_that_is_the_reference(cfg):
    by_randomization = cfg.model_copy(update={"response": cfg.response.model_copy(
        update={"reference_date": "RANDDT"})})
    domains = with_rows(tiny_domains(), "ds", [{"STUDYID": STUDY, "DOMAIN": "DS", "USUBJID": S1,
                                                "DSSEQ": "3", "DSTERM": "RANDOMIZED",
                                                "DSDECOD": "RANDOMIZED", "DSSTDTC": "2026-03-01"}])
    assert [r[2] for r in found(domains, by_randomization,
                                "cross: assessment on or after the reference date")] == [1]


def test_tr_lesion_not_in_tu(cfg):
    domains = with_values(tiny_domains(), "tr", 1, TRLNKID="T02")
    assert (found(domains, cfg, "cross: TR lesion in TU")
            == [("error", "tr.csv", 2, S1, "TRLNKID", "T02")])


def test_tr_without_tu_names_every_lesion(cfg):
    domains = {k: v for k, v in tiny_domains().items() if k != "tu"}
    assert [r[2] for r in found(domains, cfg, "cross: TR lesion in TU")] == [1, 2]


def test_drug_not_named_in_config_is_one_warning_per_value(cfg):
    domains = with_values(tiny_domains(), "ex", 1, EXTRT="ASPIRIN")
    domains = with_values(domains, "ex", 3, EXTRT="ASPIRIN")
    [finding] = [f for f in validate_cut(make_cut(domains), cfg)
                 if f.rule == "cross: drug named in config"]
    assert ((finding.severity, finding.row, finding.column, finding.value)
            == ("warning", 2, "EXTRT", "ASPIRIN"))
    assert "(2 records)" in finding.message


def test_arm_not_named_in_config_but_screen_failures_are_not_arms(cfg):
    domains = with_values(tiny_domains(), "dm", 1, ACTARMCD="LOWDOSE", ACTARM="Low dose")
    domains = with_values(domains, "dm", 2, ACTARMCD="Scrnfail", ACTARM="Screen Failure")
    assert found(domains, cfg, "cross: arm named in config") == [
        ("warning", "dm.csv", 2, S2, "ACTARMCD", "LOWDOSE")]


def test_no_arm_or_drug_warnings_when_the_config_names_none(cfg):
    unnamed = cfg.model_copy(update={"study": cfg.study.model_copy(update={"arms": (),
                                                                           "components": ()})})
    domains = with_values(tiny_domains(), "dm", 1, ACTARMCD="LOWDOSE", ACTARM="Low dose")
    domains = with_values(domains, "ex", 1, EXTRT="ASPIRIN")
    assert validate_cut(make_cut(domains), unnamed) == []

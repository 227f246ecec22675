"""How a domain's rules run: once over the whole frame, pandera told only pass or fail, the
failing rows taken from the rule's own result; a defined order of findings; control characters
found in the column's bytes."""
from __future__ import annotations

import pandas as pd
import pytest
from cutkit import make_cut, subject, tiny_domains, with_rows, with_values

import tasks.validate.rules as rules_module
from tasks.model import TEXT
from tasks.validate import validate_cut
from tasks.validate.rules import Rule, holds_control_character
from tasks.validate.schemas import validate_domain

S1 = subject(1)


def test_two_findings_on_one_row_come_in_the_order_of_the_rules(cfg):
    domains = with_values(tiny_domains(), "ae", 0, AETERM="Rash\x07", AESER="X", AETOXGR="9")
    found = [f for f in validate_cut(make_cut(domains), cfg) if f.row == 1]
    assert [f.rule for f in found] == [
        "AE.AETOXGR in 1-5", "AE.AESER in Y/N", "AE.AETERM no control characters"]


def test_a_rule_failing_on_every_row_lists_the_cap_and_counts_the_rest(cfg):
    rows = [{"USUBJID": S1, "LBSEQ": str(i), "LBTESTCD": "ALB", "LBSTRESN": "n/a",
             "LBSTNRLO": "35", "LBSTNRHI": "55", "LBDTC": "2026-01-09"} for i in range(2, 3002)]
    lb = with_rows(tiny_domains(), "lb", rows)["lb"].astype(TEXT)
    found = [f for f in validate_domain("lb", lb, "lb.csv", cfg) if f.rule == "LB.LBSTRESN numeric"]
    cap = cfg.validation.max_findings_per_rule
    assert [f.row for f in found[:cap]] == list(range(2, 2 + cap))
    assert found[-1].row is None and found[-1].message.startswith(f"and {3000 - cap:,} more rows")
    assert len(found) == cap + 1


def test_a_rule_that_raises_is_a_finding_that_it_could_not_run(cfg, monkeypatch):
    def broken(frame: pd.DataFrame) -> pd.Series:
        raise ValueError("no such thing")
    original = rules_module.domain_rules
    monkeypatch.setattr("tasks.validate.schemas.domain_rules", lambda *a: [
        *original(*a), Rule("DM.AGE broken", "AGE", "error", "never", broken)])
    [finding] = validate_domain("dm", tiny_domains()["dm"].astype(TEXT), "dm.csv", cfg)
    assert (finding.rule, finding.column, finding.file) == ("DM.AGE broken", "AGE", "dm.csv")
    assert (finding.message.startswith("the check failed to run")
            and "no such thing" in finding.message)


@pytest.mark.parametrize("values,expected", [
    (["Rash", "Fièvre", "tab\there", "line\r\nend"], False),
    (["Rash", "Fi\x7fèvre"], True), (["\x00"], True), (["ok", "é\x1b[31m"], True), ([], False)])
def test_control_characters_are_found_in_the_bytes_of_a_column(values, expected):
    assert holds_control_character(pd.Series(values, dtype=TEXT)) is expected
    assert holds_control_character(pd.Series(values, dtype=object)) is expected


def test_control_characters_outside_a_slice_of_the_column_are_not_its_own():
    column = pd.Series(["a\x07", "b", "c", "d\x07"], dtype=TEXT)
    assert holds_control_character(column.iloc[1:3]) is False
    assert holds_control_character(column.iloc[2:]) is True

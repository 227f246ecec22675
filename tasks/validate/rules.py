"""The rules of one domain, from its spec and the config: each a vectorised test per row, and
the findings on the domain as a whole."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from tasks.adam.response_terms import IRESPONSES, RESPONSES
from tasks.config import TrialConfig
from tasks.dates import earliest_date, is_iso8601
from tasks.distinct import per_distinct
from tasks.model import TEXT, Finding
from tasks.validate.findings import Severity
from tasks.validate.spec import DomainSpec

Test = Callable[[pd.DataFrame], pd.Series]
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
UNSAFE_ID = r"[/\\:*?\"<>|\x00-\x1f\x7f]|\.\."
# The bytes CONTROL matches. In UTF-8 every byte of a multi-byte character is >= 0x80, so a
# control character is exactly one of these bytes in the encoded text.
CONTROL_BYTES = (np.array([bool(CONTROL.match(chr(b))) for b in range(256)])
                 & (np.arange(256) < 0x80))


@dataclass(frozen=True)
class Rule:
    """One rule on the rows of a domain. `test` gives True where a row passes; a finding names
    `column`, and `{value}` in `message` is the row's value of it."""
    name: str
    column: str
    severity: Severity
    message: str
    test: Test


def domain_rules(domain: str, frame: pd.DataFrame, spec: DomainSpec,
                 cfg: TrialConfig) -> list[Rule]:
    """Every rule that applies to the columns the frame has."""
    code = domain.upper()
    columns = set(frame.columns)
    rules = [*_filled(code, spec, columns), *_terms(code, spec, columns),
             *_numbers(code, spec, columns), *_missing(code, spec, columns),
             *_dates(code, columns), *_key(code, spec, frame, cfg), *_identifiers(code, columns),
             *_extra(domain, code, columns, cfg)]
    # A control character already fails a column's date, number or term rule.
    formatted = {r.column for r in rules if r.name.endswith((" ISO 8601", " numeric"))}
    formatted |= set(spec.terms)
    return rules + _control_characters(code, frame, columns - formatted)


# The tests of one column, made per column (a lambda in a loop would see only the last one).
def _not_empty(column: str) -> Test:
    return lambda f: f[column] != ""


def _empty_or_number(column: str) -> Test:
    return lambda f: (f[column] == "") | number(f[column]).notna()


def _not_negative(column: str) -> Test:
    return lambda f: ~(number(f[column]) < 0)


def _empty_or_term(column: str, terms: tuple[str, ...]) -> Test:
    return lambda f: f[column].isin((*terms, ""))


def _empty_or_iso8601(column: str) -> Test:
    return lambda f: (f[column] == "") | is_iso8601(f[column])


def _not_after(column: str, day: pd.Timestamp) -> Test:
    return lambda f: ~(earliest_date(f[column]) > day)


def _no_control_character(column: str) -> Test:
    return lambda f: ~f[column].str.contains(CONTROL.pattern, regex=True)


def _filled(code: str, spec: DomainSpec, columns: set[str]) -> list[Rule]:
    return [Rule(f"{code}.{c} not empty", c, "error", f"{c} is empty", _not_empty(c))
            for c in spec.filled if c in columns]


def _terms(code: str, spec: DomainSpec, columns: set[str]) -> list[Rule]:
    rules = []
    for column, terms in spec.terms.items():
        if column in columns:
            label = spec.terms_label.get(column, "/".join(terms))
            rules.append(Rule(f"{code}.{column} in {label}", column, "error",
                              f"{column} '{{value}}' is not one of {', '.join(terms)}",
                              _empty_or_term(column, terms)))
    return rules


def _numbers(code: str, spec: DomainSpec, columns: set[str]) -> list[Rule]:
    rules = []
    for column in spec.numeric:
        if column in columns:
            rules.append(Rule(f"{code}.{column} numeric", column, "error",
                              f"{column} '{{value}}' is not a number", _empty_or_number(column)))
    for column in spec.non_negative:
        if column in columns:
            rules.append(Rule(f"{code}.{column} >= 0", column, "error",
                              f"{column} {{value}} is negative", _not_negative(column)))
    return rules


def _missing(code: str, spec: DomainSpec, columns: set[str]) -> list[Rule]:
    return [Rule(f"{code}.{c} missing", c, "warning", why, _not_empty(c))
            for c, why in spec.missing_warns.items() if c in columns]


def _dates(code: str, columns: set[str]) -> list[Rule]:
    """Every --DTC variable: ISO 8601, possibly partial, a day that exists on the calendar, and
    not after today (no record can be dated after the day its data were extracted and read)."""
    today = pd.Timestamp(date.today())
    rules = []
    for c in sorted(columns):
        if not c.endswith("DTC"):
            continue
        rules += [Rule(f"{code}.{c} ISO 8601", c, "error",
                       f"{c} '{{value}}' is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)",
                       _empty_or_iso8601(c)),
                  Rule(f"{code}.{c} not in the future", c, "error",
                       f"{c} '{{value}}' is after today ({today.date().isoformat()}): a date in "
                       "the future", _not_after(c, today))]
    return rules


def _key(code: str, spec: DomainSpec, frame: pd.DataFrame, cfg: TrialConfig) -> list[Rule]:
    """USUBJID + --SEQ unique (or the spec's key), every row of a repeated key listed. In RS a
    repeat among records no derivation reads (RSTESTCD other than validation.response_test) is
    a warning: it is still a conformance problem, but it changes no result."""
    key = spec.key
    if key is None:
        seq = f"{code}SEQ"
        key = ("USUBJID", seq) if {"USUBJID", seq} <= set(frame.columns) else ()
    if not key or not set(key) <= set(frame.columns):
        return []
    name = "+".join(key)
    message = f"{name} is not unique: {key[-1]} '{{value}}' appears more than once"
    keys = list(key)
    if code != "RS" or "RSTESTCD" not in frame.columns:
        return [Rule(f"{code}.{name} unique", key[-1], "error", message,
                     lambda f: ~f.duplicated(keys, keep=False))]

    def repeated(f: pd.DataFrame, read: bool) -> pd.Series:
        return f.duplicated(list(key), keep=False) & (
            (f["RSTESTCD"] == cfg.validation.response_test) == read)
    return [Rule(f"{code}.{name} unique", key[-1], "error", message,
                 lambda f: ~repeated(f, True)),
            Rule(f"{code}.{name} unique (records not analysed)", key[-1], "warning",
                 message + " (on a record that is not an overall response: not analysed)",
                 lambda f: ~repeated(f, False))]


def _identifiers(code: str, columns: set[str]) -> list[Rule]:
    seq = [c for c in (f"{code}SEQ", "VISITNUM") if c in columns]
    rules = [Rule(f"{code}.{c} numeric", c, "error", f"{c} '{{value}}' is not a number",
                  _empty_or_number(c)) for c in seq]
    if "USUBJID" in columns:
        rules.append(Rule(f"{code}.USUBJID safe characters", "USUBJID", "error",
                          "USUBJID '{value}' holds path or control characters",
                          lambda f: ~per_distinct(
                              f["USUBJID"], lambda s: s.str.contains(UNSAFE_ID, regex=True)
                          ).astype(bool)))
    return rules


def _control_characters(code: str, frame: pd.DataFrame, columns: set[str]) -> list[Rule]:
    """Control characters break the report (PDF, XML): a rule only for the columns that hold one,
    found by one scan of each column's bytes."""
    rules = []
    for column in sorted(columns):
        if holds_control_character(frame[column]):
            rules.append(Rule(f"{code}.{column} no control characters", column, "error",
                              f"{column} holds a control character: {{value}}",
                              _no_control_character(column)))
    return rules


def holds_control_character(values: pd.Series) -> bool:
    """Whether any value holds a control character: one pass over the column's UTF-8 bytes as
    Arrow holds them (values between the first and the last offset of each chunk)."""
    text = pa.chunked_array(pa.array(values.astype(TEXT), type=pa.large_string()))
    for chunk in text.chunks:
        if len(chunk) == 0:
            continue
        _, offsets, data = chunk.buffers()
        bounds = np.frombuffer(offsets, dtype=np.int64)[chunk.offset:chunk.offset + len(chunk) + 1]
        if data is not None and CONTROL_BYTES[np.frombuffer(data, dtype=np.uint8)[
                bounds[0]:bounds[-1]]].any():
            return True
    return False


def _extra(domain: str, code: str, columns: set[str], cfg: TrialConfig) -> list[Rule]:
    """Rules that read more than one column of the domain."""
    v = cfg.validation
    rules = []
    if domain == "rs" and {"RSTESTCD", "RSSTRESC"} <= columns:
        category = cfg.response.irecist.category

        def is_response(f: pd.DataFrame) -> pd.Series:
            return f["RSTESTCD"] == v.response_test

        def is_irecist(f: pd.DataFrame) -> pd.Series:
            return irecist_records(f, category)
        rules += [
            Rule(f"RS.RSSTRESC in {v.response_test} terms", "RSSTRESC", "error",
                 f"{v.response_test} '{{value}}' is not one of {', '.join(RESPONSES)}",
                 lambda f: ~is_response(f) | is_irecist(f) | f["RSSTRESC"].isin((*RESPONSES, ""))),
            Rule(f"RS.RSSTRESC in iRECIST {v.response_test} terms", "RSSTRESC", "error",
                 f"iRECIST (RSCAT {category}) {v.response_test} '{{value}}' is not one of "
                 f"{', '.join(IRESPONSES)}",
                 lambda f: ~(is_response(f) & is_irecist(f))
                 | f["RSSTRESC"].isin((*IRESPONSES, ""))),
            Rule("RS.RSSTRESC missing", "RSSTRESC", "warning",
                 f"{v.response_test} record without a response: not used",
                 lambda f: ~is_response(f) | (f["RSSTRESC"] != ""))]
        # RECIST 1.1 and iRECIST responses of one date are two readings (RSCAT keeps them apart).
        evaluator: list[str] = [c for c in ("USUBJID", "RSCAT", "RSEVAL", "RSEVALID", "RSDTC")
                                if c in columns]
        if {"USUBJID", "RSDTC"} <= set(evaluator):
            rules.append(Rule("RS.RSSTRESC one response per date and evaluator", "RSSTRESC",
                              "error", "two different overall responses on one date by one "
                              "evaluator: '{value}' is one of them",
                              lambda f: _one_value(f, is_response(f) & (f["RSSTRESC"] != ""),
                                                   evaluator, "RSSTRESC")))
    if domain == "tr" and {"TRTESTCD", "TRSTRESN"} <= columns:
        def diameter(f: pd.DataFrame) -> pd.Series:
            return f["TRTESTCD"].isin(v.diameter_tests)
        rules += [
            Rule("TR.TRSTRESN diameter >= 0", "TRSTRESN", "error", "negative diameter {value}",
                 lambda f: ~(diameter(f) & (number(f["TRSTRESN"]) < 0))),
            Rule("TR.TRSTRESN diameter missing", "TRSTRESN", "warning",
                 "lesion diameter missing at this visit",
                 lambda f: ~diameter(f) | (f["TRSTRESN"] != ""))]
    if domain == "lb" and {"LBTESTCD", "LBSTNRLO", "LBSTNRHI"} <= columns:
        liver = tuple(cfg.labs.liver_tests.values())
        rules.append(Rule("LB.LBSTNRHI normal range of liver tests", "LBSTNRHI", "warning",
                          "liver test without a normal range (LBSTNRLO/LBSTNRHI): not graded",
                          lambda f: ~f["LBTESTCD"].isin(liver)
                          | ((f["LBSTNRLO"] != "") & (f["LBSTNRHI"] != ""))))
    if domain == "ex" and "EXDOSE" in columns:
        rules.append(Rule("EX.EXDOSE > 0", "EXDOSE", "warning",
                          "dose '{value}' is not > 0: the record does not count as a dose",
                          lambda f: _dosed(f, cfg.adsl.zero_dose_treatments)))
    return rules


def irecist_records(rs: pd.DataFrame, category: str) -> pd.Series:
    """True on the RS records of RSCAT `category` (response.irecist.category, any case)."""
    if "RSCAT" not in rs.columns:
        return pd.Series(False, index=rs.index)
    return per_distinct(rs["RSCAT"], lambda v: v.str.strip().str.upper() == category.upper())


def frame_findings(domain: str, frame: pd.DataFrame, file: str, cfg: TrialConfig) -> list[Finding]:
    """Findings on a domain as a whole. RS with records but none of validation.response_test:
    an error, since every derivation reads that test code and would find no response at all.
    RS whose overall responses are all iRECIST (RSCAT response.irecist.category): a warning,
    the primary analysis (RECIST 1.1) has no response."""
    test = cfg.validation.response_test
    if domain != "rs" or frame.empty or "RSTESTCD" not in frame.columns:
        return []
    responses = frame["RSTESTCD"].eq(test)
    category = cfg.response.irecist.category
    if responses.any() and irecist_records(frame, category)[responses].all():
        return [Finding("warning", "RS.RSTESTCD holds RECIST 1.1 overall responses",
                        f"{file}: every {test} record is iRECIST (RSCAT {category}): the primary "
                        "RECIST 1.1 analysis has no response; iRECIST is analysed as exploratory",
                        file=file, column="RSCAT", value=category)]
    if responses.any():
        return []
    codes = ", ".join(sorted(set(frame["RSTESTCD"]) - {""})[:5]) or "(blank)"
    return [Finding("error", "RS.RSTESTCD holds validation.response_test",
                    f"{file} has {len(frame)} record(s) but none with RSTESTCD = {test} "
                    f"(validation.response_test), so no overall response would be analysed; "
                    f"its RSTESTCD values: {codes}. Set validation.response_test to the test "
                    "code of the overall response", file=file, column="RSTESTCD", value=codes)]


def number(values: pd.Series) -> pd.Series:
    """Text as numbers (NaN where empty or not a number)."""
    return per_distinct(values, lambda v: pd.to_numeric(v, errors="coerce")).astype("float64")


def _one_value(frame: pd.DataFrame, rows: pd.Series, by: list[str], column: str) -> pd.Series:
    """False on every row of a group (same subject, evaluator, day) holding two values."""
    values = frame.loc[rows, [*by, column]]
    values[by[-1]] = values[by[-1]].str[:10]   # the day of a date-time
    distinct = values.groupby(by, sort=False)[column].transform("nunique")
    return (distinct <= 1).reindex(frame.index, fill_value=True)


def _dosed(frame: pd.DataFrame, zero_dose_treatments: tuple[str, ...]) -> pd.Series:
    """False where a record of a dose given holds 0 or no dose (other values: errors of their own).
    A 0 dose of a configured zero-dose treatment (placebo) is a dose, as ADSL counts it."""
    no_dose = (frame["EXDOSE"] == "") | (number(frame["EXDOSE"]) == 0)
    not_given = frame["EXOCCUR"] == "N" if "EXOCCUR" in frame.columns else False
    placebo = frame["EXTRT"].str.upper().isin([t.upper() for t in zero_dose_treatments]) \
        if "EXTRT" in frame.columns else False
    return ~no_dose | not_given | (placebo & (number(frame["EXDOSE"]) == 0))

"""The time-to-event sources as data: derive_param_tte takes the earliest event, else the latest
censoring (admiral's derive_param_tte), whatever the sources are; the PFS sources run through
build_adtte are covered by test_adtte.py."""
from __future__ import annotations

import pandas as pd
import pytest

from tasks.adam.descriptions import rule_descriptions
from tasks.adam.tte_sources import (
    DateOf,
    TteSource,
    derive_param_tte,
    progression_sources,
    reference_start,
)
from tasks.config import load_config

CFG = load_config()
T = pd.Timestamp


def frame(**dates: list[str | None]) -> pd.DataFrame:
    n = len(next(iter(dates.values())))
    out = pd.DataFrame({"STUDYID": "S", "USUBJID": [f"S-{i}" for i in range(1, n + 1)]})
    for column, values in dates.items():
        out[column] = pd.to_datetime(pd.Series(values, dtype=object))
    return out


def source(cnsr: int, column: str, name: str, when=lambda f, rc: True) -> TteSource:
    return TteSource(cnsr, name, (DateOf(column, None if cnsr == 0 else name, "ADSL", column),),
                     when, name)


def chosen(out: pd.DataFrame) -> list[tuple[int, str, str]]:
    return [(r.CNSR, r.EVNTDESC, r.ADT.strftime("%Y-%m-%d")) for r in out.itertuples()]


def test_earliest_event_wins_and_a_tie_goes_to_the_first_event_source():
    f = frame(STARTDT=["2025-01-01"] * 3, A=["2025-03-01", "2025-02-01", "2025-02-01"],
              B=["2025-02-01", "2025-03-01", "2025-02-01"], C=["2025-01-15"] * 3)
    sources = (source(0, "A", "a"), source(0, "B", "b"), source(1, "C", "censored"))
    assert chosen(derive_param_tte(f, sources, CFG.response)) == [
        (0, "b", "2025-02-01"), (0, "a", "2025-02-01"), (0, "a", "2025-02-01")]


def test_latest_censoring_wins_and_a_tie_goes_to_the_last_censoring_source():
    f = frame(STARTDT=["2025-01-01"] * 3, A=[None] * 3,
              C=["2025-03-01", "2025-02-01", "2025-02-01"],
              D=["2025-02-01", "2025-03-01", "2025-02-01"])
    sources = (source(0, "A", "event"), source(2, "C", "c"), source(1, "D", "d"))
    assert chosen(derive_param_tte(f, sources, CFG.response)) == [
        (2, "c", "2025-03-01"), (1, "d", "2025-03-01"), (1, "d", "2025-02-01")]


def test_a_source_applies_only_where_its_condition_holds_and_takes_its_first_dated_column():
    f = frame(STARTDT=["2025-01-01"] * 2, LASTDT=["2025-04-01", None])
    start_or_last = TteSource(3, "x", (DateOf("LASTDT", "last", "ADRS", "ADT"),
                                       DateOf("STARTDT", "start", "ADSL", "TRTSDT")),
                              lambda f, rc: True, "x")
    out = derive_param_tte(f, (start_or_last,), CFG.response)
    assert out[["CNSDTDSC", "SRCDOM", "SRCVAR"]].values.tolist() == [
        ["last", "ADRS", "ADT"], ["start", "ADSL", "TRTSDT"]]
    never = source(0, "STARTDT", "never", when=lambda f, rc: False)
    with pytest.raises(ValueError, match="S-1, S-2"):
        derive_param_tte(f, (never,), CFG.response)


def test_pfs_censoring_codes_are_the_documented_ones_in_order():
    sources = progression_sources(reference_start("TRTSDT"))
    assert [(s.cnsr, s.evntdesc) for s in sources] == [
        (0, "Disease Progression"), (0, "Death"),
        (4, "Disease Progression After Missed Assessments"), (4, "Death After Missed Assessments"),
        (3, "New Anticancer Therapy"), (2, "Treatment Start"), (1, "Last Tumor Assessment")]
    pfs = rule_descriptions(CFG).query("parameter == 'PFS'")
    assert pfs["rule"].tolist() == [f"CNSR {s.cnsr}: {s.evntdesc}" for s in sources]
    assert "more than 91 days after it (2 x 42 + 7" in pfs["description"].iloc[2]

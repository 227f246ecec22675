"""Event and censoring sources of OS, PFS, DOR and TTR as data, and the one evaluator that applies
them: admiral's event_source() / censor_source() objects and derive_param_tte().

A source reads a per-subject frame (one row per subject, built by tasks.adam.adtte) and says
when it applies, which date it takes, and what ADTTE records about it (CNSR, EVNTDESC,
CNSDTDSC, SRCDOM, SRCVAR, SRCSEQ). derive_param_tte() takes, per subject, the earliest date of
the event sources that apply (on a tie the first in the list), and otherwise the latest date of
the censoring sources that apply (on a tie the last in the list), as admiral does.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tasks.adam.response_terms import PD
from tasks.config import Response

Condition = Callable[[pd.DataFrame, Response], "pd.Series | bool"]
LAST_ASSESSMENT = "Last Tumor Assessment"
START_EVENT = {"RANDDT": "Randomization", "TRTSDT": "Treatment Start"}
START_WORDS = {"RANDDT": "randomization (RANDDT)", "TRTSDT": "first dose (TRTSDT)"}
RECORD_COLUMNS = ["CNSR", "ADT", "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR", "SRCSEQ"]


@dataclass(frozen=True)
class StartDate:
    """What STARTDT of an endpoint is: its label (EVNTDESC / CNSDTDSC of a record censored on
    it), where it comes from, whether an assessment on that date counts as one after it (DOR:
    the response itself), and its name in the methods."""
    label: str
    srcdom: str
    srcvar: str
    is_assessment: bool
    words: str


def reference_start(reference_date: str) -> StartDate:
    """STARTDT = the reference date (cfg.response.reference_date): OS and PFS."""
    return StartDate(START_EVENT[reference_date], "ADSL", reference_date, False,
                     START_WORDS[reference_date])


RESPONSE_START = StartDate("First Response", "ADRS", "ADT", True,
                           "the first confirmed CR or PR")


@dataclass(frozen=True)
class DateOf:
    """A date a source can take: the column of the per-subject frame, CNSDTDSC when it is a
    censoring date (None for an event), and its source (SRCSEQ from the `seq` column)."""
    column: str
    cnsdtdsc: str | None
    srcdom: str
    srcvar: str
    seq: str | None = None


@dataclass(frozen=True)
class TteSource:
    """An event (CNSR 0) or censoring source: applies where `when` holds, on the first of
    `dates` the subject has; the rule in words ({field}s of tasks.adam.descriptions.rule_values
    and {start} filled in)."""
    cnsr: int
    evntdesc: str
    dates: tuple[DateOf, ...]
    when: Condition
    description: str


def _always(frame: pd.DataFrame, rc: Response) -> bool:
    return True


def os_sources(start: StartDate) -> tuple[TteSource, ...]:
    """OS: frame columns STARTDT, DTHDT (death up to the cutoff), LSTALVDT."""
    at_start = DateOf("STARTDT", start.label, start.srcdom, start.srcvar)
    return (
        TteSource(0, "Death", (DateOf("DTHDT", None, "ADSL", "DTHDT"),), _always,
                  "Event: death from any cause on or before the cutoff (ADSL DTHDT)"),
        TteSource(2, start.label, (at_start,),
                  lambda f, rc: ~(f["LSTALVDT"] > f["STARTDT"]),
                  "Censored at {start}: not known alive after it"),
        TteSource(1, "Alive", (DateOf("LSTALVDT", "Alive During Study", "ADSL", "LSTALVDT"),),
                  lambda f, rc: f["LSTALVDT"] > f["STARTDT"],
                  "Censored at the last date known alive (ADSL LSTALVDT, at most the cutoff)"),
    )


def missed_assessments(f: pd.DataFrame, rc: Response) -> pd.Series:
    """The first PD or death came more than 2 x assessment_interval_days +
    assessment_window_days after the last adequate assessment (STARTDT without one): two or
    more scheduled assessments missed (FDA 2018), when response.pfs_missed_assessments is on."""
    allowed = 2 * rc.assessment_interval_days + rc.assessment_window_days
    return rc.pfs_missed_assessments & ~f["THERAPYFIRST"] & (f["GAPDAYS"] > allowed)


def _counted(f: pd.DataFrame, rc: Response) -> pd.Series:
    """An event that counts: before any new anticancer therapy, not after missed assessments."""
    return ~f["THERAPYFIRST"] & ~missed_assessments(f, rc)


def _nothing_after(f: pd.DataFrame, rc: Response) -> pd.Series:
    return f["EVENTDT"].isna() & ~f["THERAPYFIRST"]


def progression_sources(start: StartDate) -> tuple[TteSource, ...]:
    """PFS (start: the reference date) or DOR (start: the first confirmed response). Frame
    columns (tasks.adam.adtte.progression_facts): STARTDT, PDDT/PDSEQ, DTHDT, EVENTDT and
    FIRSTEVENT (the earlier of the two, PD on a tie), THERAPYFIRST, LASTDT/LASTSEQ, GAPDAYS."""
    last = DateOf("LASTDT", LAST_ASSESSMENT, "ADRS", "ADT", "LASTSEQ")
    at_start = DateOf("STARTDT", start.label, start.srcdom, start.srcvar)
    return (
        TteSource(0, "Disease Progression", (DateOf("PDDT", None, "ADRS", "ADT", "PDSEQ"),),
                  _counted, "Event: the first PD on or after {start}, unless a new anticancer "
                  "therapy started before it or it follows missed assessments (below)"),
        TteSource(0, "Death", (DateOf("DTHDT", None, "ADSL", "DTHDT"),), _counted,
                  "Event: death on or before the cutoff, with the same exceptions; the earlier "
                  "of PD and death counts (PD on the same day)"),
        TteSource(4, "Disease Progression After Missed Assessments", (last, at_start),
                  lambda f, rc: missed_assessments(f, rc) & f["FIRSTEVENT"].eq(PD),
                  "Censored at the last adequate assessment (else at {start}) when the PD came "
                  "more than {missed_gap_days} days after it (2 x {assessment_interval_days} + "
                  "{assessment_window_days}: two or more missed assessments, FDA 2018; "
                  "response.pfs_missed_assessments, here: {pfs_missed_assessments})"),
        TteSource(4, "Death After Missed Assessments", (last, at_start),
                  lambda f, rc: missed_assessments(f, rc) & ~f["FIRSTEVENT"].eq(PD),
                  "Censored at the last adequate assessment (else at {start}) when the death came "
                  "more than {missed_gap_days} days after it (same rule)"),
        TteSource(3, "New Anticancer Therapy", (last, at_start),
                  lambda f, rc: f["THERAPYFIRST"],
                  "Censored at the last adequate assessment on or before the start of a new "
                  "anticancer therapy ({new_therapy}) begun before any PD or death (else at "
                  "{start})"),
        TteSource(2, start.label, (at_start,), _nothing_after,
                  "Censored at {start}: no adequate assessment after it, no PD, death or new "
                  "anticancer therapy"),
        TteSource(1, LAST_ASSESSMENT, (last,), _nothing_after,
                  "Censored at the last adequate assessment (an analysis assessment other than "
                  "NE): no PD, death or new anticancer therapy"),
    )


TTR_SOURCES = (
    TteSource(0, "Response (first confirmed CR or PR)",
              (DateOf("RESPDT", None, "ADRS", "ADT", "RESPSEQ"),), _always,
              "Event: the first confirmed CR or PR (ADRS CRSP), confirmed responders only"),
)


def tte_sources(rc: Response) -> dict[str, tuple[TteSource, ...]]:
    """The sources of every ADTTE parameter, by PARAMCD, for this configuration."""
    reference = reference_start(rc.reference_date)
    return {"OS": os_sources(reference), "PFS": progression_sources(reference),
            "DOR": progression_sources(RESPONSE_START), "TTR": TTR_SOURCES}


def _candidates(frame: pd.DataFrame, sources: tuple[TteSource, ...],
                rc: Response) -> pd.DataFrame:
    """One row per (subject row, source) where the source applies and the subject has a date."""
    parts = []
    for order, source in enumerate(sources):
        left = np.broadcast_to(np.asarray(source.when(frame, rc), dtype=bool), len(frame)).copy()
        for date in source.dates:
            taken = left & frame[date.column].notna().to_numpy()
            left &= ~taken
            rows = frame[taken]
            seq = rows[date.seq] if date.seq else pd.Series(np.nan, index=rows.index)
            parts.append(pd.DataFrame({
                "ROW": np.flatnonzero(taken), "ORDER": order,
                "CNSR": np.full(len(rows), source.cnsr, dtype="int64"),
                "ADT": rows[date.column].astype("datetime64[ns]").to_numpy(),
                **{column: np.full(len(rows), value, dtype=object) for column, value in (
                    ("EVNTDESC", source.evntdesc), ("CNSDTDSC", date.cnsdtdsc),
                    ("SRCDOM", date.srcdom), ("SRCVAR", date.srcvar))},
                "SRCSEQ": seq.astype("float64").to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def derive_param_tte(frame: pd.DataFrame, sources: tuple[TteSource, ...],
                     rc: Response) -> pd.DataFrame:
    """One record per row of `frame` (STUDYID, USUBJID, STARTDT kept): the earliest applying
    event (ties: the first source), else the latest applying censoring (ties: the last source).
    Every subject must meet at least one source."""
    cand = _candidates(frame, sources, rc)
    censored = cand["CNSR"].ne(0).to_numpy()
    day = cand["ADT"].to_numpy().astype("int64")
    cand["CENSORED"] = censored
    cand["BYDATE"] = np.where(censored, -day, day)
    cand["BYORDER"] = np.where(censored, -cand["ORDER"], cand["ORDER"])
    chosen = cand.sort_values(["ROW", "CENSORED", "BYDATE", "BYORDER"]).drop_duplicates("ROW")
    if len(chosen) != len(frame):
        unmet = frame["USUBJID"].to_numpy()[np.setdiff1d(np.arange(len(frame)), chosen["ROW"])]
        raise ValueError(f"no event or censoring source applies to {', '.join(unmet[:3])}")
    records = chosen.sort_values("ROW")[RECORD_COLUMNS].reset_index(drop=True)
    return pd.concat([frame[["STUDYID", "USUBJID", "STARTDT"]].reset_index(drop=True), records],
                     axis=1)

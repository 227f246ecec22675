"""Data problems planted in a simulated cut, by scenario: what each is for is in SCENARIOS."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import cast

import numpy as np
import pandas as pd

from tasks.errors import ConfigError
from tasks.simulate.arrays import stream
from tasks.simulate.cut import cut_history

Frames = dict[str, pd.DataFrame]

SCENARIOS: dict[str, str] = {
    "clean": "the database as it stood at the cutoff, without problems",
    "partial-dates": "some AE start/end dates and a few RS dates month-only (2026-03), one DM "
                     "death date partial",
    "messy": "warnings only: an AE without grade, a lab without normal range, an investigator "
             "response contradicting the lesion measurements, a subject whose data stop > 60 "
             "days before the cutoff, markup in AE terms",
    "invalid": "hard errors: an AE of a subject not in DM, AETOXGR 7, the date 2026-02-30, a "
               "duplicate AESEQ, RSSTRESC GOOD",
    "correction": "as clean, but an earlier AE's grade corrected and an earlier RS record "
                  "deleted (changes since the previous cut)",
}
MARKUP_TERMS = ("<b>rash</b>", "RASH url(http://example.org/x)")
IMPOSSIBLE_DATE = "2026-02-30"
INVALID_GRADE = "7"
INVALID_RESPONSE = "GOOD"
DATA_LAG_DAYS = 75                  # the lagging subject's data stop this long before the cutoff
EARLIER_DAYS = 61                   # "earlier" records: in a cut two months before
PARTIAL_SHARE = 0.03                # AE dates made month-only (at least 3 of each)
SEVERITY = {"1": "MILD", "2": "MODERATE", "3": "SEVERE", "4": "SEVERE", "5": "SEVERE"}


def _need(mask: pd.Series, what: str, scenario: str, at_least: int = 1) -> np.ndarray:
    rows = np.flatnonzero(mask.to_numpy())
    if len(rows) < at_least:
        raise ConfigError(f"scenario {scenario!r} needs at least {at_least} {what} in the cut to "
                          f"plant its problems, found {len(rows)}; choose a later cutoff or more "
                          "subjects")
    return rows


def _one(rng: np.random.Generator, mask: pd.Series, what: str, scenario: str) -> int:
    return int(rng.choice(_need(mask, what, scenario)))


def _partial_dates(frames: Frames, cutoff: date, rng: np.random.Generator) -> Frames:
    ae, rs, dm = frames["ae"].copy(), frames["rs"].copy(), frames["dm"].copy()
    for column in ("AESTDTC", "AEENDTC"):
        rows = _need(ae[column].str.len().eq(10), f"AE(s) with {column}", "partial-dates")
        k = min(len(rows), max(3, int(PARTIAL_SHARE * len(ae))))
        picked = rng.choice(rows, k, replace=False)
        ae.loc[picked, column] = ae.loc[picked, column].str[:7]
    rows = _need(rs["RSDTC"].str.len().eq(10), "RS record(s)", "partial-dates")
    picked = rng.choice(rows, min(3, len(rows)), replace=False)
    rs.loc[picked, "RSDTC"] = rs.loc[picked, "RSDTC"].str[:7]
    row = _one(rng, dm["DTHDTC"].ne(""), "death(s)", "partial-dates")
    dm.loc[row, "DTHDTC"] = str(dm.loc[row, "DTHDTC"])[:7]
    return {**frames, "ae": ae, "rs": rs, "dm": dm}


def _messy(frames: Frames, cutoff: date, rng: np.random.Generator) -> Frames:
    frames = _lagging_subject(frames, cutoff, rng)
    ae, lb, rs = frames["ae"].copy(), frames["lb"].copy(), frames["rs"].copy()
    rows = rng.choice(_need(ae["AETOXGR"].ne(""), "AEs", "messy", 3), 3, replace=False)
    ae.loc[rows[0], "AETOXGR"] = ""
    for row, term in zip(rows[1:], MARKUP_TERMS):
        ae.loc[row, "AETERM"] = term
    row = _one(rng, lb["LBBLFL"].eq(""), "post-baseline lab(s)", "messy")
    lb.loc[row, ["LBORNRLO", "LBORNRHI", "LBSTNRLO", "LBSTNRHI"]] = ""
    measured = _fully_measured_visits(frames["tr"])
    sd = rs["RSSTRESC"].eq("SD") & pd.MultiIndex.from_frame(rs[["USUBJID", "RSDTC"]]).isin(measured)
    row = _one(rng, sd, "SD assessment(s) with every target lesion measured", "messy")
    rs.loc[row, ["RSORRES", "RSSTRESC"]] = "PR"
    return {**frames, "ae": ae, "lb": lb, "rs": rs}


def _fully_measured_visits(tr: pd.DataFrame) -> pd.MultiIndex:
    target = tr[tr["TRTESTCD"].eq("LDIAM")]
    complete = target.groupby(["USUBJID", "TRDTC"])["TRSTRESN"].agg(lambda v: v.ne("").all())
    return cast(pd.MultiIndex, complete.index[complete.to_numpy()])   # grouped by two keys


def _lagging_subject(frames: Frames, cutoff: date, rng: np.random.Generator) -> Frames:
    """A subject on treatment whose data stop DATA_LAG_DAYS before the cutoff."""
    dm, ds = frames["dm"], frames["ds"]
    stopped = ds.loc[ds["EPOCH"].eq("TREATMENT"), "USUBJID"]
    early = (cutoff - timedelta(days=2 * DATA_LAG_DAYS)).isoformat()
    on = dm["RFXSTDTC"].ne("") & (dm["RFXSTDTC"] <= early) & ~dm["USUBJID"].isin(stopped)
    subject = dm.loc[_one(rng, on, "subject(s) on treatment for 5 months", "messy"), "USUBJID"]
    return cut_history(frames, cutoff - timedelta(days=DATA_LAG_DAYS), {str(subject)})


def _invalid(frames: Frames, cutoff: date, rng: np.random.Generator) -> Frames:
    ae, rs, dm = frames["ae"].copy(), frames["rs"].copy(), frames["dm"]
    seq = pd.to_numeric(ae["AESEQ"])
    later = ae["USUBJID"].duplicated()
    dup = _one(rng, later, "subject(s) with two AEs", "invalid")
    others = np.setdiff1d(_need(ae["AETOXGR"].ne(""), "AEs", "invalid", 4), [dup, dup - 1])
    grade_row, date_row = rng.choice(others, 2, replace=False)
    ae.loc[dup, "AESEQ"] = str(int(seq[dup - 1]))
    ae.loc[grade_row, "AETOXGR"] = INVALID_GRADE
    ae.loc[date_row, "AESTDTC"] = IMPOSSIBLE_DATE
    stranger = ae.iloc[[int(rng.integers(len(ae)))]].copy()
    site = dm["SITEID"].iloc[0]
    stranger["USUBJID"] = f"{dm['STUDYID'].iloc[0]}-{site}-9999"
    while stranger["USUBJID"].iloc[0] in set(dm["USUBJID"]):
        stranger["USUBJID"] = stranger["USUBJID"] + "9"
    stranger["AESEQ"] = "1"
    ae = pd.concat([ae, stranger], ignore_index=True)
    row = _one(rng, rs["RSSTRESC"].ne(""), "RS record(s)", "invalid")
    rs.loc[row, ["RSORRES", "RSSTRESC"]] = INVALID_RESPONSE
    return {**frames, "ae": ae, "rs": rs}


def _correction(frames: Frames, cutoff: date, rng: np.random.Generator) -> Frames:
    ae, rs = frames["ae"].copy(), frames["rs"].copy()
    earlier = (cutoff - timedelta(days=EARLIER_DAYS)).isoformat()
    row = _one(rng, (ae["AESTDTC"] <= earlier) & ae["AETOXGR"].isin(["1", "2", "3"]),
               "AE(s) two months before the cutoff", "correction")
    grade = str(int(str(ae.loc[row, "AETOXGR"])) + 1)
    ae.loc[row, ["AETOXGR", "AESEV"]] = [grade, SEVERITY[grade]]
    row = _one(rng, (rs["RSDTC"] <= earlier) & rs["RSSTRESC"].ne("PD"),
               "RS record(s) two months before the cutoff", "correction")
    return {**frames, "ae": ae, "rs": rs.drop(index=row).reset_index(drop=True)}


_PLANT: dict[str, Callable[[Frames, date, np.random.Generator], Frames]] = {
    "partial-dates": _partial_dates, "messy": _messy, "invalid": _invalid,
    "correction": _correction}


def apply_scenario(frames: dict[str, pd.DataFrame], scenario: str, cutoff: date,
                   seed: int) -> dict[str, pd.DataFrame]:
    """The cut with the scenario's problems planted (the same ones for the same seed)."""
    if scenario not in SCENARIOS:
        raise ConfigError(f"unknown scenario {scenario!r}; one of: {', '.join(SCENARIOS)}")
    if scenario == "clean":
        return frames
    return _PLANT[scenario](frames, cutoff, stream(seed, "scenario"))

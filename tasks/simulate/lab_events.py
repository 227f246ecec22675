"""Lab-type adverse events made from the LB values that show them (catalogue.LAB_EVENTS).

Each test's post-baseline values are graded as the ADaM grades them (tasks.adam.ctcae, against
the normal range, and against the baseline when it was above the ULN). An episode is a run of
consecutive post-baseline visits with a grade >= 1; it is reported as one AE at its worst grade,
starting at the first visit at that grade and ending the day before the first visit back at
grade 0 (ongoing when there is none), when it worsens on the baseline and the investigator
reports it (catalogue.LAB_EVENT_REPORT_P). ALT/AST episodes during an immune-mediated hepatitis
AE are not reported again: the investigator reports the diagnosis.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam import ctcae
from tasks.simulate import catalogue as cat
from tasks.simulate.arrays import NEVER, stream

TRANSAMINASES = ("ALT", "AST")
HEPATITIS_MARGIN_DAYS = 7
GRADED_FROM = ["subject", "code", "day", "value", "low", "high", "post", "baseline"]


def graded(labs: pd.DataFrame) -> pd.DataFrame:
    """Post-baseline rows of the LAB_EVENTS tests with GRADE and the baseline grade BGRADE and
    whether the baseline was above the ULN (BHIGH), sorted by subject, test and day."""
    rows = labs.loc[labs["code"].isin(list(cat.LAB_EVENTS)).to_numpy(), GRADED_FROM]
    base = rows[rows["baseline"]].set_index(["subject", "code"])["value"]
    key = pd.MultiIndex.from_arrays([rows["subject"], rows["code"]])
    rows = rows.assign(base=base.reindex(key).to_numpy())
    parts = []
    for group, part in rows.groupby("code", sort=False):
        code = str(group)
        unit = pd.Series(cat.LAB_TESTS[code].unit, index=part.index)
        nan = pd.Series(np.nan, index=part.index)
        baseline_grade, _ = ctcae.grade_values(code, part["base"], part["low"], part["high"], nan,
                                               nan, unit)
        post = part["post"].to_numpy()
        grade, _ = ctcae.grade_values(code, part["value"], part["low"], part["high"],
                                      part["base"].where(post), part["high"], unit)
        parts.append(part.assign(GRADE=grade.to_numpy(), BGRADE=baseline_grade.to_numpy(),
                                 BHIGH=(part["base"] > part["high"]).to_numpy()))
    out = pd.concat(parts) if parts else rows.assign(GRADE=[], BGRADE=[], BHIGH=[])
    out = out[out["post"]]
    return out.sort_values(["subject", "code", "day"], kind="mergesort").reset_index(drop=True)


def episodes(rows: pd.DataFrame) -> pd.DataFrame:
    """Runs of consecutive rows (one subject and test) with GRADE >= 1: subject, code, first and
    last day, worst grade, the first day at it (start), the day before the next row (end), and
    whether the run worsens on the baseline."""
    abnormal = (rows["GRADE"] >= 1).to_numpy()
    same = np.r_[False, (rows["subject"].to_numpy()[1:] == rows["subject"].to_numpy()[:-1])
                 & (rows["code"].to_numpy()[1:] == rows["code"].to_numpy()[:-1])]
    begins = abnormal & ~(same & np.r_[False, abnormal[:-1]])
    run = np.cumsum(begins)
    inside = rows[abnormal].assign(run=run[abnormal], row=np.flatnonzero(abnormal))
    if inside.empty:
        return pd.DataFrame(columns=["subject", "code", "first", "last", "grade", "start", "end",
                                     "worsens"])
    worst = inside.groupby("run")["GRADE"].transform("max")
    peak = inside[inside["GRADE"].eq(worst)].drop_duplicates("run")
    last_row = inside.groupby("run")["row"].max().to_numpy()
    after = last_row + 1
    has_next = (after < len(rows)) & np.r_[same, False][np.minimum(after, len(rows))]
    next_day = rows["day"].to_numpy()[np.minimum(after, len(rows) - 1)]
    first = inside.drop_duplicates("run")
    worsens = (peak["GRADE"].to_numpy() > peak["BGRADE"].to_numpy()) | (
        peak["BHIGH"].to_numpy() & (_direction(peak["code"]) == "high"))
    return pd.DataFrame({
        "subject": peak["subject"].to_numpy(), "code": peak["code"].to_numpy(),
        "first": first["day"].to_numpy(), "last": rows["day"].to_numpy()[last_row],
        "grade": peak["GRADE"].to_numpy().astype(np.int64), "start": peak["day"].to_numpy(),
        "end": np.where(has_next, next_day - 1, NEVER), "worsens": worsens})


def _direction(codes: pd.Series) -> np.ndarray:
    return codes.map(lambda c: ctcae.RULES[c].direction).to_numpy(dtype=object)


def _during_hepatitis(runs: pd.DataFrame, hepatitis: pd.DataFrame) -> np.ndarray:
    """Transaminase runs that overlap an immune-mediated hepatitis AE of the subject (+- a week)."""
    if hepatitis.empty or runs.empty:
        return np.zeros(len(runs), dtype=bool)
    pairs = runs.reset_index(drop=True).reset_index().merge(
        hepatitis[["subject", "start", "end"]], on="subject", suffixes=("", "_h"))
    end_h = np.minimum(pairs["end_h"], pairs["start_h"] + cat.IMMUNE_HEPATITIS_OPEN_DAYS)
    overlap = (pairs["code"].isin(TRANSAMINASES)
               & (pairs["first"] <= end_h + HEPATITIS_MARGIN_DAYS)
               & (pairs["last"] >= pairs["start_h"] - HEPATITIS_MARGIN_DAYS))
    return np.isin(np.arange(len(runs)), pairs.loc[overlap, "index"].to_numpy())


def lab_events(labs: pd.DataFrame, hepatitis: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The reported lab-type AEs: subject, start, end, decod, grade (kind "lab")."""
    rng = stream(seed, "lab_events")
    runs = episodes(graded(labs))
    report_p = np.array([cat.LAB_EVENT_REPORT_P.get(g, 0.0) for g in range(6)])
    reported = (runs["worsens"].to_numpy() & (rng.random(len(runs)) < report_p[runs["grade"]])
                & ~_during_hepatitis(runs, hepatitis))
    runs = runs[reported]
    options = runs["code"].map(cat.LAB_EVENTS)
    pick = np.floor(rng.random(len(runs)) * options.map(len).to_numpy()).astype(np.int64)
    decod = [terms[i] for terms, i in zip(options, pick)]
    return pd.DataFrame({"subject": runs["subject"].to_numpy(), "start": runs["start"].to_numpy(),
                         "end": runs["end"].to_numpy(), "decod": np.array(decod, dtype=object),
                         "grade": runs["grade"].to_numpy(), "kind": "lab"})

"""Disease control at the landmark (ADRS DCLM; docs/efficacy.md, Rates: DCR at 6 months): the
overall response at the assessment closest to `dcr_window_months` after the reference date, over
the subjects who reached it or progressed or died before it."""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam.best_response import SOURCE_COLUMNS
from tasks.adam.response_terms import CLINICAL_BENEFIT, PD
from tasks.config import Response
from tasks.dates import DAYS_PER_MONTH

YES, NO, PENDING, NOT_REACHED = "Y", "N", "PENDING", "NOT REACHED"
# Why a subject is not in the denominator (EXCLREAS of the records without ANL01FL).
LEFT_OUT = {PENDING: "landmark window not over at the cutoff, no assessment in it yet",
            NOT_REACHED: "follow-up ended before the landmark without PD or death"}


def landmark_days(rc: Response) -> float:
    return rc.dcr_window_months * DAYS_PER_MONTH


def landmark_control(anl: pd.DataFrame, subjects: pd.DataFrame, rc: Response,
                     cutoff: pd.Timestamp) -> pd.DataFrame:
    """Per subject (USUBJID, AVALC, source columns of the assessment that decides), in this order:
        N            died before the landmark (ADT = DTHDT), or the first PD came before it
        Y / N        the analysis assessment closest to the landmark, at most
                     dcr_landmark_window_days from it (the earlier of two as close), shows
                     disease control (CR, PR, SD, NON-CR/NON-PD) or not (PD, NE)
        N            none in the window, the window is over and the subject was known alive at
                     the landmark (LSTALVDT)
        PENDING      none in the window yet and the window is not over at the cutoff
        NOT REACHED  otherwise (follow-up ended before the landmark; no reference date)
    `anl`: the analysis assessments (ANL01FL = "Y", up to the first PD) with REFDT."""
    days = landmark_days(rc)
    window = rc.dcr_landmark_window_days
    frame = subjects.set_index("USUBJID")
    landmark = frame["REFDT"] + pd.to_timedelta(days, unit="D")
    timed = anl.assign(DIST=((anl["ADT"] - anl["REFDT"]).dt.days - days).abs())
    first_pd = (timed[timed["AVALC"].eq(PD) & (timed["ADT"] < timed["USUBJID"].map(landmark))]
                .sort_values("ADT").drop_duplicates("USUBJID").set_index("USUBJID"))
    closest = (timed[timed["DIST"] <= window].sort_values(["USUBJID", "DIST", "ADT"])
               .drop_duplicates("USUBJID").set_index("USUBJID"))
    out = pd.DataFrame(index=frame.index, columns=["AVALC", *SOURCE_COLUMNS]).astype(object)
    died = frame["DTHDT"].notna() & (frame["DTHDT"] < landmark)
    out.loc[died, "AVALC"] = NO
    out.loc[died, "ADT"] = frame.loc[died, "DTHDT"]
    progressed = out.index.isin(first_pd.index) & out["AVALC"].isna()
    ids = out.index[progressed]
    out.loc[ids, SOURCE_COLUMNS] = first_pd.loc[ids, SOURCE_COLUMNS].to_numpy()
    out.loc[ids, "AVALC"] = NO
    assessed = out.index.isin(closest.index) & out["AVALC"].isna()
    ids = out.index[assessed]
    out.loc[ids, SOURCE_COLUMNS] = closest.loc[ids, SOURCE_COLUMNS].to_numpy()
    out.loc[ids, "AVALC"] = np.where(closest.loc[ids, "AVALC"].isin(CLINICAL_BENEFIT), YES, NO)
    last_day = frame["REFDT"] + pd.to_timedelta(np.floor(days + window), unit="D")
    over = last_day <= cutoff
    rest = out["AVALC"].isna()
    out.loc[rest, "AVALC"] = np.select(
        [(over & (frame["LSTALVDT"] >= landmark))[rest], (~over & frame["REFDT"].notna())[rest]],
        [NO, PENDING], NOT_REACHED)
    out["ADT"] = out["ADT"].astype("datetime64[ns]")
    return out.rename_axis("USUBJID").reset_index()

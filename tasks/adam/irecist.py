"""iRECIST best overall response, exploratory (docs/efficacy.md, iRECIST; Seymour et al. 2017):
IBOR (confirmation not required) and ICBOR (iCR / iPR confirmed), the categories as data
evaluated by tasks.adam.best_response.best_of, as admiralonco's iRECIST vignette does with
event() objects. Input: the analysis iRECIST assessments (ADRS IOVR with ANL01FL = "Y": one per
date, on or after the reference date, up to the first iCPD) with REFDT."""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam.best_response import NO_DATA_MISSING, NO_DATA_NE, Category, confirmed, late_enough
from tasks.adam.response_terms import (
    AS_RECIST,
    CR,
    ICPD,
    ICR,
    IPR,
    IRESPONSES,
    ISD,
    IUPD,
    NE,
    NON_ICR_NON_IUPD,
    PR,
)
from tasks.config import Response


def progression_confirmed(ovr: pd.DataFrame, rc: Response) -> pd.Series:
    """True on the first iUPD of each run of iUPD (and NE) assessments that an iCPD confirms:
    the assessment after the run is iCPD, at least irecist.confirm_min_days and at most
    irecist.confirm_max_days after the run's last iUPD. The date of progression is the run's
    first iUPD (iRECIST). Any other response (iSD, iPR, iCR, NON-iCR/NON-iUPD) ends a run: the
    progression is not confirmed and a later iUPD needs its own confirmation."""
    o = ovr[["USUBJID", "ADT", "AVALC"]].sort_values(["USUBJID", "ADT"], kind="stable")
    run = (~o["AVALC"].isin([IUPD, NE])).groupby(o["USUBJID"], sort=False).cumsum()
    iupd = o[o["AVALC"].eq(IUPD)].assign(RUN=run)
    runs = iupd.rename_axis("ROW").reset_index().groupby(["USUBJID", "RUN"]).agg(
        FIRST=("ROW", "first"), LAST=("ADT", "max"))
    icpd = o[o["AVALC"].eq(ICPD)].assign(RUN=run - 1)
    matched = icpd.join(runs, on=["USUBJID", "RUN"], how="inner")
    gap = (matched["ADT"] - matched["LAST"]).dt.days
    ic = rc.irecist
    ok = (gap >= ic.confirm_min_days) & gap.le(np.inf if ic.confirm_max_days is None
                                               else ic.confirm_max_days)
    return pd.Series(ovr.index.isin(matched.loc[ok, "FIRST"]), index=ovr.index)


def _as_recist(ovr: pd.DataFrame) -> pd.DataFrame:
    """iRECIST read as RECIST 1.1 for the confirmation of iCR / iPR (iUPD and iCPD as PD)."""
    return ovr.assign(AVALC=ovr["AVALC"].map(AS_RECIST))


I_CR = Category(ICR, "iCR at any time", lambda o, rc: o["AVALC"].eq(ICR))
I_PR = Category(IPR, "iPR at any time", lambda o, rc: o["AVALC"].eq(IPR))
I_SD = Category(ISD, "iSD at least {sd_min_days} days after the reference date",
                lambda o, rc: o["AVALC"].eq(ISD) & late_enough(o, rc))
I_NON = Category(NON_ICR_NON_IUPD, "NON-iCR/NON-iUPD at least {sd_min_days} days after the "
                 "reference date",
                 lambda o, rc: o["AVALC"].eq(NON_ICR_NON_IUPD) & late_enough(o, rc))
I_CPD = Category(ICPD, "iUPD confirmed: the assessment after a run of iUPD (NE allowed in it) is "
                 "iCPD, {icpd_min_days} to {icpd_max_days} days after the run's last iUPD; "
                 "dated at the run's first iUPD. An iSD, iPR, iCR or NON-iCR/NON-iUPD after an "
                 "iUPD resets it", progression_confirmed)
I_UPD = Category(IUPD, "iUPD not confirmed (also an iCPD that confirms no iUPD by that rule)",
                 lambda o, rc: o["AVALC"].isin([IUPD, ICPD]))
I_NE = Category(NE, "any other assessment (NE, or iSD or NON-iCR/NON-iUPD earlier than "
                "{sd_min_days} days after the reference date)",
                lambda o, rc: o["AVALC"].isin(IRESPONSES))

IBOR_RULES = (I_CR, I_PR, I_SD, I_NON, I_CPD, I_UPD, I_NE, NO_DATA_NE, NO_DATA_MISSING)
ICBOR_RULES = (
    Category(ICR, "iCR confirmed as a CR is by RECIST 1.1 (CBOR), an iUPD or iCPD in between "
             "counting as PD", lambda o, rc: confirmed(_as_recist(o), rc, CR)),
    Category(IPR, "iPR confirmed as a PR is by RECIST 1.1 (CBOR), an iUPD or iCPD in between "
             "counting as PD", lambda o, rc: confirmed(_as_recist(o), rc, PR)),
    Category(ISD, "iSD, or an iCR or iPR not confirmed, at least {sd_min_days} days after the "
             "reference date", lambda o, rc: o["AVALC"].isin([ICR, IPR, ISD]) & late_enough(o, rc)),
    I_NON, I_CPD, I_UPD, I_NE, NO_DATA_NE, NO_DATA_MISSING)

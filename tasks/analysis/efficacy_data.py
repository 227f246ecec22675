"""The efficacy analyses' inputs, one row per subject: responses, time-to-event records, tumour
shrinkage and the swimmer-plot timeline, drawn from ADSL, ADRS, ADTTE and ADTR."""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam.landmark import NO, NOT_REACHED, PENDING, YES
from tasks.adam.response_terms import IRECIST, MISSING, PD, RECIST, RESPONDER
from tasks.config import TrialConfig
from tasks.dates import DAYS_PER_MONTH
from tasks.errors import BadInputError

BOR, CBOR = "BOR", "CBOR"
# ADRS: confirmed BOR from the assessments within response.dcr_window_months
CBOR_WINDOW = "CBORW"
LANDMARK = "DCLM"        # ADRS: disease control at the landmark response.dcr_window_months
BOR_REVIEW, CBOR_REVIEW = "BORIRC", "CBORIRC"     # by the independent reviewer
IBOR, ICBOR = "IBOR", "ICBOR"                     # iRECIST
OVERALL, OVERALL_REVIEW = "OVR", "OVRIRC"
SUM_OF_DIAMETERS = "SUMDIAM"
SUBJECT_KEYS = ["USUBJID", "TRT01A", "TRT01AN"]
# Per ADRS parameter: the values it may hold and the one of a subject without a record. BOR and
# CBOR are always analysed; the others when ADRS has them.
PARAMETER_VALUES = {
    BOR: (RECIST.order, MISSING), CBOR: (RECIST.order, MISSING),
    CBOR_WINDOW: (RECIST.order, MISSING), LANDMARK: ((YES, NO, PENDING, NOT_REACHED), NOT_REACHED),
    BOR_REVIEW: (RECIST.order, MISSING), CBOR_REVIEW: (RECIST.order, MISSING),
    IBOR: (IRECIST.order, MISSING), ICBOR: (IRECIST.order, MISSING),
}


def _unique_per_subject(records: pd.DataFrame, dataset: str) -> None:
    twice = records[records.duplicated(["USUBJID", "PARAMCD"], keep=False)]
    if len(twice):
        first = twice.iloc[0]
        raise BadInputError(
            f"{dataset}: {twice['USUBJID'].nunique()} subject(s) have more than one "
            f"{first['PARAMCD']} record (first: USUBJID {first['USUBJID']}); one record per "
            "subject and parameter is expected")


def subject_responses(adsl: pd.DataFrame, adrs: pd.DataFrame) -> pd.DataFrame:
    """One row per response-evaluable subject (RSEVALFL): BOR, CBOR and each other parameter of
    PARAMETER_VALUES that ADRS has (a subject without a record gets its missing value), and
    REVIEWED: at least one analysis assessment by the independent reviewer (OVRIRC)."""
    population = adsl.loc[adsl["RSEVALFL"].eq("Y"), SUBJECT_KEYS]
    present = set(adrs["PARAMCD"])
    params = [p for p in PARAMETER_VALUES if p in (BOR, CBOR) or p in present]
    records = adrs.loc[adrs["PARAMCD"].isin(params), ["USUBJID", "PARAMCD", "AVALC"]]
    _unique_per_subject(records, "ADRS")
    wide = records.pivot(index="USUBJID", columns="PARAMCD", values="AVALC").reindex(columns=params)
    out = population.merge(wide, left_on="USUBJID", right_index=True, how="left")
    for param in params:
        allowed, missing = PARAMETER_VALUES[param]
        out[param] = out[param].fillna(missing).replace("", missing)
        bad = out.loc[~out[param].isin(allowed)]
        if len(bad):
            raise BadInputError(f"ADRS {param}: AVALC '{bad[param].iloc[0]}' (USUBJID "
                                f"{bad['USUBJID'].iloc[0]}) is not one of {', '.join(allowed)}")
    reviewed = _analysed(adrs[adrs["PARAMCD"].eq(OVERALL_REVIEW)])["USUBJID"]
    out["REVIEWED"] = out["USUBJID"].isin(reviewed)
    return out.reset_index(drop=True)


def endpoint_records(adsl: pd.DataFrame, adtte: pd.DataFrame, paramcd: str) -> pd.DataFrame:
    """The ADTTE records of one endpoint for full-analysis-set subjects, with the arm; EVENT is
    1 for an event (CNSR 0). A record without AVAL or CNSR is an error, never dropped."""
    population = adsl.loc[adsl["FASFL"].eq("Y"), SUBJECT_KEYS]
    columns = ["USUBJID", "PARAMCD", "AVAL", "CNSR", "EVNTDESC", "CNSDTDSC"]
    records = adtte.loc[adtte["PARAMCD"].eq(paramcd)].reindex(columns=columns)
    _unique_per_subject(records, "ADTTE")
    out = population.merge(records, on="USUBJID", how="inner")
    aval = pd.to_numeric(out["AVAL"], errors="coerce")
    cnsr = pd.to_numeric(out["CNSR"], errors="coerce")
    broken = aval.isna() | cnsr.isna() | (aval < 0)
    if broken.any():
        raise BadInputError(f"ADTTE {paramcd}: {int(broken.sum())} record(s) without a valid "
                            f"AVAL/CNSR (first: USUBJID {out.loc[broken, 'USUBJID'].iloc[0]})")
    return out.assign(AVAL=aval.astype(float), EVENT=(cnsr == 0).astype(int),
                      EVNTDESC=out["EVNTDESC"].fillna(""), CNSDTDSC=out["CNSDTDSC"].fillna(""))


def _analysed(records: pd.DataFrame) -> pd.DataFrame:
    """The records the analysis uses (ANL01FL = "Y": complete target sums, analysed assessments)."""
    return records[records["ANL01FL"].eq("Y")] if "ANL01FL" in records else records


def percent_change_over_time(adtr: pd.DataFrame, adsl: pd.DataFrame,
                             cfg: TrialConfig) -> pd.DataFrame:
    """USUBJID, WEEK, PCHG of the target-lesion sum per assessment, from baseline (week 0, 0%);
    weeks since the configured reference date."""
    columns = ["USUBJID", "WEEK", "PCHG"]
    if adtr.empty or not {"USUBJID", "PARAMCD", "PCHG", "ADT"} <= set(adtr.columns):
        return pd.DataFrame(columns=columns)
    reference = adsl.set_index("USUBJID")[cfg.response.reference_date]
    rows = _analysed(adtr[adtr["PARAMCD"].eq(SUM_OF_DIAMETERS)])
    rows = rows[~rows["ABLFL"].eq("Y")] if "ABLFL" in rows else rows
    rows = rows.assign(PCHG=pd.to_numeric(rows["PCHG"], errors="coerce"),
                       START=rows["USUBJID"].map(reference)).dropna(subset=["PCHG", "ADT", "START"])
    post = rows.assign(WEEK=(rows["ADT"] - rows["START"]).dt.days / 7.0)[columns]
    baseline = pd.DataFrame({"USUBJID": post["USUBJID"].unique(), "WEEK": 0.0, "PCHG": 0.0})
    return (pd.concat([baseline, post], ignore_index=True)
            .sort_values(["USUBJID", "WEEK"], kind="stable").reset_index(drop=True))


def _first_date(adrs: pd.DataFrame, values: tuple[str, ...]) -> pd.Series:
    hits = _analysed(adrs[adrs["PARAMCD"].eq(OVERALL) & adrs["AVALC"].isin(values)])
    return hits.groupby("USUBJID")["ADT"].min()


def swimmer_lanes(adsl: pd.DataFrame, adrs: pd.DataFrame) -> pd.DataFrame:
    """One row per treated full-analysis-set subject: months from the first dose to the end of
    treatment (the last dose; the last contact while still on treatment, ONGOING = Y), to the
    first response (CR/PR), the first PD and death; CBOR colours the lane. Longest first."""
    subjects = adsl[adsl["FASFL"].eq("Y") & adsl["TRTSDT"].notna()].set_index("USUBJID")
    ids = subjects.index.to_series()
    start = subjects["TRTSDT"]
    ongoing = subjects["EOTSTT"].eq("ONGOING")
    end = subjects["TRTEDT"].where(~ongoing, subjects[["TRTEDT", "LSTALVDT"]].max(axis=1))
    cbor = adrs[adrs["PARAMCD"].eq(CBOR)].drop_duplicates("USUBJID").set_index("USUBJID")["AVALC"]

    def months(when: pd.Series) -> pd.Series:
        return ((when.astype("datetime64[ns]") - start).dt.days + 1) / DAYS_PER_MONTH

    lanes = pd.DataFrame({
        "USUBJID": ids, "TRT01A": subjects["TRT01A"], "CBOR": ids.map(cbor).fillna("MISSING"),
        "END_MONTHS": months(end),
        "RESPONSE_MONTHS": months(ids.map(_first_date(adrs, RESPONDER))),
        "PD_MONTHS": months(ids.map(_first_date(adrs, (PD,)))),
        "DEATH_MONTHS": months(subjects["DTHDT"]),
        "ONGOING": np.where(ongoing, "Y", "N"),
    })
    return (lanes.reset_index(drop=True)
            .sort_values(["END_MONTHS", "USUBJID"], ascending=[False, True], kind="stable")
            .reset_index(drop=True))

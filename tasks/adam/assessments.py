"""The overall response per assessment (ADRS OVR, OVRIRC, IOVR): one evaluator's RS records by one
response criteria, dated, and flagged for the analysis (ANL01FL) or set aside with a reason."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tasks.adam.flags import y_or_none
from tasks.adam.response_terms import IRECIST, RECIST, Criteria, normalise
from tasks.config import Response, TrialConfig
from tasks.dates import earliest_date, impute_date, precision
from tasks.distinct import distinct, spread
from tasks.model import Cut

NOT_WORST = "not the worst response of its date"
AFTER_FIRST_PD = "after the first PD"
AFTER_NEW_THERAPY = "after the start of a new anticancer therapy"


@dataclass(frozen=True)
class Reading:
    """Whose overall responses (RSEVAL), by which criteria, as which ADRS parameter."""
    evaluator: str
    criteria: Criteria
    paramcd: str

    @property
    def by(self) -> str:
        return self.evaluator.title()


def primary_reading(rc: Response) -> Reading:
    """The primary analysis: the configured evaluator's RECIST 1.1 responses (OVR)."""
    return Reading(rc.evaluator, RECIST, "OVR")


def reference_dates(adsl: pd.DataFrame, rc: Response, cutoff: pd.Timestamp) -> pd.DataFrame:
    """STUDYID, USUBJID, REFDT (ADSL column named by response.reference_date), DTHDT, LSTALVDT
    (at most the cutoff)."""
    subjects = adsl[["STUDYID", "USUBJID"]].copy()
    subjects["REFDT"] = adsl[rc.reference_date].astype("datetime64[ns]")
    dead = adsl["DTHFL"].eq("Y") if "DTHFL" in adsl else pd.Series(True, index=adsl.index)
    subjects["DTHDT"] = adsl["DTHDT"].astype("datetime64[ns]").where(dead)
    subjects["LSTALVDT"] = (adsl["LSTALVDT"].astype("datetime64[ns]")
                            .clip(upper=cutoff))  # type: ignore[call-overload]  # Timestamp bound
    return subjects


def overall_responses(cut: Cut, subjects: pd.DataFrame, cfg: TrialConfig, reading: Reading,
                      therapy: pd.Series) -> pd.DataFrame:
    """The reading's overall responses in RS, dated and flagged (index = RS row). `therapy`:
    USUBJID -> start of a new anticancer therapy, after which responses do not count."""
    label = f"{reading.criteria.name} Overall Response by {reading.by}"
    return (select_overall_responses(cut["rs"], reading, cfg)
            .pipe(derive_analysis_date, subjects=subjects, cutoff=pd.Timestamp(cut.cutoff))
            .pipe(flag_analysis_records, subjects=subjects, criteria=reading.criteria,
                  therapy=therapy, label=label))


def select_overall_responses(rs: pd.DataFrame, reading: Reading, cfg: TrialConfig) -> pd.DataFrame:
    """RS records with RSTESTCD = validation.response_test (the one test code the validation
    checks too) of the reading's evaluator (all records when RSEVAL is absent or blank) and
    criteria: RSCAT = response.irecist.category for iRECIST, any other RSCAT for RECIST 1.1;
    where a subject has records accepted by adjudication (RSACPTFL = "Y"), only those."""
    ovr = rs[rs["RSTESTCD"].eq(cfg.validation.response_test)]
    irecist = (normalise(ovr["RSCAT"]).eq(cfg.response.irecist.category.upper()) if "RSCAT" in ovr
               else pd.Series(False, index=ovr.index))
    ovr = ovr[irecist if reading.criteria == IRECIST else ~irecist]
    if "RSEVAL" in ovr and normalise(ovr["RSEVAL"]).ne("").any():
        ovr = ovr[normalise(ovr["RSEVAL"]).eq(reading.evaluator.upper())]
    if "RSACPTFL" in ovr:
        accepted = ovr["RSACPTFL"].eq("Y")
        adjudicated = ovr["USUBJID"].isin(ovr.loc[accepted, "USUBJID"])
        ovr = ovr[accepted | ~adjudicated]
    out = ovr.reindex(columns=["STUDYID", "USUBJID", "RSSEQ", "VISITNUM", "VISIT", "RSDTC",
                               "RSSTRESC"], fill_value="")
    out["PARAMCD"] = reading.paramcd
    out["AVALC"] = reading.criteria.terms(out.pop("RSSTRESC"))
    out["AVAL"] = reading.criteria.aval(out["AVALC"])
    return out


def derive_analysis_date(ovr: pd.DataFrame, subjects: pd.DataFrame,
                         cutoff: pd.Timestamp) -> pd.DataFrame:
    """ADT from RSDTC; a date missing its day is the last day of its month (ADTF = "D"), never
    after the cutoff or the subject's death. A date with the year only is not used."""
    codes, dtc = distinct(ovr["RSDTC"])
    last, flag = impute_date(dtc, "last")
    adt = spread(last, codes, ovr["RSDTC"]).astype("datetime64[ns]")
    adtf = spread(flag, codes, ovr["RSDTC"])
    year_only = spread(precision(dtc), codes, ovr["RSDTC"]).eq("Y")
    earliest = spread(earliest_date(dtc), codes, ovr["RSDTC"]).astype("datetime64[ns]")
    death = ovr["USUBJID"].map(subjects.set_index("USUBJID")["DTHDT"])
    ceiling = death.where(death < cutoff, cutoff)
    imputed = adtf.eq("D") & (adt > ceiling)
    # np.maximum of two Series is a Series; numpy's stubs say an array
    adt = adt.where(~imputed, np.maximum(earliest, ceiling))  # type: ignore[arg-type]
    ovr["ADT"] = adt.where(~year_only)
    ovr["ADTF"] = adtf.where(~year_only, "")
    return ovr


def flag_analysis_records(ovr: pd.DataFrame, subjects: pd.DataFrame, criteria: Criteria,
                          therapy: pd.Series, label: str) -> pd.DataFrame:
    """ANL01FL = "Y" on the assessments the analysis uses: a valid response of the criteria,
    dated, on or after the reference date, the worst of its date, up to and including the first
    progression (PD; iCPD for iRECIST), not after the start of a new anticancer therapy. Every
    other record stays in ADRS with the reason in EXCLREAS."""
    ovr["PARAM"] = label
    ref = ovr["USUBJID"].map(subjects.set_index("USUBJID")["REFDT"])
    known = ovr["USUBJID"].isin(subjects["USUBJID"])
    valid = ovr["AVALC"].isin(criteria.responses)
    usable = valid & known & ovr["ADT"].notna() & ref.notna() & (ovr["ADT"] >= ref)
    ranked = ovr[usable].assign(
        WORST=criteria.worst_rank(ovr["AVALC"]),
        SEQ=pd.to_numeric(ovr["RSSEQ"], errors="coerce"))
    worst = ranked.sort_values(["USUBJID", "ADT", "WORST", "SEQ"]).drop_duplicates(
        ["USUBJID", "ADT"]).index
    is_worst = ovr.index.isin(worst)
    first_pd = ovr[is_worst & ovr["AVALC"].eq(criteria.progression)].groupby("USUBJID")["ADT"].min()
    pd_date = ovr["USUBJID"].map(first_pd)
    new_therapy = ovr["USUBJID"].map(therapy).astype("datetime64[ns]")
    reasons = [
        (~valid, f"response not in {criteria.name} controlled terms"),
        (~known, "subject not in ADSL"),
        (ovr["ADT"].isna(), "no usable date (RSDTC missing or year only)"),
        (ref.isna(), "subject has no reference date"),
        (ovr["ADT"] < ref, "before the reference date"),
        (~is_worst, NOT_WORST),
        # Expected and never listed: nothing after the first progression counts.
        (pd_date.notna() & (ovr["ADT"] > pd_date), AFTER_FIRST_PD),
        (new_therapy.notna() & (ovr["ADT"] > new_therapy), AFTER_NEW_THERAPY),
    ]
    ovr["EXCLREAS"] = np.select([np.asarray(c) for c, _ in reasons], [r for _, r in reasons], "")
    ovr["ANL01FL"] = y_or_none(ovr["EXCLREAS"].eq(""))
    return ovr


def analysis_assessments(ovr: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    """The analysis records of `ovr` (ANL01FL = "Y") with REFDT, the subject's reference date."""
    anl = ovr[ovr["ANL01FL"].eq("Y")]
    return anl.assign(REFDT=anl["USUBJID"].map(subjects.set_index("USUBJID")["REFDT"]))

"""ADRS: overall response per assessment (OVR) and the per-subject response parameters.

    OVR    every RS record of the overall response (RSTESTCD = validation.response_test) by
           the configured evaluator; ANL01FL = "Y" on those the analysis uses, EXCLREAS says
           why any other is left out (listed by excluded_responses)
    BOR    best overall response (confirmation not required)
    CBOR   confirmed best overall response (primary ORR)
    BORW / CBORW   the same from the assessments within `dcr_window_months` of the reference
           date only (the protocol's DCR at 6 months)
    RSP    responder, unconfirmed (BOR CR/PR), ADT = first CR/PR
    CRSP   confirmed responder, ADT = first confirmed CR/PR (start of DOR)
    CB     clinical benefit (CBOR CR, PR, SD or NON-CR/NON-PD)
    PD     progression (Y/N), ADT = first PD
    DEATH  death (Y/N), ADT = DTHDT
    LSTA   last adequate assessment (last OVR other than NE, up to the first PD)
One record per parameter for every ADSL subject (as admiralonco), whatever the population:
analyses select their population from ADSL.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam.best_response import (SOURCE_COLUMNS, best_overall_response,
                                      confirmed_best_overall_response, first_confirmed_response)
from tasks.distinct import distinct, spread
from tasks.adam.response_terms import (CLINICAL_BENEFIT, NE, PD, RESPONDER, RESPONSES,
                                       WORST_FIRST, aval, normalise)
from tasks.config import Response, TrialConfig
from tasks.dates import DAYS_PER_MONTH, earliest_date, impute_date, precision
from tasks.model import Cut

NOT_WORST = "not the worst response of its date"
AFTER_FIRST_PD = "after the first PD"
COLUMNS = ["STUDYID", "USUBJID", "ASEQ", "PARAMCD", "PARAM", "AVALC", "AVAL", "ADT", "ADTF",
           "ANL01FL", "EXCLREAS", "RSSEQ", "VISITNUM", "VISIT", "RSDTC"]


def build_adrs(adsl: pd.DataFrame, cut: Cut, cfg: TrialConfig) -> pd.DataFrame:
    """ADRS of the cut (cutoff applied), rules of docs/efficacy.md, knobs of cfg.response."""
    rc = cfg.response
    subjects = reference_dates(adsl, rc)
    by = rc.evaluator.title()
    ovr = overall_responses(cut, subjects, cfg)
    anl = analysis_assessments(ovr, subjects)
    return (ovr
            .pipe(add_param_bor, anl=anl, subjects=subjects, rc=rc, by=by)
            .pipe(add_param_window, anl=anl, subjects=subjects, rc=rc, by=by)
            .pipe(add_param_rsp, anl=anl, subjects=subjects, by=by)
            .pipe(add_param_crsp, anl=anl, subjects=subjects, rc=rc, by=by)
            .pipe(add_param_cb, subjects=subjects, by=by)
            .pipe(add_param_pd, anl=anl, subjects=subjects, by=by)
            .pipe(add_param_death, subjects=subjects)
            .pipe(add_param_lsta, anl=anl, subjects=subjects, by=by)
            .pipe(derive_aseq))


def overall_responses(cut: Cut, subjects: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """PARAMCD OVR: the evaluator's overall responses in RS, dated and flagged (index = RS row)."""
    rc = cfg.response
    return (select_overall_responses(cut["rs"], rc.evaluator, cfg.validation.response_test)
            .pipe(derive_analysis_date, subjects=subjects, cutoff=pd.Timestamp(cut.cutoff))
            .pipe(flag_analysis_records, subjects=subjects,
                  label=f"Overall Response by {rc.evaluator.title()}"))


def excluded_responses(adrs: pd.DataFrame) -> pd.DataFrame:
    """The overall responses the analysis leaves out (OVR records without ANL01FL), with the
    reason EXCLREAS: values outside the controlled terms, no usable date, before the reference
    date, a second different response on one date, a subject not in ADSL. Not listed: records
    after the first PD (expected) and a repeat of the response kept for its date."""
    ovr = adrs[adrs["PARAMCD"].eq("OVR")]
    kept = ovr[ovr["ANL01FL"].eq("Y")].set_index(["USUBJID", "ADT"])["AVALC"].to_dict()
    shown = ovr[ovr["EXCLREAS"].ne("") & ovr["EXCLREAS"].ne(AFTER_FIRST_PD)]
    repeat = shown["EXCLREAS"].eq(NOT_WORST) & (
        pd.MultiIndex.from_frame(shown[["USUBJID", "ADT"]]).map(kept.get)
        == shown["AVALC"].to_numpy())
    return (shown[~repeat].sort_values(["USUBJID", "ADT", "RSSEQ"], kind="stable")
            [["USUBJID", "RSDTC", "ADT", "VISIT", "AVALC", "EXCLREAS"]].reset_index(drop=True))


def reference_dates(adsl: pd.DataFrame, rc: Response) -> pd.DataFrame:
    """STUDYID, USUBJID, REFDT (ADSL column named by response.reference_date), DTHDT."""
    subjects = adsl[["STUDYID", "USUBJID"]].copy()
    subjects["REFDT"] = adsl[rc.reference_date].astype("datetime64[ns]")
    dead = adsl["DTHFL"].eq("Y") if "DTHFL" in adsl else pd.Series(True, index=adsl.index)
    subjects["DTHDT"] = adsl["DTHDT"].astype("datetime64[ns]").where(dead)
    return subjects


def analysis_records(adrs: pd.DataFrame) -> pd.DataFrame:
    """The OVR records the analysis uses (ANL01FL = "Y")."""
    return adrs[adrs["PARAMCD"].eq("OVR") & adrs["ANL01FL"].eq("Y")]


def select_overall_responses(rs: pd.DataFrame, evaluator: str, test_code: str) -> pd.DataFrame:
    """RS records with RSTESTCD = `test_code` (validation.response_test: the one test code the
    validation checks too) of `evaluator` (all records when RSEVAL is absent or blank); where a
    subject has records accepted by adjudication (RSACPTFL = "Y"), only those."""
    ovr = rs[rs["RSTESTCD"].eq(test_code)]
    if "RSEVAL" in ovr and normalise(ovr["RSEVAL"]).ne("").any():
        ovr = ovr[normalise(ovr["RSEVAL"]).eq(evaluator.upper())]
    if "RSACPTFL" in ovr:
        accepted = ovr["RSACPTFL"].eq("Y")
        adjudicated = ovr["USUBJID"].isin(ovr.loc[accepted, "USUBJID"])
        ovr = ovr[accepted | ~adjudicated]
    out = ovr.reindex(columns=["STUDYID", "USUBJID", "RSSEQ", "VISITNUM", "VISIT", "RSDTC",
                               "RSSTRESC"], fill_value="")
    out["PARAMCD"] = "OVR"
    out["AVALC"] = normalise(out.pop("RSSTRESC"))
    out["AVAL"] = aval(out["AVALC"])
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
    adt = adt.where(~imputed, np.maximum(earliest, ceiling))
    ovr["ADT"] = adt.where(~year_only)
    ovr["ADTF"] = adtf.where(~year_only, "")
    return ovr


def flag_analysis_records(ovr: pd.DataFrame, subjects: pd.DataFrame, label: str) -> pd.DataFrame:
    """ANL01FL = "Y" on the assessments the analysis uses: a valid response, dated, on or after
    the reference date, the worst of its date, up to and including the first PD. Every other
    record stays in ADRS with the reason in EXCLREAS."""
    ovr["PARAM"] = label
    ref = ovr["USUBJID"].map(subjects.set_index("USUBJID")["REFDT"])
    known = ovr["USUBJID"].isin(subjects["USUBJID"])
    valid = ovr["AVALC"].isin(RESPONSES)
    usable = valid & known & ovr["ADT"].notna() & ref.notna() & (ovr["ADT"] >= ref)
    ranked = ovr[usable].assign(
        WORST=ovr["AVALC"].map(WORST_FIRST),
        SEQ=pd.to_numeric(ovr["RSSEQ"], errors="coerce"))
    worst = ranked.sort_values(["USUBJID", "ADT", "WORST", "SEQ"]).drop_duplicates(
        ["USUBJID", "ADT"]).index
    is_worst = ovr.index.isin(worst)
    first_pd = ovr[is_worst & ovr["AVALC"].eq(PD)].groupby("USUBJID")["ADT"].min()
    pd_date = ovr["USUBJID"].map(first_pd)
    after_pd = pd_date.notna() & (ovr["ADT"] > pd_date)
    reasons = [
        (~valid, "response not in controlled terms"),
        (~known, "subject not in ADSL"),
        (ovr["ADT"].isna(), "no usable date (RSDTC missing or year only)"),
        (ref.isna(), "subject has no reference date"),
        (ovr["ADT"] < ref, "before the reference date"),
        (~is_worst, NOT_WORST),
        (after_pd, AFTER_FIRST_PD),
    ]
    ovr["EXCLREAS"] = np.select([np.asarray(c) for c, _ in reasons], [r for _, r in reasons], "")
    ovr["ANL01FL"] = np.where(ovr["EXCLREAS"].eq(""), "Y", None)
    return ovr


def analysis_assessments(ovr: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    """The analysis OVR records (ANL01FL = "Y") with REFDT, the subject's reference date."""
    anl = analysis_records(ovr)
    return anl.assign(REFDT=anl["USUBJID"].map(subjects.set_index("USUBJID")["REFDT"]))


def _param(subjects: pd.DataFrame, values: pd.DataFrame, paramcd: str, param: str,
           default: str) -> pd.DataFrame:
    """One record per subject: AVALC and source columns from `values` (by USUBJID), else
    `default` (Y/N parameters: AVAL 1/0; responses: the AVAL code)."""
    rec = subjects[["STUDYID", "USUBJID"]].merge(values, on="USUBJID", how="left")
    rec["AVALC"] = rec["AVALC"].fillna(default)
    yes_no = rec["AVALC"].isin(["Y", "N"])
    rec["AVAL"] = np.where(yes_no, rec["AVALC"].eq("Y").astype(float), aval(rec["AVALC"]))
    rec["PARAMCD"], rec["PARAM"], rec["ANL01FL"], rec["EXCLREAS"] = paramcd, param, "Y", ""
    return rec


def _first(ovr: pd.DataFrame, mask: pd.Series, avalc: str | None = None,
           last: bool = False) -> pd.DataFrame:
    picked = ovr[mask].sort_values(["USUBJID", "ADT"]).drop_duplicates(
        "USUBJID", keep="last" if last else "first")
    picked = picked[["USUBJID", "AVALC", *SOURCE_COLUMNS]]
    return picked.assign(AVALC=avalc) if avalc else picked


def add_param_bor(adrs: pd.DataFrame, anl: pd.DataFrame, subjects: pd.DataFrame, rc: Response,
                  by: str) -> pd.DataFrame:
    bor = best_overall_response(anl, subjects, rc)
    cbor = confirmed_best_overall_response(anl, subjects, rc)
    return pd.concat([
        adrs,
        _param(subjects, bor, "BOR", f"Best Overall Response by {by} (confirmation not required)", ""),
        _param(subjects, cbor, "CBOR", f"Confirmed Best Overall Response by {by}", "")])


def add_param_window(adrs: pd.DataFrame, anl: pd.DataFrame, subjects: pd.DataFrame,
                     rc: Response, by: str) -> pd.DataFrame:
    """BORW / CBORW from the assessments at most dcr_window_months x 30.4375 days after the
    reference date (confirmation within the window too)."""
    within = (anl["ADT"] - anl["REFDT"]).dt.days <= rc.dcr_window_months * DAYS_PER_MONTH
    ovr = anl[within]
    months = f"{rc.dcr_window_months:g} months"
    return pd.concat([
        adrs,
        _param(subjects, best_overall_response(ovr, subjects, rc), "BORW",
               f"Best Overall Response within {months} by {by} (confirmation not required)", ""),
        _param(subjects, confirmed_best_overall_response(ovr, subjects, rc), "CBORW",
               f"Confirmed Best Overall Response within {months} by {by}", "")])


def add_param_rsp(adrs: pd.DataFrame, anl: pd.DataFrame, subjects: pd.DataFrame,
                  by: str) -> pd.DataFrame:
    first = _first(anl, anl["AVALC"].isin(RESPONDER), "Y")
    return pd.concat([adrs, _param(subjects, first, "RSP",
                                   f"Response by {by} (confirmation not required)", "N")])


def add_param_crsp(adrs: pd.DataFrame, anl: pd.DataFrame, subjects: pd.DataFrame, rc: Response,
                   by: str) -> pd.DataFrame:
    first = first_confirmed_response(anl, rc).assign(AVALC="Y")
    return pd.concat([adrs, _param(subjects, first, "CRSP", f"Confirmed Response by {by}", "N")])


def add_param_cb(adrs: pd.DataFrame, subjects: pd.DataFrame, by: str) -> pd.DataFrame:
    cbor = adrs[adrs["PARAMCD"].eq("CBOR") & adrs["AVALC"].isin(CLINICAL_BENEFIT)]
    benefit = cbor[["USUBJID", *SOURCE_COLUMNS]].assign(AVALC="Y")
    return pd.concat([adrs, _param(subjects, benefit, "CB", f"Clinical Benefit by {by}", "N")])


def add_param_pd(adrs: pd.DataFrame, anl: pd.DataFrame, subjects: pd.DataFrame,
                 by: str) -> pd.DataFrame:
    first = _first(anl, anl["AVALC"].eq(PD), "Y")
    return pd.concat([adrs, _param(subjects, first, "PD", f"Disease Progression by {by}", "N")])


def add_param_death(adrs: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    dead = subjects[subjects["DTHDT"].notna()]
    death = pd.DataFrame({"USUBJID": dead["USUBJID"], "AVALC": "Y", "ADT": dead["DTHDT"]})
    return pd.concat([adrs, _param(subjects, death, "DEATH", "Death", "N")])


def add_param_lsta(adrs: pd.DataFrame, anl: pd.DataFrame, subjects: pd.DataFrame,
                   by: str) -> pd.DataFrame:
    """The last adequate assessment: the last analysis OVR other than NE (none: AVALC missing)."""
    last = _first(anl, anl["AVALC"].ne(NE), last=True)
    rec = _param(subjects, last, "LSTA", f"Last Adequate Tumor Assessment by {by}", "")
    rec["AVALC"] = rec["AVALC"].replace("", None)
    return pd.concat([adrs, rec])


def derive_aseq(adrs: pd.DataFrame) -> pd.DataFrame:
    """ASEQ: 1, 2, ... within subject, by PARAMCD, ADT, RSSEQ (ADTTE's SRCSEQ points to it)."""
    order = adrs.assign(SEQ=pd.to_numeric(adrs["RSSEQ"], errors="coerce"))
    order = order.sort_values(["USUBJID", "PARAMCD", "ADT", "SEQ"], kind="stable",
                              na_position="last").drop(columns="SEQ").reset_index(drop=True)
    order["ASEQ"] = order.groupby("USUBJID").cumcount() + 1
    return order.reindex(columns=COLUMNS)

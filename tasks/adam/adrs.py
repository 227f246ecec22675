"""ADRS: overall response per assessment and the per-subject response parameters.

    OVR    every RS record of the overall response (RSTESTCD = validation.response_test,
           RECIST 1.1) by the configured evaluator; ANL01FL = "Y" on those the analysis uses,
           EXCLREAS says why any other is left out (listed by excluded_responses)
    BOR    best overall response (confirmation not required)
    CBOR   confirmed best overall response (primary ORR)
    BORW / CBORW   the same from the assessments within `dcr_window_months` of the reference
           date only (best response within 6 months: supportive to DCLM)
    DCLM   disease control at the landmark `dcr_window_months` (the protocol's DCR at 6 months):
           Y / N over the subjects who reached it or progressed or died before it; PENDING
           and NOT REACHED (ANL01FL missing) are not in its denominator (tasks.adam.landmark)
    RSP    responder, unconfirmed (BOR CR/PR), ADT = first CR/PR
    CRSP   confirmed responder, ADT = first confirmed CR/PR (start of DOR)
    CB     clinical benefit (CBOR CR, PR, SD or NON-CR/NON-PD)
    PD     progression (Y/N), ADT = first PD
    DEATH  death (Y/N), ADT = DTHDT
    LSTA   last adequate assessment (last OVR other than NE, up to the first PD)
When RS holds the independent review (response.independent_evaluator), its second analysis:
    OVRIRC, BORIRC, CBORIRC   as OVR, BOR, CBOR, by the independent reviewer
When RS holds iRECIST records (RSCAT response.irecist.category), exploratory:
    IOVR, IBOR, ICBOR   iRECIST overall response per assessment, best (confirmation not
                        required) and confirmed best overall response (tasks.adam.irecist)
Responses after the start of a new anticancer therapy do not count (EXCLREAS) when
response.exclude_after_new_therapy is on. One record per parameter for every ADSL subject (as
admiralonco), whatever the population: analyses select their population from ADSL.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam.assessments import (
    AFTER_FIRST_PD,
    NOT_WORST,
    Reading,
    analysis_assessments,
    overall_responses,
    primary_reading,
    reference_dates,
)
from tasks.adam.best_response import (
    BOR_RULES,
    CBOR_RULES,
    SOURCE_COLUMNS,
    Category,
    best_of,
    first_confirmed_response,
)
from tasks.adam.irecist import IBOR_RULES, ICBOR_RULES
from tasks.adam.landmark import LEFT_OUT, landmark_control
from tasks.adam.new_therapy import new_therapy_start
from tasks.adam.response_terms import CLINICAL_BENEFIT, IRECIST, NE, PD, RECIST, RESPONDER, Criteria
from tasks.config import Response, TrialConfig
from tasks.dates import DAYS_PER_MONTH
from tasks.model import Cut
from tasks.stack import stack_records

COLUMNS = ["STUDYID", "USUBJID", "ASEQ", "PARAMCD", "PARAM", "AVALC", "AVAL", "ADT", "ADTF",
           "ANL01FL", "EXCLREAS", "RSSEQ", "VISITNUM", "VISIT", "RSDTC"]
INDEPENDENT, ITERATIVE = "IRC", "I"     # PARAMCD suffix / prefix of the second analyses


def build_adrs(adsl: pd.DataFrame, cut: Cut, cfg: TrialConfig) -> pd.DataFrame:
    """ADRS of the cut (cutoff applied), rules of docs/efficacy.md, knobs of cfg.response."""
    rc = cfg.response
    cutoff = pd.Timestamp(cut.cutoff)
    subjects = reference_dates(adsl, rc, cutoff)
    therapy = responses_end(cut, rc, subjects)
    reading = primary_reading(rc)
    ovr = overall_responses(cut, subjects, cfg, reading, therapy)
    anl = analysis_assessments(ovr, subjects)
    by = reading.by
    return (ovr
            .pipe(add_param_bor, anl=anl, subjects=subjects, rc=rc, by=by)
            .pipe(add_param_window, anl=anl, subjects=subjects, rc=rc, by=by)
            .pipe(add_param_landmark, anl=anl, subjects=subjects, rc=rc, by=by, cutoff=cutoff)
            .pipe(add_param_rsp, anl=anl, subjects=subjects, by=by)
            .pipe(add_param_crsp, anl=anl, subjects=subjects, rc=rc, by=by)
            .pipe(add_param_cb, subjects=subjects, by=by)
            .pipe(add_param_pd, anl=anl, subjects=subjects, by=by)
            .pipe(add_param_death, subjects=subjects)
            .pipe(add_param_lsta, anl=anl, subjects=subjects, by=by)
            .pipe(add_independent_review, cut=cut, subjects=subjects, cfg=cfg, therapy=therapy)
            .pipe(add_irecist, cut=cut, subjects=subjects, cfg=cfg, therapy=therapy)
            .pipe(derive_aseq))


def responses_end(cut: Cut, rc: Response, subjects: pd.DataFrame) -> pd.Series:
    """USUBJID -> start of a new anticancer therapy after which responses do not count (empty
    when response.exclude_after_new_therapy is off)."""
    if not rc.exclude_after_new_therapy:
        return pd.Series(dtype="datetime64[ns]", name="NACTDT")
    return new_therapy_start(cut, rc.new_anticancer_therapy,
                             subjects.set_index("USUBJID")["REFDT"])


def excluded_responses(adrs: pd.DataFrame) -> pd.DataFrame:
    """The overall responses the analysis leaves out (OVR records without ANL01FL), with the
    reason EXCLREAS: values outside the controlled terms, no usable date, before the reference
    date, a second different response on one date, a subject not in ADSL, after the start of a
    new anticancer therapy. Not listed: records after the first PD (expected) and a repeat of
    the response kept for its date."""
    ovr = adrs[adrs["PARAMCD"].eq("OVR")]
    kept = ovr[ovr["ANL01FL"].eq("Y")].set_index(["USUBJID", "ADT"])["AVALC"].to_dict()
    shown = ovr[ovr["EXCLREAS"].ne("") & ovr["EXCLREAS"].ne(AFTER_FIRST_PD)]
    repeat = shown["EXCLREAS"].eq(NOT_WORST) & (
        pd.MultiIndex.from_frame(shown[["USUBJID", "ADT"]]).map(kept.get)
        == shown["AVALC"].to_numpy())
    return (shown[~repeat].sort_values(["USUBJID", "ADT", "RSSEQ"], kind="stable")
            [["USUBJID", "RSDTC", "ADT", "VISIT", "AVALC", "EXCLREAS"]].reset_index(drop=True))


def analysis_records(adrs: pd.DataFrame, paramcd: str = "OVR") -> pd.DataFrame:
    """The per-assessment records of `paramcd` (OVR, OVRIRC, IOVR) the analysis uses."""
    return adrs[adrs["PARAMCD"].eq(paramcd) & adrs["ANL01FL"].eq("Y")]


def _param(subjects: pd.DataFrame, values: pd.DataFrame, paramcd: str, param: str,
           default: str, criteria: Criteria = RECIST) -> pd.DataFrame:
    """One record per subject: AVALC and source columns from `values` (by USUBJID), else
    `default` (Y/N parameters: AVAL 1/0; responses: the criteria's AVAL code)."""
    rec = subjects[["STUDYID", "USUBJID"]].merge(values, on="USUBJID", how="left")
    rec["AVALC"] = rec["AVALC"].fillna(default)
    yes_no = rec["AVALC"].isin(["Y", "N"])
    rec["AVAL"] = np.where(yes_no, rec["AVALC"].eq("Y").astype(float), criteria.aval(rec["AVALC"]))
    rec["PARAMCD"], rec["PARAM"], rec["ANL01FL"], rec["EXCLREAS"] = paramcd, param, "Y", ""
    return rec


def _best(anl: pd.DataFrame, subjects: pd.DataFrame, rules: tuple[Category, ...], rc: Response,
          paramcd: str, param: str, criteria: Criteria = RECIST) -> pd.DataFrame:
    return _param(subjects, best_of(anl, subjects, rules, rc), paramcd, param, "", criteria)


def _first(ovr: pd.DataFrame, mask: pd.Series, avalc: str | None = None,
           last: bool = False) -> pd.DataFrame:
    picked = ovr[mask].sort_values(["USUBJID", "ADT"]).drop_duplicates(
        "USUBJID", keep="last" if last else "first")
    picked = picked[["USUBJID", "AVALC", *SOURCE_COLUMNS]]
    return picked.assign(AVALC=avalc) if avalc else picked


def add_param_bor(adrs: pd.DataFrame, anl: pd.DataFrame, subjects: pd.DataFrame, rc: Response,
                  by: str, suffix: str = "") -> pd.DataFrame:
    """BOR and CBOR (BORIRC and CBORIRC for the independent review: `suffix`)."""
    return stack_records([
        adrs,
        _best(anl, subjects, BOR_RULES, rc, f"BOR{suffix}",
              f"Best Overall Response by {by} (confirmation not required)"),
        _best(anl, subjects, CBOR_RULES, rc, f"CBOR{suffix}",
              f"Confirmed Best Overall Response by {by}")])


def add_param_window(adrs: pd.DataFrame, anl: pd.DataFrame, subjects: pd.DataFrame,
                     rc: Response, by: str) -> pd.DataFrame:
    """BORW / CBORW from the assessments at most dcr_window_months x 30.4375 days after the
    reference date (confirmation within the window too)."""
    # .le: pandas-stubs types Series[int] <= float as unsupported
    within = anl[(anl["ADT"] - anl["REFDT"]).dt.days.le(rc.dcr_window_months * DAYS_PER_MONTH)]
    months = f"{rc.dcr_window_months:g} months"
    return stack_records([
        adrs,
        _best(within, subjects, BOR_RULES, rc, "BORW",
              f"Best Overall Response within {months} by {by} (confirmation not required)"),
        _best(within, subjects, CBOR_RULES, rc, "CBORW",
              f"Confirmed Best Overall Response within {months} by {by}")])


def add_param_landmark(adrs: pd.DataFrame, anl: pd.DataFrame, subjects: pd.DataFrame,
                       rc: Response, by: str, cutoff: pd.Timestamp) -> pd.DataFrame:
    """DCLM: disease control at the landmark (tasks.adam.landmark); PENDING and NOT REACHED
    records carry no ANL01FL and say why in EXCLREAS."""
    control = landmark_control(anl, subjects, rc, cutoff)
    rec = _param(subjects, control, "DCLM",
                 f"Disease Control at {rc.dcr_window_months:g} Months by {by}", "")
    left_out = rec["AVALC"].isin(list(LEFT_OUT))
    rec["ANL01FL"] = rec["ANL01FL"].where(~left_out, None)  # type: ignore[call-overload]  # None
    rec["EXCLREAS"] = rec["AVALC"].map(LEFT_OUT).fillna("")
    return stack_records([adrs, rec])


def add_param_rsp(adrs: pd.DataFrame, anl: pd.DataFrame, subjects: pd.DataFrame,
                  by: str) -> pd.DataFrame:
    first = _first(anl, anl["AVALC"].isin(RESPONDER), "Y")
    return stack_records([adrs, _param(subjects, first, "RSP",
                                       f"Response by {by} (confirmation not required)", "N")])


def add_param_crsp(adrs: pd.DataFrame, anl: pd.DataFrame, subjects: pd.DataFrame, rc: Response,
                   by: str) -> pd.DataFrame:
    first = first_confirmed_response(anl, rc).assign(AVALC="Y")
    return stack_records([adrs, _param(subjects, first, "CRSP", f"Confirmed Response by {by}",
                                       "N")])


def add_param_cb(adrs: pd.DataFrame, subjects: pd.DataFrame, by: str) -> pd.DataFrame:
    cbor = adrs[adrs["PARAMCD"].eq("CBOR") & adrs["AVALC"].isin(CLINICAL_BENEFIT)]
    benefit = cbor[["USUBJID", *SOURCE_COLUMNS]].assign(AVALC="Y")
    return stack_records([adrs, _param(subjects, benefit, "CB", f"Clinical Benefit by {by}", "N")])


def add_param_pd(adrs: pd.DataFrame, anl: pd.DataFrame, subjects: pd.DataFrame,
                 by: str) -> pd.DataFrame:
    first = _first(anl, anl["AVALC"].eq(PD), "Y")
    return stack_records([adrs, _param(subjects, first, "PD", f"Disease Progression by {by}", "N")])


def add_param_death(adrs: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    dead = subjects[subjects["DTHDT"].notna()]
    death = pd.DataFrame({"USUBJID": dead["USUBJID"], "AVALC": "Y", "ADT": dead["DTHDT"]})
    return stack_records([adrs, _param(subjects, death, "DEATH", "Death", "N")])


def add_param_lsta(adrs: pd.DataFrame, anl: pd.DataFrame, subjects: pd.DataFrame,
                   by: str) -> pd.DataFrame:
    """The last adequate assessment: the last analysis OVR other than NE (none: AVALC missing)."""
    last = _first(anl, anl["AVALC"].ne(NE), last=True)
    rec = _param(subjects, last, "LSTA", f"Last Adequate Tumor Assessment by {by}", "")
    rec["AVALC"] = rec["AVALC"].replace("", None)
    return stack_records([adrs, rec])


def add_independent_review(adrs: pd.DataFrame, cut: Cut, subjects: pd.DataFrame,
                           cfg: TrialConfig, therapy: pd.Series) -> pd.DataFrame:
    """OVRIRC, BORIRC, CBORIRC: the second analysis by response.independent_evaluator, when RS
    holds its overall responses (with two readers, the accepted ones: RSACPTFL = "Y")."""
    rc = cfg.response
    evaluator = rc.independent_evaluator
    if evaluator is None or evaluator.upper() == rc.evaluator.upper():
        return adrs
    reading = Reading(evaluator, RECIST, f"OVR{INDEPENDENT}")
    ovr = overall_responses(cut, subjects, cfg, reading, therapy)
    if ovr.empty:
        return adrs
    anl = analysis_assessments(ovr, subjects)
    return add_param_bor(stack_records([adrs, ovr]), anl, subjects, rc, reading.by, INDEPENDENT)


def add_irecist(adrs: pd.DataFrame, cut: Cut, subjects: pd.DataFrame, cfg: TrialConfig,
                therapy: pd.Series) -> pd.DataFrame:
    """IOVR, IBOR, ICBOR: the primary evaluator's iRECIST responses, when RS holds any."""
    rc = cfg.response
    reading = Reading(rc.evaluator, IRECIST, f"{ITERATIVE}OVR")
    ovr = overall_responses(cut, subjects, cfg, reading, therapy)
    if ovr.empty:
        return adrs
    anl = analysis_assessments(ovr, subjects)
    by = reading.by
    return stack_records([
        adrs, ovr,
        _best(anl, subjects, IBOR_RULES, rc, "IBOR",
              f"iRECIST Best Overall Response by {by} (confirmation not required)", IRECIST),
        _best(anl, subjects, ICBOR_RULES, rc, "ICBOR",
              f"iRECIST Confirmed Best Overall Response by {by}", IRECIST)])


def derive_aseq(adrs: pd.DataFrame) -> pd.DataFrame:
    """ASEQ: 1, 2, ... within subject, by PARAMCD, ADT, RSSEQ (ADTTE's SRCSEQ points to it)."""
    order = adrs.assign(SEQ=pd.to_numeric(adrs["RSSEQ"], errors="coerce"))
    order = order.sort_values(["USUBJID", "PARAMCD", "ADT", "SEQ"], kind="stable",
                              na_position="last").drop(columns="SEQ").reset_index(drop=True)
    order["ASEQ"] = order.groupby("USUBJID").cumcount() + 1
    return order.reindex(columns=COLUMNS)

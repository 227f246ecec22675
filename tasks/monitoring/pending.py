"""Whether each response-evaluable subject's response is settled at the cut or can still change
(pending): named rules evaluated in order, one row per subject in enrolment order. The monitoring
rules and the response rates count a subject only once it is settled; pending is never failure.

Subjects: ADSL RSEVALFL = "Y", ordered by the response reference date (cfg.response.
reference_date; missing dates last), then USUBJID: ORDER 1, 2, ... The first rule that holds
gives the subject's STATUS (SETTLEDFL True when it settles the response):
  confirmed response      ADRS CBOR CR or PR                                       settled
  progressed              an analysis OVR record PD (ANL01FL = Y), or CBOR PD      settled
  died                    ADSL DTHFL = Y                                           settled
  awaiting confirmation   the last analysis CR/PR is unconfirmed and can still be confirmed:
                          only NE since (at most max_ne_between; one SD after a PR when
                          accept_sd_between), and the cut is on or before CONFDT, the last day
                          of the confirming assessment: the first scheduled assessment
                          (reference date + k * assessment_interval_days) at least
                          confirmation_min_days after the CR/PR and after the assessments
                          since, + assessment_window_days                            pending
  window complete         cutoff >= EVALDT = reference date + assessment_interval_days +
                          confirmation_min_days (the first assessment and its confirmation
                          could both have taken place)                             settled
  in the first window     anyone else                                              pending
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from tasks.adam.response_terms import NE, PD, RESPONDER, SD
from tasks.config import Response
from tasks.errors import BadInputError

STATUS_COLUMNS = ["USUBJID", "REFDT", "ORDER", "DTHFL", "CBOR", "RESPFL", "PDFL", "LASTRSP",
                  "LASTRSPDT", "CONFDT", "EVALDT", "STATUS", "SETTLEDFL"]


@dataclass(frozen=True)
class StatusRule:
    """A named condition on the subject frame (and the cutoff) that gives the STATUS; `settled`:
    whether the response can no longer change."""
    status: str
    settled: bool
    when: Callable[[pd.DataFrame, pd.Timestamp], pd.Series]


CONFIRMED, AWAITING = "confirmed response", "awaiting confirmation"
FIRST_WINDOW = "in the first window"
STATUS_RULES = (
    StatusRule(CONFIRMED, True, lambda s, cut: s["RESPFL"]),
    StatusRule("progressed", True, lambda s, cut: s["PDFL"]),
    StatusRule("died", True, lambda s, cut: s["DTHFL"].eq("Y")),
    StatusRule(AWAITING, False, lambda s, cut: s["CONFDT"].notna() & (s["CONFDT"] >= cut)),
    StatusRule("window complete", True, lambda s, cut: s["EVALDT"] <= cut),
    StatusRule(FIRST_WINDOW, False, lambda s, cut: pd.Series(True, index=s.index)),
)


def _require(frame: pd.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BadInputError(f"{name}: column(s) {', '.join(missing)} missing (needed to tell "
                            "settled from pending responses)")


def select_subjects(adsl: pd.DataFrame, reference_date: str) -> pd.DataFrame:
    """RSEVALFL = "Y" subjects in enrolment order (reference date, then USUBJID), ORDER 1..N."""
    _require(adsl, "ADSL", ("USUBJID", "RSEVALFL", "DTHFL", reference_date))
    subjects = (adsl.loc[adsl["RSEVALFL"] == "Y", ["USUBJID", reference_date, "DTHFL"]]
                .rename(columns={reference_date: "REFDT"})
                .sort_values(["REFDT", "USUBJID"], na_position="last", kind="mergesort")
                .reset_index(drop=True))
    return subjects.assign(ORDER=range(1, len(subjects) + 1))


def derive_confirmed_bor(subjects: pd.DataFrame, adrs: pd.DataFrame) -> pd.DataFrame:
    """CBOR: the subject's confirmed best overall response (ADRS PARAMCD CBOR), "" when none;
    RESPFL: CBOR is CR or PR."""
    cbor = adrs.loc[adrs["PARAMCD"] == "CBOR", ["USUBJID", "AVALC"]]
    repeated = cbor["USUBJID"][cbor["USUBJID"].duplicated()]
    if not repeated.empty:
        raise BadInputError(f"ADRS: more than one PARAMCD CBOR record for USUBJID "
                            f"{repeated.iloc[0]} ({repeated.nunique()} subject(s)); rule: one CBOR "
                            "per subject")
    out = subjects.merge(cbor.rename(columns={"AVALC": "CBOR"}), on="USUBJID", how="left")
    return out.assign(CBOR=out["CBOR"].fillna(""), RESPFL=out["CBOR"].isin(RESPONDER))


def _assessments(adrs: pd.DataFrame) -> pd.DataFrame:
    """The analysis overall responses (PARAMCD OVR, ANL01FL = Y)."""
    ovr = adrs[adrs["PARAMCD"].eq("OVR") & adrs["ANL01FL"].eq("Y")]
    return ovr[["USUBJID", "AVALC", "ADT"]]


def derive_progression(subjects: pd.DataFrame, adrs: pd.DataFrame) -> pd.DataFrame:
    """PDFL: an analysis overall response PD, or CBOR PD."""
    ovr = _assessments(adrs)
    progressed = ovr.loc[ovr["AVALC"].eq(PD), "USUBJID"]
    return subjects.assign(PDFL=subjects["USUBJID"].isin(progressed) | subjects["CBOR"].eq(PD))


def derive_confirmation_deadline(subjects: pd.DataFrame, adrs: pd.DataFrame,
                                 response: Response) -> pd.DataFrame:
    """LASTRSP/LASTRSPDT: the last analysis CR or PR; CONFDT: the last day its confirming
    assessment can be reported (NaT when it is confirmed already or can no longer be)."""
    ovr = _assessments(adrs).sort_values(["USUBJID", "ADT"], kind="mergesort")
    last = (ovr[ovr["AVALC"].isin(RESPONDER)].drop_duplicates("USUBJID", keep="last")
            .set_index("USUBJID"))
    out = subjects.assign(LASTRSP=subjects["USUBJID"].map(last["AVALC"]).fillna(""),
                          LASTRSPDT=subjects["USUBJID"].map(last["ADT"]).astype("datetime64[ns]"))
    since = ovr.assign(SINCE=ovr["USUBJID"].map(last["ADT"]))
    since = since[since["ADT"] > since["SINCE"]]
    count = lambda value: since[since["AVALC"].eq(value)].groupby("USUBJID").size()  # noqa: E731
    ne, sd = (out["USUBJID"].map(count(v)).fillna(0) for v in (NE, SD))
    other = out["USUBJID"].map(since[~since["AVALC"].isin((NE, SD))]
                               .groupby("USUBJID").size()).fillna(0)
    sd_allowed = np.where(response.accept_sd_between & out["LASTRSP"].eq("PR"), 1, 0)
    possible = (out["LASTRSPDT"].notna() & ~out["RESPFL"] & (other == 0)
                & (ne <= response.max_ne_between) & (sd <= sd_allowed))
    # the confirming assessment: the first scheduled one at least confirmation_min_days after
    # the CR/PR and after the NE assessments since (a confirmation may still follow them)
    interval = response.assessment_interval_days
    latest = out["USUBJID"].map(since.groupby("USUBJID")["ADT"].max()).astype("datetime64[ns]")
    earliest = np.maximum(
        (out["LASTRSPDT"] - out["REFDT"]).dt.days + response.confirmation_min_days,
        ((latest - out["REFDT"]).dt.days + 1).fillna(0))
    due = out["REFDT"] + pd.to_timedelta(np.ceil(earliest / interval) * interval, unit="D")
    deadline = due + pd.Timedelta(days=response.assessment_window_days)
    return out.assign(CONFDT=deadline.where(possible))


def derive_status(subjects: pd.DataFrame, cutoff: date, response: Response) -> pd.DataFrame:
    """EVALDT, and STATUS / SETTLEDFL from the first rule of STATUS_RULES that holds."""
    subjects = subjects.assign(EVALDT=subjects["REFDT"] + pd.Timedelta(
        days=response.assessment_interval_days + response.confirmation_min_days))
    cut = pd.Timestamp(cutoff)
    conditions = [np.asarray(rule.when(subjects, cut), dtype=bool) for rule in STATUS_RULES]
    status = np.select(conditions, [rule.status for rule in STATUS_RULES], FIRST_WINDOW)
    settled = {rule.status: rule.settled for rule in STATUS_RULES}
    return subjects.assign(STATUS=status,
                           SETTLEDFL=pd.Series(status).map(settled).to_numpy(dtype=bool))


def response_status(adsl: pd.DataFrame, adrs: pd.DataFrame, cutoff: date,
                    response: Response) -> pd.DataFrame:
    """One row per response-evaluable subject in enrolment order (STATUS_COLUMNS)."""
    _require(adrs, "ADRS", ("USUBJID", "PARAMCD", "AVALC", "ADT", "ANL01FL"))
    return (select_subjects(adsl, response.reference_date)
            .pipe(derive_confirmed_bor, adrs=adrs)
            .pipe(derive_progression, adrs=adrs)
            .pipe(derive_confirmation_deadline, adrs=adrs, response=response)
            .pipe(derive_status, cutoff=cutoff, response=response))[STATUS_COLUMNS]

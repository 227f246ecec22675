"""Who counts for each monitoring rule at a cut: the efficacy cohort in enrolment order and the
safety-stopping cohort, one row per subject, derived from ADSL, ADRS and ADAE.

Efficacy (Simon, predictive probability): ADSL RSEVALFL = "Y", ordered by the response reference
date (cfg.response.reference_date; missing dates last), then USUBJID: ORDER 1, 2, ...
A subject HAS HAD A CHANCE TO RESPOND (CHANCEFL = "Y") at the cut when any of:
  - window: cutoff >= reference date + assessment_interval_days + confirmation_min_days, i.e. the
    first scheduled assessment and a confirming assessment could both have taken place;
  - a confirmed response (ADRS CBOR AVALC CR or PR): already known;
  - progression (CBOR AVALC PD) or death (ADSL DTHFL = "Y"): can no longer respond.
Anyone else is pending: neither a responder nor a failure yet.

Safety stopping: ADSL SAFFL = "Y". The event (cfg.monitoring.safety_stopping.event) is a
treatment-emergent AE (TRTEMFL = "Y") of CTCAE grade >= the event's minimum, related to any study
drug when the event requires it (ADAE RELFL = "Y"), with onset ASTDT - TRTSDT + 1 <= window_days.
A subject is ASSESSABLE when the window is complete at the cut (TRTSDT + window_days - 1 <=
cutoff) or the event occurred; others are still inside the window.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from tasks.adam.response_terms import RESPONDER as RESPONSES
from tasks.config import Response, SafetyStopping
from tasks.errors import BadInputError, ConfigError


@dataclass(frozen=True)
class SafetyEvent:
    """A safety-stopping event definition, selected by name in the config."""
    min_grade: int
    related_only: bool
    label: str


SAFETY_EVENTS = {
    "related_grade3plus_first_cycle": SafetyEvent(
        3, True, "treatment-related grade >= 3 TEAE with onset in the first {window} days"),
    "grade3plus_first_cycle": SafetyEvent(
        3, False, "grade >= 3 TEAE (any causality) with onset in the first {window} days"),
}


def safety_event(cfg: SafetyStopping) -> SafetyEvent:
    try:
        return SAFETY_EVENTS[cfg.event]
    except KeyError:
        raise ConfigError(f"monitoring.safety_stopping.event: unknown event {cfg.event!r}; "
                          f"known: {', '.join(sorted(SAFETY_EVENTS))}") from None


def _require(frame: pd.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BadInputError(f"{name}: column(s) {', '.join(missing)} missing (needed by the monitoring rules)")


# --- efficacy cohort ---------------------------------------------------------------------------

def select_efficacy_subjects(adsl: pd.DataFrame, reference_date: str) -> pd.DataFrame:
    """RSEVALFL = "Y" subjects in enrolment order (reference date, then USUBJID), ORDER 1..N."""
    _require(adsl, "ADSL", ("USUBJID", "RSEVALFL", "DTHFL", reference_date))
    subjects = (adsl.loc[adsl["RSEVALFL"] == "Y", ["USUBJID", reference_date, "DTHFL"]]
                .rename(columns={reference_date: "REFDT"})
                .sort_values(["REFDT", "USUBJID"], na_position="last", kind="mergesort")
                .reset_index(drop=True))
    return subjects.assign(ORDER=range(1, len(subjects) + 1))


def derive_confirmed_bor(subjects: pd.DataFrame, adrs: pd.DataFrame) -> pd.DataFrame:
    """CBOR: the subject's confirmed best overall response (ADRS PARAMCD CBOR), "" when none."""
    _require(adrs, "ADRS", ("USUBJID", "PARAMCD", "AVALC"))
    cbor = adrs.loc[adrs["PARAMCD"] == "CBOR", ["USUBJID", "AVALC"]]
    repeated = cbor["USUBJID"][cbor["USUBJID"].duplicated()]
    if not repeated.empty:
        raise BadInputError(f"ADRS: more than one PARAMCD CBOR record for USUBJID {repeated.iloc[0]} "
                            f"({repeated.nunique()} subject(s)); rule: one CBOR per subject")
    out = subjects.merge(cbor.rename(columns={"AVALC": "CBOR"}), on="USUBJID", how="left")
    return out.assign(CBOR=out["CBOR"].fillna(""), RESPFL=out["CBOR"].isin(RESPONSES))


def derive_chance_to_respond(subjects: pd.DataFrame, cutoff: date, response: Response) -> pd.DataFrame:
    """EVALDT (reference date + first assessment + confirmation) and CHANCEFL / CHANCE (why)."""
    evaldt = subjects["REFDT"] + pd.Timedelta(
        days=response.assessment_interval_days + response.confirmation_min_days)
    reason = pd.Series("pending", index=subjects.index)
    reason = reason.mask(evaldt <= pd.Timestamp(cutoff), "window complete")
    reason = reason.mask(subjects["DTHFL"] == "Y", "died")
    reason = reason.mask(subjects["CBOR"] == "PD", "progressed")
    reason = reason.mask(subjects["RESPFL"], "confirmed response")
    return subjects.assign(EVALDT=evaldt, CHANCE=reason, CHANCEFL=(reason != "pending"))


def efficacy_cohort(adsl: pd.DataFrame, adrs: pd.DataFrame, cutoff: date, response: Response) -> pd.DataFrame:
    """One row per efficacy subject: USUBJID REFDT ORDER CBOR RESPFL EVALDT CHANCE CHANCEFL."""
    return (select_efficacy_subjects(adsl, response.reference_date)
            .pipe(derive_confirmed_bor, adrs=adrs)
            .pipe(derive_chance_to_respond, cutoff=cutoff, response=response))


# --- safety-stopping cohort ----------------------------------------------------------------------

@dataclass(frozen=True)
class SafetyCohort:
    """Subjects (USUBJID TRTSDT EVENTFL WINDOWFL ASSESSFL) and the AE records that could not be
    judged (grade or onset date missing), counted so that nothing is dropped unseen."""
    subjects: pd.DataFrame
    missing_grade: int
    missing_onset: int


def _candidate_events(adae: pd.DataFrame, event: SafetyEvent) -> pd.DataFrame:
    columns = ("USUBJID", "TRTEMFL", "AETOXGR", "ASTDT") + (("RELFL",) if event.related_only else ())
    _require(adae, "ADAE", columns)
    keep = adae["TRTEMFL"] == "Y"
    if event.related_only:
        keep &= adae["RELFL"] == "Y"
    candidates = adae.loc[keep, ["USUBJID", "AETOXGR", "ASTDT"]]
    return candidates.assign(GRADE=pd.to_numeric(candidates["AETOXGR"], errors="coerce"))


def safety_cohort(adsl: pd.DataFrame, adae: pd.DataFrame, cutoff: date, cfg: SafetyStopping) -> SafetyCohort:
    """SAFFL subjects with EVENTFL (the configured event within the window), WINDOWFL (window
    complete at the cut) and ASSESSFL (WINDOWFL or EVENTFL)."""
    _require(adsl, "ADSL", ("USUBJID", "SAFFL", "TRTSDT"))
    event = safety_event(cfg)
    subjects = adsl.loc[adsl["SAFFL"] == "Y", ["USUBJID", "TRTSDT"]].reset_index(drop=True)
    candidates = _candidate_events(adae, event).merge(subjects, on="USUBJID", how="inner")
    study_day = (candidates["ASTDT"] - candidates["TRTSDT"]).dt.days + 1
    in_window = study_day.between(1, cfg.window_days) & (candidates["ASTDT"] <= pd.Timestamp(cutoff))
    # A related TEAE in the window without a usable grade, or without an onset date, cannot be
    # judged: counted and shown, never silently taken as "no event".
    missing_grade = int((in_window & candidates["GRADE"].isna()).sum())
    missing_onset = int((candidates["ASTDT"].isna() & (candidates["GRADE"].isna()
                                                       | (candidates["GRADE"] >= event.min_grade))).sum())
    with_event = candidates.loc[in_window & (candidates["GRADE"] >= event.min_grade), "USUBJID"].unique()
    window_end = subjects["TRTSDT"] + pd.Timedelta(days=cfg.window_days - 1)
    eventfl = subjects["USUBJID"].isin(with_event)
    windowfl = window_end <= pd.Timestamp(cutoff)
    subjects = subjects.assign(EVENTFL=eventfl, WINDOWFL=windowfl, ASSESSFL=eventfl | windowfl)
    return SafetyCohort(subjects=subjects, missing_grade=missing_grade, missing_onset=missing_onset)

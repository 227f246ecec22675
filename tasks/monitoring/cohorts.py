"""Who counts for the safety-stopping rule at a cut, one row per subject, from ADSL and ADAE (the
efficacy rules' subjects: tasks.monitoring.pending).

Safety stopping: ADSL SAFFL = "Y". The event (cfg.monitoring.safety_stopping.event) is a
treatment-emergent AE (TRTEMFL = "Y") of CTCAE grade >= the event's minimum, related to any study
drug when the event requires it (ADAE RELFL = "Y"), with onset ASTDT - TRTSDT + 1 <= window_days.
A subject is ASSESSABLE when the outcome can no longer change: the window is complete at the cut
(TRTSDT + window_days - 1 <= cutoff), the event occurred, or the subject died (ADSL DTHFL = "Y");
others are still inside the window: pending, never counted as without the event.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from tasks.config import SafetyStopping
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
        raise BadInputError(f"{name}: column(s) {', '.join(missing)} missing (needed by the "
                            "monitoring rules)")


# --- safety-stopping cohort ----------------------------------------------------------------------

@dataclass(frozen=True)
class SafetyCohort:
    """Subjects (USUBJID TRTSDT EVENTFL WINDOWFL ASSESSFL) and the AE records that could not be
    judged (grade or onset date missing), counted so that nothing is dropped unseen."""
    subjects: pd.DataFrame
    missing_grade: int
    missing_onset: int


def _candidate_events(adae: pd.DataFrame, event: SafetyEvent) -> pd.DataFrame:
    columns = (("USUBJID", "TRTEMFL", "AETOXGR", "ASTDT")
               + (("RELFL",) if event.related_only else ()))
    _require(adae, "ADAE", columns)
    keep = adae["TRTEMFL"] == "Y"
    if event.related_only:
        keep &= adae["RELFL"] == "Y"
    candidates = adae.loc[keep, ["USUBJID", "AETOXGR", "ASTDT"]]
    return candidates.assign(GRADE=pd.to_numeric(candidates["AETOXGR"], errors="coerce"))


def safety_cohort(adsl: pd.DataFrame, adae: pd.DataFrame, cutoff: date,
                  cfg: SafetyStopping) -> SafetyCohort:
    """SAFFL subjects with EVENTFL (the configured event within the window), WINDOWFL (window
    complete at the cut) and ASSESSFL (WINDOWFL, EVENTFL or died)."""
    _require(adsl, "ADSL", ("USUBJID", "SAFFL", "TRTSDT", "DTHFL"))
    event = safety_event(cfg)
    subjects = adsl.loc[adsl["SAFFL"] == "Y", ["USUBJID", "TRTSDT", "DTHFL"]].reset_index(drop=True)
    candidates = _candidate_events(adae, event).merge(subjects, on="USUBJID", how="inner")
    study_day = (candidates["ASTDT"] - candidates["TRTSDT"]).dt.days + 1
    in_window = (study_day.between(1, cfg.window_days)
                 & (candidates["ASTDT"] <= pd.Timestamp(cutoff)))
    # A related TEAE in the window without a usable grade, or without an onset date, cannot be
    # judged: counted and shown, never silently taken as "no event".
    missing_grade = int((in_window & candidates["GRADE"].isna()).sum())
    missing_onset = int((candidates["ASTDT"].isna()
                         & (candidates["GRADE"].isna()
                            | (candidates["GRADE"] >= event.min_grade))).sum())
    with_event = (candidates.loc[in_window & (candidates["GRADE"] >= event.min_grade), "USUBJID"]
                  .unique())
    window_end = subjects["TRTSDT"] + pd.Timedelta(days=cfg.window_days - 1)
    eventfl = subjects["USUBJID"].isin(with_event)
    windowfl = window_end <= pd.Timestamp(cutoff)
    died = subjects["DTHFL"].eq("Y")
    subjects = subjects.drop(columns="DTHFL").assign(EVENTFL=eventfl, WINDOWFL=windowfl,
                                                     ASSESSFL=eventfl | windowfl | died)
    return SafetyCohort(subjects=subjects, missing_grade=missing_grade, missing_onset=missing_onset)

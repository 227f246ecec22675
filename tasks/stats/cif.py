"""Cumulative incidence with a competing risk: the Aalen-Johansen estimator (lifelines'
AalenJohansenFitter), reproducible on tied whole-day times.

lifelines breaks ties between the event of interest and a competing event by random jitter (and
warns). Here every event of interest is placed a quarter of a day before its whole-day time
instead: no two kinds of events then share a time, and the estimate at every whole day is the
discrete Aalen-Johansen estimate (at a day with d1 events of interest, d2 competing events and n
at risk, the increment is S(t-) x d1 / n in either order), the same for the same data.
"""
from __future__ import annotations

import numpy as np
from lifelines import AalenJohansenFitter

CENSORED, EVENT, COMPETING = 0, 1, 2
TIE_BREAK_DAYS = 0.25


def cumulative_incidence(days: np.ndarray, kind: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The cumulative incidence of EVENT by each time of `at` (days), with COMPETING events
    competing and CENSORED times censored; `days` are whole days (>= 1). NaN without subjects."""
    days = np.asarray(days, dtype="float64")
    kind = np.asarray(kind, dtype=np.int64)
    at = np.asarray(at, dtype="float64")
    if len(days) == 0:
        return np.full(len(at), np.nan)
    if not (kind == EVENT).any():
        return np.zeros(len(at))
    fitter = AalenJohansenFitter(calculate_variance=False)
    fitter.fit(days - np.where(kind == EVENT, TIE_BREAK_DAYS, 0.0), kind, event_of_interest=EVENT)
    return fitter.predict(at).to_numpy(dtype="float64")

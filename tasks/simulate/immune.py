"""Treatment of immune-related AEs (CM rows): corticosteroids, second-line immunosuppressants,
hormone replacement and topical steroids for mild skin events, drawn by the AE's term and grade
(catalogue.IMMUNE_CM_*)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.simulate import catalogue as cat
from tasks.simulate.arrays import NEVER, stream

IMMUNE_TERMS = tuple(t.decod for t in cat.TERMS if t.phase == "immune")
NO_HORMONE = ("", "", (0.0, 0.0, 0.0, 0.0))


def _rows(events: pd.DataFrame, keep: np.ndarray, drug: np.ndarray, route: np.ndarray,
          start: np.ndarray, end: np.ndarray | np.int64) -> pd.DataFrame:
    end = np.broadcast_to(end, keep.shape)
    return pd.DataFrame({"subject": events["subject"].to_numpy()[keep], "trt": drug[keep],
                         "route": route[keep], "indication": events["decod"].to_numpy()[keep],
                         "start": start[keep], "end": end[keep]})


def immune_treatments(ae: pd.DataFrame, subjects: pd.DataFrame, seed: int) -> pd.DataFrame:
    """CM rows (subject, trt, route, indication, start, end) for the immune-phase AEs of `ae`
    (subject, start, decod, grade); a taper ends weeks later, hormone replacement goes on.
    Nothing starts after the subject's end of study or death; what would end later is ongoing."""
    rng = stream(seed, "immune_cm")
    events = ae[ae["decod"].isin(IMMUNE_TERMS) & (ae["grade"] <= 4)]
    n = len(events)
    grade, decod = events["grade"].to_numpy(), events["decod"].to_numpy()
    u, second = rng.random(n), rng.random(n)
    low, high = cat.IMMUNE_CM_START_DAYS
    start = events["start"].to_numpy() + rng.integers(low, high + 1, n)
    low, high = cat.IMMUNE_CM_STEROID_DAYS
    taper = rng.integers(low, high + 1, n)
    replacement = [cat.IMMUNE_CM_HORMONE.get(d, NO_HORMONE) for d in decod]
    hormone = np.array([p[g - 1] for (_, _, p), g in zip(replacement, grade)], dtype=float) > u
    topical = (np.isin(decod, cat.IMMUNE_CM_SKIN) & (grade <= 2)
               & (u < cat.IMMUNE_CM_TOPICAL[2]))
    systemic = (~np.isin(decod, [*cat.IMMUNE_CM_HORMONE, *cat.IMMUNE_CM_NONE]) & ~topical
                & (u < np.array(cat.IMMUNE_CM_STEROID_P)[grade - 1]))
    steroid = [cat.IMMUNE_CM_STEROID[max(int(g), 2)] for g in grade]
    refractory = systemic & (grade >= 3) & (second < cat.IMMUNE_CM_SECOND_LINE[2])
    parts = [
        _rows(events, topical, np.full(n, cat.IMMUNE_CM_TOPICAL[0], dtype=object),
              np.full(n, cat.IMMUNE_CM_TOPICAL[1], dtype=object), start, start + taper // 2),
        _rows(events, hormone, np.array([d for d, _, _ in replacement], dtype=object),
              np.array([r for _, r, _ in replacement], dtype=object), start, NEVER),
        _rows(events, systemic, np.array([d for d, _ in steroid], dtype=object),
              np.array([r for _, r in steroid], dtype=object), start, start + taper),
        _rows(events, refractory, np.full(n, cat.IMMUNE_CM_SECOND_LINE[0], dtype=object),
              np.full(n, cat.IMMUNE_CM_SECOND_LINE[1], dtype=object), start + 7,
              start + 7 + taper)]
    cm = pd.concat(parts, ignore_index=True)
    s = cm["subject"].to_numpy(dtype=np.int64)
    stop = np.minimum(subjects["eos_day"].to_numpy(), subjects["death_day"].to_numpy())[s]
    cm = cm.assign(end=np.where(cm["end"].to_numpy() < stop, cm["end"].to_numpy(), NEVER))
    return cm[cm["start"].to_numpy() < stop].reset_index(drop=True)

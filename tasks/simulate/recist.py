"""The investigator's RECIST 1.1 overall response per assessment, from the simulated lesions.

Visits are rows of `visits` (one per subject and assessment, baseline k = 0 included, sorted by
subject then k); lesion rows point at their visit by `vid`. Thresholds are compared exactly on
whole millimetres (5 x growth >= nadir is +20%; 10 x change <= -3 x baseline is -30%).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

NODE_NORMAL_MM = 10                 # a lymph node below this short axis is normal
PD_ABSOLUTE_MM = 5


def target_sums(n_visits: int, target: pd.DataFrame) -> pd.DataFrame:
    """Per visit: sum of the measured target diameters, whether one is missing, whether all are
    gone (non-nodal 0 mm, nodes < 10 mm)."""
    vid = target["vid"].to_numpy(dtype=np.int64)
    value = target["ldiam"].to_numpy(dtype=float)
    missing = np.isnan(value)
    normal = np.where(target["nodal"].to_numpy(), value < NODE_NORMAL_MM, value == 0) & ~missing
    return pd.DataFrame({
        "sum": np.bincount(vid, weights=np.where(missing, 0.0, value), minlength=n_visits),
        "missing": np.bincount(vid, weights=missing, minlength=n_visits) > 0,
        "all_gone": np.bincount(vid, weights=~normal, minlength=n_visits) == 0,
    })


def target_response(visits: pd.DataFrame, target: pd.DataFrame) -> pd.DataFrame:
    """Target-lesion response per visit, with the baseline sum, the nadir before the visit and
    the % change from baseline."""
    sums = target_sums(len(visits), target)
    subject = visits["subject"].to_numpy()
    baseline = visits["k"].to_numpy() == 0
    evaluable = sums["sum"].where(~sums["missing"])
    running = evaluable.groupby(subject).cummin().groupby(subject).ffill()
    nadir = running.groupby(subject).shift(1).to_numpy()
    base = (pd.Series(np.where(baseline, sums["sum"], np.nan)).groupby(subject).transform("max")
            .to_numpy())
    total = sums["sum"].to_numpy()
    grow = total - nadir
    progressed = (5 * grow >= nadir) & (grow >= PD_ABSOLUTE_MM) & ~baseline
    shrunk = 10 * (total - base) <= -3 * base
    response = np.select(
        [baseline, progressed, sums["missing"].to_numpy(), sums["all_gone"].to_numpy(), shrunk],
        ["", "PD", "NE", "CR", "PR"], "SD")
    return pd.DataFrame({"sum": total, "base": base, "nadir": nadir,
                         "pchg": 100 * (total - base) / base, "target": response})


def non_target_response(n_visits: int, non_target: pd.DataFrame) -> np.ndarray:
    """PD (unequivocal progression), NE (not assessed), CR (all absent), NON-CR/NON-PD, or NA
    for a visit of a subject without non-target lesions."""
    vid = non_target["vid"].to_numpy(dtype=np.int64)
    state = non_target["state"].to_numpy()

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(vid, weights=mask, minlength=n_visits)

    total = np.bincount(vid, minlength=n_visits)
    return np.select([total == 0, count(state == "UNEQUIVOCAL PROGRESSION") > 0,
                      count(state == "") > 0, count(state == "ABSENT") == total],
                     ["NA", "PD", "NE", "CR"], "NON-CR/NON-PD")


def overall_response(visits: pd.DataFrame, target: pd.DataFrame, non_target: pd.DataFrame,
                     new_lesion: np.ndarray) -> pd.DataFrame:
    """RECIST 1.1 overall response per visit ("" at baseline), with the target detail."""
    detail = target_response(visits, target)
    t = detail["target"].to_numpy()
    nt = non_target_response(len(visits), non_target)
    overall = np.select(
        [t == "", new_lesion | (t == "PD") | (nt == "PD"), t == "NE",
         (t == "CR") & np.isin(nt, ["CR", "NA"]), np.isin(t, ["CR", "PR"])],
        ["", "PD", "NE", "CR", "PR"], "SD")
    return detail.assign(non_target=nt, overall=overall)


def boundary_visits(visits: pd.DataFrame, target: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Visits exactly at -30% from baseline or +20% from the nadir (where a float comparison
    elsewhere could disagree): the first to deepen, the second to grow by one millimetre."""
    detail = target_response(visits, target)
    baseline = visits["k"].to_numpy() == 0
    at_pr = (10 * (detail["sum"] - detail["base"]) == -3 * detail["base"]) & ~baseline
    grow = detail["sum"] - detail["nadir"]
    at_pd = (5 * grow == detail["nadir"]) & (grow >= PD_ABSOLUTE_MM) & ~baseline
    return np.flatnonzero(at_pr.to_numpy()), np.flatnonzero(at_pd.to_numpy())

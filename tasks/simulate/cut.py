"""The simulated database as it stood on a day: what had happened, and been recorded, by then.

Subjects consented later are absent; records dated later are absent; an AE still going on has no
end date (and is NOT RECOVERED/NOT RESOLVED), nor has a medication still taken; DM's first-dose
dates (RFSTDTC, RFXSTDTC) are filled once the dose is given, its end dates (RFXENDTC, RFENDTC)
once the end of treatment / end of study is in DS, DTHDTC/DTHFL once the death happened.
So a later cut of the same trial extends an earlier one, except for end dates filled in since.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

# The simulated database's record dates (the full history has complete dates everywhere).
DATE_VARIABLES = {"ae": "AESTDTC", "rs": "RSDTC", "tu": "TUDTC", "tr": "TRDTC", "ex": "EXSTDTC",
                  "lb": "LBDTC", "vs": "VSDTC", "ds": "DSSTDTC", "sv": "SVSTDTC", "cm": "CMSTDTC"}
ONGOING = "NOT RECOVERED/NOT RESOLVED"
END_OF_TREATMENT = "TREATMENT"      # DS EPOCH of the end-of-treatment disposition
END_OF_STUDY = "FOLLOW-UP"          # ... and of the end-of-study disposition
# Values that a later cut may fill in (or update with them): what "extends" allows to change.
FILLED_LATER = {"ae": ("AEENDTC", "AEOUT"), "cm": ("CMENDTC",),
                "dm": ("RFSTDTC", "RFXSTDTC", "RFENDTC", "RFXENDTC", "DTHDTC", "DTHFL")}


def cut_history(frames: dict[str, pd.DataFrame], cutoff: date,
                subjects: set[str] | None = None) -> dict[str, pd.DataFrame]:
    """The database at `cutoff` (ISO dates compare as text). With `subjects`, the cutoff applies
    to those subjects only (a site whose data entry lags) and everyone else is kept as is."""
    day = cutoff.isoformat()
    dm = frames["dm"]
    gone = set(dm.loc[_applies(dm, subjects) & (dm["RFICDTC"] > day), "USUBJID"])
    out: dict[str, pd.DataFrame] = {}
    for name, frame in frames.items():
        drop = frame["USUBJID"].isin(gone)
        if name in DATE_VARIABLES:
            drop |= _applies(frame, subjects) & (frame[DATE_VARIABLES[name]] > day)
        out[name] = frame[~drop].reset_index(drop=True)
    out["ae"] = _ongoing(out["ae"], day, subjects)
    out["cm"] = _cm_ongoing(out["cm"], day, subjects)
    out["suppae"] = _with_parent(out["suppae"], out["ae"])
    out["dm"] = _dm_at(out["dm"], out["ds"], day, subjects)
    return out


def _applies(frame: pd.DataFrame, subjects: set[str] | None) -> pd.Series:
    return frame["USUBJID"].isin(subjects) if subjects is not None else frame["USUBJID"].notna()


def _ongoing(ae: pd.DataFrame, day: str, subjects: set[str] | None) -> pd.DataFrame:
    later = (ae["AEENDTC"] > day) & _applies(ae, subjects)
    ae = ae.copy()
    ae.loc[later, "AEENDTC"] = ""
    ae.loc[later, "AEOUT"] = ONGOING
    return ae


def _cm_ongoing(cm: pd.DataFrame, day: str, subjects: set[str] | None) -> pd.DataFrame:
    later = (cm["CMENDTC"] > day) & _applies(cm, subjects)
    cm = cm.copy()
    cm.loc[later, "CMENDTC"] = ""
    return cm


def _with_parent(supp: pd.DataFrame, ae: pd.DataFrame) -> pd.DataFrame:
    keys = pd.MultiIndex.from_frame(ae[["USUBJID", "AESEQ"]])
    kept = pd.MultiIndex.from_frame(supp[["USUBJID", "IDVARVAL"]]).isin(keys)
    return supp[kept].reset_index(drop=True)


def _dm_at(dm: pd.DataFrame, ds: pd.DataFrame, day: str, subjects: set[str] | None) -> pd.DataFrame:
    dm = dm.copy()
    applies = _applies(dm, subjects)
    disposition = ds[ds["DSCAT"].eq("DISPOSITION EVENT")]
    for variable, epoch in (("RFXENDTC", END_OF_TREATMENT), ("RFENDTC", END_OF_STUDY)):
        ended = dm["USUBJID"].isin(disposition.loc[disposition["EPOCH"].eq(epoch), "USUBJID"])
        dm.loc[applies & ~ended, variable] = ""
    for variable in ("RFSTDTC", "RFXSTDTC"):
        dm.loc[applies & (dm[variable] > day), variable] = ""
    alive = applies & (dm["DTHDTC"] > day)
    dm.loc[alive, ["DTHDTC", "DTHFL"]] = ""
    return dm

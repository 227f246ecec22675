"""ADEXREC: one record per EX record (a dose given, reduced or withheld) with its cycle: what
the patient profiles draw, the cycle of an AE's onset and the per-drug action read from EX.

Variables: USUBJID EXSEQ EXTRT COMPCD EXDOSU EXADJ, AVAL (EXDOSE as a number), PLANDOSE,
ASTDT (EXSTDTC, complete or first day of a partial date) ASTDY, ACYCLE (n of VISIT "CYCLE n";
missing without one), WITHHLFL "Y" for a dose withheld (EXOCCUR N, or EXDOSE 0 of a drug that is
not an adsl.zero_dose_treatments placebo), REDUCEFL "Y" for a dose given below the planned dose
in the planned unit; and TRTSDT SAFFL TRT01A of ADSL.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam.flags import y_or_none
from tasks.adam.unique import numbers, upper
from tasks.config import TrialConfig
from tasks.dates import earliest_date, study_day

CYCLE_VISIT = r"CYCLE\s*(\d+)"
ADSL_VARIABLES = ("TRTSDT", "SAFFL", "TRT01A")
COLUMNS = ["USUBJID", "EXSEQ", "EXTRT", "COMPCD", "EXDOSU", "EXADJ", "AVAL", "PLANDOSE", "ASTDT",
           "ASTDY", "ACYCLE", "WITHHLFL", "REDUCEFL", *ADSL_VARIABLES]


def _text(ex: pd.DataFrame, variable: str) -> pd.Series:
    return ex[variable] if variable in ex else pd.Series("", index=ex.index, dtype=object)


def _flag(condition: pd.Series) -> pd.Series:
    return pd.Series(y_or_none(condition.fillna(False).astype(bool)),
                     index=condition.index, dtype=object)


def build_adexrec(adsl: pd.DataFrame, ex: pd.DataFrame | None, cfg: TrialConfig) -> pd.DataFrame:
    """ADEXREC of the cut's EX (empty, with every column, without EX)."""
    if ex is None:
        ex = pd.DataFrame(columns=["USUBJID", "EXTRT", "EXDOSE", "EXSTDTC"], dtype=object)
    plan = {d.extrt.upper(): (c.code, d.planned_dose, (d.dose_unit or "").upper())
            for c in cfg.study.components for d in c.drugs}
    extrt = upper(ex["EXTRT"])
    dose = numbers(ex["EXDOSE"])
    unit = upper(_text(ex, "EXDOSU"))
    planned = extrt.map(lambda t: plan.get(t, (None, np.nan, ""))[1]).astype("float64")
    planned_unit = extrt.map(lambda t: plan.get(t, (None, np.nan, ""))[2])
    placebo = extrt.isin([t.upper() for t in cfg.adsl.zero_dose_treatments])
    withheld = upper(_text(ex, "EXOCCUR")).eq("N") | (dose.eq(0) & ~placebo)
    reduced = (dose > 0) & (dose < planned - 1e-9) & (planned_unit.eq("") | unit.eq(planned_unit))
    visit = upper(_text(ex, "VISIT"))
    records = pd.DataFrame({
        "USUBJID": ex["USUBJID"], "EXSEQ": _text(ex, "EXSEQ"), "EXTRT": extrt,
        "COMPCD": extrt.map(lambda t: plan.get(t, (t,))[0]), "EXDOSU": _text(ex, "EXDOSU"),
        "EXADJ": _text(ex, "EXADJ"), "AVAL": dose, "PLANDOSE": planned,
        "ASTDT": earliest_date(ex["EXSTDTC"]).astype("datetime64[ns]"),
        "ACYCLE": pd.to_numeric(visit.str.extract(CYCLE_VISIT)[0], errors="coerce"),
        "WITHHLFL": _flag(withheld), "REDUCEFL": _flag(reduced & ~withheld)})
    subjects = adsl.drop_duplicates("USUBJID").set_index("USUBJID")
    for variable in ADSL_VARIABLES:
        records[variable] = records["USUBJID"].map(subjects[variable]) if variable in subjects \
            else None
    records["TRTSDT"] = records["TRTSDT"].astype("datetime64[ns]")
    records["ASTDY"] = study_day(records["ASTDT"], records["TRTSDT"])
    return (records[COLUMNS].sort_values(["USUBJID", "ASTDT", "EXTRT"], kind="mergesort")
            .reset_index(drop=True))

"""ADCM: concomitant and other medications (CM) with analysis dates and the class of
treatment of immune-related AEs (safety.immune_treatment).

Variables: USUBJID CMSEQ CMTRT CMDECOD CMCAT CMINDC CMROUTE (text as in CM), ASTDT (CMSTDTC,
partial: its first day) AENDT (CMENDTC, partial: its last day; missing: ongoing) ASTDY,
IRTRTCL: the configured class (e.g. "Systemic corticosteroid") of a CMDECOD listed in
safety.immune_treatment.classes whose route is not in exclude_routes (a topical steroid is not
systemic), else missing; TRTSDT of ADSL.
"""
from __future__ import annotations

import pandas as pd

from tasks.adam.unique import upper
from tasks.config import TrialConfig
from tasks.dates import earliest_date, latest_date, study_day
from tasks.model import Cut

TEXT = ("CMSEQ", "CMTRT", "CMDECOD", "CMCAT", "CMINDC", "CMROUTE", "CMSTDTC", "CMENDTC")
COLUMNS = ["USUBJID", *TEXT[:-2], "ASTDT", "AENDT", "ASTDY", "IRTRTCL", "TRTSDT"]


def build_adcm(adsl: pd.DataFrame, cut: Cut, cfg: TrialConfig) -> pd.DataFrame:
    """ADCM of the cut (empty, with every column, without CM)."""
    cm = cut.get("cm")
    if cm is None or cm.empty:
        return pd.DataFrame(columns=COLUMNS)
    cm = cm.copy()
    for variable in TEXT:
        if variable not in cm:
            cm[variable] = ""
    treatment = cfg.safety.immune_treatment
    classes = {term.upper(): name for name, terms in treatment.classes.items() for term in terms}
    excluded = upper(cm["CMROUTE"]).isin([r.upper() for r in treatment.exclude_routes])
    cm["IRTRTCL"] = upper(cm["CMDECOD"]).map(classes).where(~excluded)
    cm["ASTDT"] = earliest_date(cm["CMSTDTC"]).astype("datetime64[ns]")
    cm["AENDT"] = latest_date(cm["CMENDTC"]).astype("datetime64[ns]")
    first_dose = adsl.drop_duplicates("USUBJID").set_index("USUBJID")["TRTSDT"]
    cm["TRTSDT"] = cm["USUBJID"].map(first_dose).astype("datetime64[ns]")
    cm["ASTDY"] = study_day(cm["ASTDT"], cm["TRTSDT"])
    return cm[COLUMNS].reset_index(drop=True)

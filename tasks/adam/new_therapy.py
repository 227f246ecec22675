"""The start of a new anticancer therapy per subject (response.new_anticancer_therapy): where
responses stop counting (ADRS) and PFS / DOR are censored (ADTTE)."""
from __future__ import annotations

import pandas as pd

from tasks.adam.response_terms import normalise
from tasks.config import NewAnticancerTherapy
from tasks.dates import earliest_date
from tasks.errors import BadInputError
from tasks.model import Cut


def new_therapy_start(cut: Cut, spec: NewAnticancerTherapy | None,
                      start: pd.Series) -> pd.Series:
    """USUBJID -> first start (earliest possible day of a partial date) of a configured new
    anticancer therapy on or after the subject's `start` (USUBJID -> date: the reference date);
    empty when not configured or the domain is absent."""
    empty = pd.Series(dtype="datetime64[ns]", name="NACTDT")
    if spec is None or not cut.has(spec.domain):
        return empty
    frame = cut[spec.domain]
    for column in (spec.category_variable, spec.date_variable):
        if column not in frame:
            raise BadInputError(
                f"{cut.file_name(spec.domain)}: no column {column}, needed to find new anticancer "
                f"therapy (response.new_anticancer_therapy); set it to null if the data cannot say")
    categories = [v.upper() for v in spec.category_values]
    wanted = normalise(frame[spec.category_variable]).isin(categories)
    starts = pd.DataFrame({"USUBJID": frame.loc[wanted, "USUBJID"],
                           "NACTDT": earliest_date(frame.loc[wanted, spec.date_variable])})
    starts = starts[starts["NACTDT"] >= starts["USUBJID"].map(start)]
    return starts.groupby("USUBJID")["NACTDT"].min().rename("NACTDT")

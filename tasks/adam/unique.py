"""Text conversions of SDTM columns the safety datasets use, computed once per distinct value
(tasks.distinct): codes, units and numbers repeat across a million lab records."""
from __future__ import annotations

import pandas as pd

from tasks.distinct import per_distinct


def upper(values: pd.Series) -> pd.Series:
    """Stripped, upper-case text; missing values are ""."""
    return per_distinct(values, lambda s: s.astype(str).str.strip().str.upper())


def numbers(values: pd.Series) -> pd.Series:
    """Text as float64 (anything that is not a number: NaN)."""
    converted = per_distinct(values, lambda s: pd.to_numeric(s, errors="coerce").astype("float64"))
    return converted.astype("float64")

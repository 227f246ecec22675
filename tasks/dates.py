"""ISO 8601 dates as SDTM holds them (text, possibly partial) and the imputations of the SAP."""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

# YYYY, YYYY-MM, YYYY-MM-DD, optionally followed by a time (THH, THH:MM, THH:MM:SS[.f]).
ISO_8601 = r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)?)?)?$"

DAYS_PER_MONTH = 30.4375


def _parts(values: pd.Series) -> pd.DataFrame:
    """Year, month, day of each value; parsed once per distinct text (dates repeat a lot)."""
    codes, uniques = pd.factorize(values.fillna("").astype(str).str.strip())
    parts = pd.Series(uniques, dtype=object).str.extract(ISO_8601)
    parts.columns = ["year", "month", "day"]
    parts = parts.apply(pd.to_numeric, errors="coerce")
    if len(uniques) == 0:
        return pd.DataFrame(np.nan, index=values.index, columns=parts.columns)
    spread = parts.to_numpy()[codes]
    return pd.DataFrame(spread, index=values.index, columns=parts.columns)


def is_iso8601(values: pd.Series) -> pd.Series:
    """True where the text is a (possibly partial) ISO 8601 date that exists on the calendar."""
    codes, uniques = pd.factorize(values.fillna("").astype(str).str.strip())
    valid = _is_iso8601(pd.Series(uniques, dtype=object)).to_numpy()
    return pd.Series(valid[codes] if len(uniques) else np.zeros(len(values), bool), index=values.index)


def _is_iso8601(text: pd.Series) -> pd.Series:
    ok = text.str.match(ISO_8601)
    parts = _parts(text)
    complete = ok & parts["day"].notna()
    exists = pd.to_datetime(text.str[:10].where(complete), format="%Y-%m-%d", errors="coerce").notna()
    month_ok = parts["month"].isna() | parts["month"].between(1, 12)
    return ok & month_ok & (exists | ~complete)


def precision(values: pd.Series) -> pd.Series:
    """'D' complete date, 'M' year-month, 'Y' year only, '' missing or not ISO 8601."""
    parts = _parts(values)
    out = np.select(
        [parts["day"].notna(), parts["month"].notna(), parts["year"].notna()], ["D", "M", "Y"], "")
    return pd.Series(out, index=values.index, dtype=object)


def to_date(values: pd.Series) -> pd.Series:
    """Complete dates only (partial or missing -> NaT), as datetime64 at midnight."""
    parts = _parts(values)
    return _assemble(parts["year"], parts["month"], parts["day"], values.index)


def _assemble(year: pd.Series, month: pd.Series, day: pd.Series, index: pd.Index) -> pd.Series:
    frame = pd.DataFrame({"year": year, "month": month, "day": day}, index=index)
    valid = frame.notna().all(axis=1)
    out = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if valid.any():
        out[valid] = pd.to_datetime(frame[valid].astype(int), errors="coerce")
    return out


def earliest_date(values: pd.Series) -> pd.Series:
    """The earliest day a partial date may stand for (2026-10 -> 2026-10-01); NaT if missing."""
    parts = _parts(values)
    return _assemble(parts["year"], parts["month"].fillna(1), parts["day"].fillna(1), values.index)


def latest_date(values: pd.Series) -> pd.Series:
    """The latest day a partial date may stand for (2026-02 -> 2026-02-28); NaT if missing."""
    parts = _parts(values)
    month = parts["month"].fillna(12)
    first = _assemble(parts["year"], month, pd.Series(1, index=values.index), values.index)
    end_of_month = first + pd.offsets.MonthEnd(0)
    day = parts["day"].where(parts["day"].notna(), end_of_month.dt.day)
    return _assemble(parts["year"], month, day, values.index)


def impute_date(values: pd.Series, rule: Literal["first", "last"]) -> tuple[pd.Series, pd.Series]:
    """Impute partial dates to the first or last possible day. Returns (date, ADTF flag):
    flag 'D' day imputed, 'M' month and day imputed, '' not imputed (or missing)."""
    imputed = earliest_date(values) if rule == "first" else latest_date(values)
    prec = precision(values)
    flag = prec.map({"D": "", "M": "D", "Y": "M", "": ""})
    return imputed, flag


def study_days(end: pd.Series, start: pd.Series) -> pd.Series:
    """Days counted as end - start + 1 (both dates included), float (NaN when either is missing)."""
    return (end - start).dt.days.astype("float64") + 1.0


def months(days: pd.Series | float) -> pd.Series | float:
    return days / DAYS_PER_MONTH

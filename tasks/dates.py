"""ISO 8601 dates as SDTM holds them (text, possibly partial) and the imputations of the SAP."""
from __future__ import annotations

from collections.abc import Callable
from typing import Literal, overload

import numpy as np
import pandas as pd

from tasks.distinct import per_distinct

# YYYY, YYYY-MM, YYYY-MM-DD, optionally followed by a time (THH, THH:MM, THH:MM:SS[.f]).
ISO_8601 = r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)?)?)?$"

DAYS_PER_MONTH = 30.4375


def _once_per_distinct(values: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """transform() of the distinct texts, spread back on the rows (dates repeat a lot)."""
    return per_distinct(values, lambda text: transform(text.astype(str).str.strip())).rename(None)


def _parts(text: pd.Series) -> pd.DataFrame:
    """Year, month, day of each text (NaN where absent or not ISO 8601)."""
    parts = text.str.extract(ISO_8601)
    parts.columns = ["year", "month", "day"]
    return parts.apply(pd.to_numeric, errors="coerce")


def is_iso8601(values: pd.Series) -> pd.Series:
    """True where the text is a (possibly partial) ISO 8601 date that exists on the calendar."""
    return _once_per_distinct(values, _is_iso8601).astype(bool)


def _is_iso8601(text: pd.Series) -> pd.Series:
    ok = text.str.match(ISO_8601).astype(bool)
    parts = _parts(text)
    complete = ok & parts["day"].notna()
    exists = (pd.to_datetime(text.str[:10].where(complete), format="%Y-%m-%d", errors="coerce")
              .notna())
    month_ok = parts["month"].isna() | parts["month"].between(1, 12)
    return ok & month_ok & (exists | ~complete)


def precision(values: pd.Series) -> pd.Series:
    """'D' complete date, 'M' year-month, 'Y' year only, '' missing or not ISO 8601."""
    return _once_per_distinct(values, _precision).astype(object)


def _precision(text: pd.Series) -> pd.Series:
    parts = _parts(text)
    out = np.select(
        [parts["day"].notna(), parts["month"].notna(), parts["year"].notna()], ["D", "M", "Y"], "")
    return pd.Series(out, index=text.index, dtype=object)


def to_date(values: pd.Series) -> pd.Series:
    """Complete dates only (partial or missing -> NaT), as datetime64 at midnight."""
    def complete(text: pd.Series) -> pd.Series:
        parts = _parts(text)
        return _assemble(parts["year"], parts["month"], parts["day"], text.index)
    return _once_per_distinct(values, complete)


def _assemble(year: pd.Series, month: pd.Series, day: pd.Series, index: pd.Index) -> pd.Series:
    frame = pd.DataFrame({"year": year, "month": month, "day": day}, index=index)
    valid = frame.notna().all(axis=1)
    out = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if valid.any():
        out[valid] = pd.to_datetime(frame[valid].astype(int), errors="coerce")
    return out


def earliest_date(values: pd.Series) -> pd.Series:
    """The earliest day a partial date may stand for (2026-10 -> 2026-10-01); NaT if missing."""
    def earliest(text: pd.Series) -> pd.Series:
        parts = _parts(text)
        return _assemble(parts["year"], parts["month"].fillna(1), parts["day"].fillna(1),
                         text.index)
    return _once_per_distinct(values, earliest)


def latest_date(values: pd.Series) -> pd.Series:
    """The latest day a partial date may stand for (2026-02 -> 2026-02-28); NaT if missing."""
    def latest(text: pd.Series) -> pd.Series:
        parts = _parts(text)
        month = parts["month"].fillna(12)
        first = _assemble(parts["year"], month, pd.Series(1, index=text.index), text.index)
        end_of_month = first + pd.offsets.MonthEnd(0)
        day = parts["day"].where(parts["day"].notna(), end_of_month.dt.day)
        return _assemble(parts["year"], month, day, text.index)
    return _once_per_distinct(values, latest)


def impute_date(values: pd.Series, rule: Literal["first", "last"]) -> tuple[pd.Series, pd.Series]:
    """Impute partial dates to the first or last possible day. Returns (date, ADTF flag):
    flag 'D' day imputed, 'M' month and day imputed, '' not imputed (or missing)."""
    imputed = earliest_date(values) if rule == "first" else latest_date(values)
    prec = precision(values)
    flag = prec.map({"D": "", "M": "D", "Y": "M", "": ""})
    return imputed, flag


def study_day(dates: pd.Series, reference: pd.Series | pd.Timestamp) -> pd.Series:
    """CDISC study day: day 1 is the reference date, the day before is -1 (no day 0)."""
    delta = (dates - reference).dt.days.astype("float64")
    return delta.where(delta < 0, delta + 1)


def study_days(end: pd.Series, start: pd.Series) -> pd.Series:
    """Days counted as end - start + 1 (both dates included), float (NaN when either is missing)."""
    return (end - start).dt.days.astype("float64") + 1.0


@overload
def months(days: pd.Series) -> pd.Series: ...
@overload
def months(days: float) -> float: ...
def months(days: pd.Series | float) -> pd.Series | float:
    return days / DAYS_PER_MONTH

"""The one place where numbers become text for the PDF: n (%), one decimal, NE, CIs, dates."""
from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

NOT_ESTIMABLE = "NE"


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        # any cell value: pandas-stubs types pd.isna for scalars and arrays only
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def number(value: float | None, decimals: int = 1) -> str:
    """A number rounded half away from zero (as SAS does), 'NE' when missing or not finite."""
    if value is None or _missing(value) or not math.isfinite(float(value)):
        return NOT_ESTIMABLE
    scale = 10 ** decimals
    rounded = math.floor(abs(float(value)) * scale + 0.5 + 1e-9) / scale
    return f"{math.copysign(rounded, float(value)) if rounded else 0.0:.{decimals}f}"


def p_value(value: float | None, decimals: int = 4) -> str:
    """A p-value to `decimals` places; below the last place '< 0.0001' (a p-value is not 0)."""
    floor = 10.0 ** -decimals
    if value is not None and not _missing(value) and float(value) < floor:
        return f"< {floor:.{decimals}f}"
    return number(value, decimals)


def plain(value: float | None) -> str:
    """A configured number as it is written: 0.95, 30, 1.5 (no rounding, no trailing zeros)."""
    if value is None or _missing(value):
        return "none"
    written = repr(float(value))
    return written[:-2] if written.endswith(".0") else written


def count(n: int | float | None) -> str:
    return "0" if n is None or _missing(n) else f"{int(n)}"


def percent(n: int, total: int, decimals: int = 1) -> str:
    """'12.5' (no % sign); '0' denominators give 'NE'."""
    if not total:
        return NOT_ESTIMABLE
    return number(100.0 * n / total, decimals)


def n_pct(n: int, total: int, decimals: int = 1) -> str:
    """'n (x.x)'; zero counts are shown as '0' without a percentage, as CSR tables do."""
    n = int(n)
    if n == 0:
        return "0"
    return f"{n} ({percent(n, total, decimals)})"


def ratio_pct(k: int, n: int, decimals: int = 1) -> str:
    """'7/26 (26.9)': k of n with the percentage of n; 'NE' when n is 0."""
    if not n:
        return NOT_ESTIMABLE
    return f"{int(k)}/{int(n)} ({percent(k, n, decimals)})"


def rate_range(low: float | None, high: float | None, decimals: int = 1) -> str:
    """Two proportions as a range of percentages: '23.3 to 36.7'."""
    if low is None or high is None or _missing(low) or _missing(high):
        return NOT_ESTIMABLE
    return f"{number(100 * low, decimals)} to {number(100 * high, decimals)}"


def rate_ci(rate: float | None, low: float | None, high: float | None, decimals: int = 1) -> str:
    """A proportion with its CI as percentages: '25.0 (10.7, 44.9)'."""
    if rate is None or _missing(rate):
        return NOT_ESTIMABLE
    return (f"{number(100 * rate, decimals)} "
            f"({number(None if low is None or _missing(low) else 100 * low, decimals)}, "
            f"{number(None if high is None or _missing(high) else 100 * high, decimals)})")


def estimate_ci(est: float | None, low: float | None, high: float | None, decimals: int = 1) -> str:
    """'7.4 (5.1, NE)': any part not estimable or not reached is 'NE'."""
    return f"{number(est, decimals)} ({number(low, decimals)}, {number(high, decimals)})"


def mean_sd(mean: float | None, sd: float | None, decimals: int = 1) -> str:
    return f"{number(mean, decimals)} ({number(sd, decimals)})"


def iso_date(value: date | datetime | pd.Timestamp | None) -> str:
    if value is None or _missing(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def text(value: object) -> str:
    """Any cell value as text; missing values are empty (never 'nan')."""
    if _missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

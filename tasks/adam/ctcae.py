"""CTCAE v5.0 grades of the liver panel, from a lab value, its normal range and the baseline.

The criteria are data (RULES), one entry per panel test (the keys of labs.liver_tests):
- increases (ALT, AST, ALP, bilirubin): grade k when the value is beyond the k-th multiple of
  the ULN; when the baseline was abnormal (above its ULN), beyond the k-th multiple of the
  baseline instead, as CTCAE v5.0 states for these terms.
- decreases (albumin, platelets): grade 1 below the LLN, higher grades below absolute limits
  (stated in `unit`; results in another recognised unit are converted first).
CTCAE writes "> 3.0 - 5.0 x ULN": a limit is strict (">") unless the criterion starts without one
("1.5 - 3.0 x baseline"), then the limit itself reaches the grade (`inclusive`).
Values compare as ratios rounded to 9 decimals, so 1.8 / 1.2 counts as exactly 1.5.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

VERSION = "CTCAE v5.0"
NO_NORMAL_RANGE = "NO NORMAL RANGE"
UNIT_NOT_RECOGNISED = "UNIT NOT RECOGNISED"
PRECISION = 9


@dataclass(frozen=True)
class Limit:
    value: float             # a multiple of the reference (ULN or baseline) or an absolute limit
    inclusive: bool = False  # True: the limit itself reaches the grade


@dataclass(frozen=True)
class GradingRule:
    term: str
    direction: Literal["high", "low"]
    uln: tuple[Limit, ...] = ()                 # high: grades 1.. as multiples of ULN
    baseline: tuple[Limit, ...] = ()            # high, baseline abnormal: multiples of baseline
    absolute: tuple[Limit, ...] = ()            # low: grades 2.. below these limits (in `unit`)
    unit: str = ""
    conversions: tuple[tuple[str, float], ...] = ()   # result unit (upper case) -> factor to `unit`

    @property
    def max_grade(self) -> int:
        return len(self.uln) if self.direction == "high" else 1 + len(self.absolute)


def _strict(*values: float) -> tuple[Limit, ...]:
    return tuple(Limit(v) for v in values)


TRANSAMINASE_BASELINE = (Limit(1.5, inclusive=True),) + _strict(3.0, 5.0, 20.0)
PLATELET_UNITS = tuple((u, 1.0) for u in ("10^9/L", "X10^9/L", "10*9/L", "10E9/L", "GI/L", "G/L",
                                           "10^3/UL", "X10^3/UL", "10*3/UL", "K/UL", "THOU/UL")) \
    + (("/UL", 1e-3), ("/MM3", 1e-3), ("CELLS/UL", 1e-3))

RULES: dict[str, GradingRule] = {
    "ALT": GradingRule("Alanine aminotransferase increased", "high",
                       uln=_strict(1.0, 3.0, 5.0, 20.0), baseline=TRANSAMINASE_BASELINE),
    "AST": GradingRule("Aspartate aminotransferase increased", "high",
                       uln=_strict(1.0, 3.0, 5.0, 20.0), baseline=TRANSAMINASE_BASELINE),
    "ALP": GradingRule("Alkaline phosphatase increased", "high",
                       uln=_strict(1.0, 2.5, 5.0, 20.0),
                       baseline=(Limit(2.0, inclusive=True),) + _strict(2.5, 5.0, 20.0)),
    "BILI": GradingRule("Blood bilirubin increased", "high",
                        uln=_strict(1.0, 1.5, 3.0, 10.0), baseline=_strict(1.0, 1.5, 3.0, 10.0)),
    "ALB": GradingRule("Hypoalbuminemia", "low", absolute=_strict(30.0, 20.0), unit="g/L",
                       conversions=(("G/L", 1.0), ("G/DL", 10.0))),
    "PLAT": GradingRule("Platelet count decreased", "low", absolute=_strict(75.0, 50.0, 25.0),
                        unit="10^9/L", conversions=PLATELET_UNITS),
}


def _ratio(value: pd.Series, reference: pd.Series) -> pd.Series:
    usable = reference > 0
    return (value / reference.where(usable)).round(PRECISION)


def _reached(ratio: pd.Series, limit: Limit, direction: str) -> pd.Series:
    if direction == "high":
        return ratio >= limit.value if limit.inclusive else ratio > limit.value
    return ratio <= limit.value if limit.inclusive else ratio < limit.value


def _grade_by(ratio: pd.Series, limits: tuple[Limit, ...], direction: str,
              first_grade: int = 1) -> pd.Series:
    grade = pd.Series(0.0, index=ratio.index)
    for k, limit in enumerate(limits, start=first_grade):
        grade = grade.mask(_reached(ratio, limit, direction), float(k))
    return grade


def unit_factor(rule: GradingRule, units: pd.Series) -> pd.Series:
    """Factor from each result's unit to the rule's unit (NaN when the unit is not recognised)."""
    factors = dict(rule.conversions)
    return units.fillna("").astype(str).str.strip().str.upper().map(factors).astype("float64")


def grade_values(test: str, value: pd.Series, lln: pd.Series, uln: pd.Series,
                 base: pd.Series, base_uln: pd.Series,
                 unit: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(grade 0..4 as float, reason not graded) per record of one panel test. A missing value
    gives a missing grade without a reason here (the caller knows why it is missing); a record
    without the normal-range limit its criteria need, or (decreases) with a result unit the rule
    cannot convert, is not graded, with the reason."""
    rule = RULES[test]
    reason = pd.Series("", index=value.index, dtype=object)
    if rule.direction == "high":
        grade = _grade_by(_ratio(value, uln), rule.uln, "high")
        abnormal_baseline = base.notna() & base_uln.notna() & (base > base_uln)
        by_baseline = _grade_by(_ratio(value, base), rule.baseline, "high")
        grade = grade.mask(abnormal_baseline, by_baseline)
        no_range = ~(uln > 0)
    else:
        factor = unit_factor(rule, unit)
        grade = _grade_by(_ratio(value, lln), (Limit(1.0),), "low")
        absolute = _grade_by(_ratio(value * factor, pd.Series(1.0, index=value.index)),
                             rule.absolute, "low", first_grade=2)
        grade = np.fmax(grade, absolute)  # type: ignore[assignment]  # of Series: a Series
        no_range = ~(lln > 0)
        reason = reason.mask(factor.isna(), UNIT_NOT_RECOGNISED)
    reason = reason.mask(no_range, NO_NORMAL_RANGE)
    reason = reason.mask(value.isna(), "")
    grade = grade.where(value.notna() & reason.eq(""))
    return grade.astype("float64"), reason

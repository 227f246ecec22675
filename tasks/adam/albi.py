"""The ALBI score of liver function (Johnson et al., J Clin Oncol 2015;33:550-558) as an ADLB
parameter (PARAMCD ALBI), from total bilirubin and albumin measured on the same day.

ALBI = 0.66 x log10(bilirubin, umol/L) - 0.085 x albumin (g/L); grade 1 <= -2.60, grade 2
> -2.60 and <= -1.39, grade 3 > -1.39. Bilirubin in mg/dL is converted (x 17.1), albumin in
g/dL (x 10, the unit table of tasks.adam.ctcae); a pair in another unit is not scored.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam import ctcae

PARAMCD = "ALBI"
PARAM = "ALBI score"
BILIRUBIN, ALBUMIN = "BILI", "ALB"
BILIRUBIN_COEFFICIENT, ALBUMIN_COEFFICIENT = 0.66, -0.085
GRADE_LIMITS = (-2.60, -1.39)            # upper limits of grades 1 and 2 (inclusive)
BILIRUBIN_TO_UMOL_L = {"UMOL/L": 1.0, "µMOL/L": 1.0, "MICROMOL/L": 1.0, "MG/DL": 17.1}


def bilirubin_umol_l(value: pd.Series, unit: pd.Series) -> pd.Series:
    """Total bilirubin in umol/L (NaN when the unit is not recognised)."""
    factor = unit.fillna("").astype(str).str.strip().str.upper().map(BILIRUBIN_TO_UMOL_L)
    return value * factor.astype("float64")


def albumin_g_l(value: pd.Series, unit: pd.Series) -> pd.Series:
    """Albumin in g/L (NaN when the unit is not recognised)."""
    return value * ctcae.unit_factor(ctcae.RULES[ALBUMIN], unit)


def albi_score(bilirubin_umol: pd.Series | np.ndarray,
               albumin_g: pd.Series | np.ndarray) -> np.ndarray:
    """0.66 x log10(bilirubin umol/L) - 0.085 x albumin g/L (NaN unless both are > 0)."""
    bili = np.asarray(bilirubin_umol, dtype="float64")
    alb = np.asarray(albumin_g, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        score = BILIRUBIN_COEFFICIENT * np.log10(np.where(bili > 0, bili, np.nan)) \
            + ALBUMIN_COEFFICIENT * np.where(alb > 0, alb, np.nan)
    return score


def albi_grade(score: pd.Series | np.ndarray) -> np.ndarray:
    """Grade 1, 2 or 3 as float (NaN where the score is missing)."""
    score = np.round(np.asarray(score, dtype="float64"), ctcae.PRECISION)  # -2.60 is grade 1
    grade = np.select([score <= GRADE_LIMITS[0], score <= GRADE_LIMITS[1]], [1.0, 2.0], 3.0)
    return np.where(np.isnan(score), np.nan, grade)

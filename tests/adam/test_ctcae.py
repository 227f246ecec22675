"""CTCAE v5.0 lab grades at each threshold boundary, including the baseline-abnormal rules."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.adam import ctcae


def grade(test: str, values: list[float], lln: float = np.nan, uln: float = np.nan,
          base: float = np.nan, base_uln: float = np.nan, unit: str = "") -> tuple[list, list]:
    n = len(values)
    s = lambda v: pd.Series([v] * n, dtype="float64")  # noqa: E731
    g, reason = ctcae.grade_values(test, pd.Series(values, dtype="float64"), s(lln), s(uln),
                                   s(base), s(base_uln), pd.Series([unit] * n))
    return [None if pd.isna(x) else int(x) for x in g], reason.tolist()


@pytest.mark.parametrize("test", ["ALT", "AST"])
def test_transaminases_baseline_normal_by_multiples_of_uln(test):
    # ULN 40: > ULN - 3.0, > 3.0 - 5.0, > 5.0 - 20.0, > 20.0 x ULN
    values = [40, 41, 120, 121, 200, 201, 800, 801]
    assert grade(test, values, uln=40, base=30, base_uln=40)[0] == [0, 1, 1, 2, 2, 3, 3, 4]
    assert grade(test, values, uln=40)[0] == [0, 1, 1, 2, 2, 3, 3, 4]     # no baseline: as normal


@pytest.mark.parametrize("test", ["ALT", "AST"])
def test_transaminases_baseline_abnormal_by_multiples_of_baseline(test):
    # baseline 60 > ULN 40: 1.5 - 3.0 (1.5 included), > 3.0 - 5.0, > 5.0 - 20.0, > 20.0 x baseline
    values = [89, 90, 180, 181, 300, 301, 1200, 1201]
    assert grade(test, values, uln=40, base=60, base_uln=40)[0] == [0, 1, 1, 2, 2, 3, 3, 4]


def test_alkaline_phosphatase_both_baseline_rules():
    # baseline normal: > ULN - 2.5, > 2.5 - 5.0, > 5.0 - 20.0, > 20.0 x ULN (ULN 100)
    assert grade("ALP", [100, 101, 250, 251, 500, 501, 2000, 2001], uln=100, base=80,
                 base_uln=100)[0] == \
        [0, 1, 1, 2, 2, 3, 3, 4]
    # baseline 150 abnormal: 2.0 - 2.5 (2.0 included), > 2.5 - 5.0, > 5.0 - 20.0, > 20.0 x baseline
    assert grade("ALP", [299, 300, 375, 376, 750, 751, 3000, 3001], uln=100, base=150,
                 base_uln=100)[0] == \
        [0, 1, 1, 2, 2, 3, 3, 4]


def test_bilirubin_both_baseline_rules():
    # baseline normal: > ULN - 1.5, > 1.5 - 3.0, > 3.0 - 10.0, > 10.0 x ULN (ULN 20 umol/L)
    assert grade("BILI", [20, 21, 30, 31, 60, 61, 200, 201], uln=20)[0] == [0, 1, 1, 2, 2, 3, 3, 4]
    # baseline 30 > ULN 20: > 1.0 - 1.5, > 1.5 - 3.0, > 3.0 - 10.0, > 10.0 x baseline
    assert grade("BILI", [30, 31, 45, 46, 90, 91, 300, 301], uln=20, base=30, base_uln=20)[0] == \
        [0, 1, 1, 2, 2, 3, 3, 4]


def test_a_limit_reached_exactly_in_floating_point_counts_as_the_limit():
    # 1.8 / 1.2 is 1.4999999999999998 in binary floating point: still exactly 1.5 x ULN -> grade 1
    assert grade("BILI", [1.8, 1.81], uln=1.2)[0] == [1, 2]


def test_hypoalbuminemia_in_g_per_litre_and_g_per_decilitre():
    # < LLN - 3 g/dL (30 g/L), < 3 - 2 g/dL, < 2 g/dL
    assert grade("ALB", [35, 34.9, 30, 29.9, 20, 19.9], lln=35, unit="g/L")[0] == [0, 1, 1, 2, 2, 3]
    assert (grade("ALB", [3.5, 3.4, 3.0, 2.9, 2.0, 1.9], lln=3.5, unit="g/dL")[0]
            == [0, 1, 1, 2, 2, 3])


def test_platelet_count_decreased_with_unit_conversion():
    # < LLN - 75, < 75 - 50, < 50 - 25, < 25 x 10^9/L
    assert grade("PLAT", [150, 149, 75, 74.9, 50, 49.9, 25, 24.9], lln=150, unit="10^9/L")[0] == \
        [0, 1, 1, 2, 2, 3, 3, 4]
    assert grade("PLAT", [74000, 24000], lln=150000, unit="/uL")[0] == [2, 4]


def test_missing_normal_range_or_unknown_unit_gives_no_grade_with_the_reason():
    assert grade("ALT", [500], uln=np.nan) == ([None], [ctcae.NO_NORMAL_RANGE])
    assert grade("PLAT", [20], lln=np.nan, unit="GI/L") == ([None], [ctcae.NO_NORMAL_RANGE])
    assert grade("ALB", [20], lln=35, unit="mmol/L") == ([None], [ctcae.UNIT_NOT_RECOGNISED])
    assert grade("ALT", [np.nan], uln=40) == ([None], [""])


@settings(max_examples=50)
@given(st.sampled_from(["ALT", "AST", "ALP", "BILI"]), st.floats(1, 1000), st.floats(0.01, 50),
       st.floats(0.01, 50), st.one_of(st.just(np.nan), st.floats(1, 2000)))
def test_increase_grades_never_fall_as_the_value_rises(test, uln, low_ratio, high_ratio, base):
    low, high = sorted([low_ratio * uln, high_ratio * uln])
    grades = grade(test, [low, high], uln=uln, base=base, base_uln=uln)[0]
    assert grades[0] <= grades[1] and set(grades) <= {0, 1, 2, 3, 4}


@settings(max_examples=50)
@given(st.sampled_from(["ALB", "PLAT"]), st.floats(0.1, 500), st.floats(0.1, 500))
def test_decrease_grades_never_rise_as_the_value_rises(test, a, b):
    unit = "g/L" if test == "ALB" else "10^9/L"
    lln = 35 if test == "ALB" else 150
    grades = grade(test, sorted([a, b]), lln=lln, unit=unit)[0]
    assert grades[0] >= grades[1]

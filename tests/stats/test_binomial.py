"""Clopper-Pearson exact interval: hand-computed values, closed forms at k = 0 and k = n, and the
beta/binomial identities that define it."""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from tasks.stats.binomial import Proportion, binomial_summary, clopper_pearson


def test_clopper_pearson_3_of_10_matches_published_table():
    low, high = clopper_pearson(3, 10)
    assert low == pytest.approx(0.066739, abs=1e-6)
    assert high == pytest.approx(0.652453, abs=1e-6)


def test_clopper_pearson_zero_responders_lower_limit_is_zero_upper_closed_form():
    low, high = clopper_pearson(0, 10)
    assert low == 0.0
    assert high == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-12)    # 0.308497


def test_clopper_pearson_all_responders_upper_limit_is_one_lower_closed_form():
    low, high = clopper_pearson(13, 13)
    assert high == 1.0
    assert low == pytest.approx(0.025 ** (1 / 13), abs=1e-12)          # 0.752947


def test_clopper_pearson_confidence_level_is_honoured():
    low90, high90 = clopper_pearson(4, 13, conf=0.90)
    low95, high95 = clopper_pearson(4, 13, conf=0.95)
    assert low95 < low90 < 4 / 13 < high90 < high95


@settings(max_examples=60)
@given(st.integers(min_value=1, max_value=200).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))))
def test_clopper_pearson_limits_solve_the_binomial_tail_equations(kn):
    # The exact interval's limits are where P(X >= k | p_low) = 0.025 and P(X <= k | p_high) =
    # 0.025.
    k, n = kn
    low, high = clopper_pearson(k, n)
    assert 0 <= low <= k / n <= high <= 1
    if k > 0:
        assert binom.sf(k - 1, n, low) == pytest.approx(0.025, abs=1e-8)
    if k < n:
        assert binom.cdf(k, n, high) == pytest.approx(0.025, abs=1e-8)


def test_binomial_summary_values():
    s = binomial_summary(3, 10)
    assert s.n == 10 and s.responders == 3 and s.rate == 0.3
    assert (s.ci_low, s.ci_high) == clopper_pearson(3, 10)
    assert all(type(v) is float for v in (s.rate, s.ci_low, s.ci_high))


def test_binomial_summary_without_subjects_has_no_rate():
    assert (binomial_summary(0, 0)
            == Proportion(n=0, responders=0, rate=None, ci_low=None, ci_high=None))


@pytest.mark.parametrize("k,n", [(-1, 5), (6, 5), (0, 0)])
def test_clopper_pearson_rejects_impossible_counts(k, n):
    with pytest.raises(ValueError):
        clopper_pearson(k, n)


def test_clopper_pearson_is_symmetric_in_successes_and_failures():
    low, high = clopper_pearson(7, 20)
    low2, high2 = clopper_pearson(13, 20)
    assert math.isclose(low, 1 - high2) and math.isclose(high, 1 - low2)

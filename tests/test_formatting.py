"""The one formatting module: n (%), one decimal rounding half away from zero, NE."""
from __future__ import annotations

import math

from tasks.report import formatting as fmt


def test_numbers_round_half_away_from_zero_and_missing_is_ne():
    assert fmt.number(2.25) == "2.3" and fmt.number(2.35) == "2.4" and fmt.number(-2.25) == "-2.3"
    assert (fmt.number(None) == "NE" and fmt.number(float("nan")) == "NE"
            and fmt.number(math.inf) == "NE")
    assert fmt.number(0.04) == "0.0"


def test_n_pct_has_one_decimal_and_zero_without_percent():
    assert fmt.n_pct(3, 8) == "3 (37.5)"
    assert fmt.n_pct(1, 3) == "1 (33.3)"
    assert fmt.n_pct(0, 8) == "0"
    assert fmt.percent(1, 0) == "NE"


def test_rates_and_estimates_with_ci():
    assert fmt.rate_ci(0.25, 0.0727, 0.5238) == "25.0 (7.3, 52.4)"
    assert fmt.estimate_ci(7.44, 5.1, None) == "7.4 (5.1, NE)"
    assert fmt.rate_ci(None, None, None) == "NE"


def test_text_never_shows_nan():
    assert fmt.text(float("nan")) == "" and fmt.text(None) == "" and fmt.text(3.0) == "3"


def test_a_p_value_below_its_last_place_is_never_printed_as_zero():
    assert fmt.p_value(0.0471) == "0.0471" and fmt.p_value(0.00005) == "< 0.0001"
    assert fmt.p_value(3e-9) == "< 0.0001" and fmt.p_value(0.0) == "< 0.0001"
    assert fmt.p_value(0.0001) == "0.0001" and fmt.p_value(1.0) == "1.0000"
    assert fmt.p_value(None) == "NE" and fmt.p_value(float("nan")) == "NE"

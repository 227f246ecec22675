"""ISO 8601 partial dates: validity, precision, earliest/latest day, imputation flags."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from tasks.dates import (
    earliest_date,
    impute_date,
    is_iso8601,
    latest_date,
    precision,
    study_days,
    to_date,
)


def test_iso8601_accepts_partial_and_times_and_rejects_impossible_dates():
    values = pd.Series(["2014-02", "2014", "2014-02-30", "2014-13", "2014-01-03T10:00", "", "abc",
                        "2024-02-29", "2023-02-29", "45123"])
    assert (is_iso8601(values).tolist()
            == [True, True, False, False, True, False, False, True, False, False])


def test_partial_dates_span_their_first_and_last_possible_day():
    values = pd.Series(["2026-02", "2026", "2026-10-15", ""])
    assert earliest_date(values).tolist()[:3] == [pd.Timestamp("2026-02-01"),
                                                  pd.Timestamp("2026-01-01"),
                                                  pd.Timestamp("2026-10-15")]
    assert latest_date(values).tolist()[:3] == [pd.Timestamp("2026-02-28"),
                                                pd.Timestamp("2026-12-31"),
                                                pd.Timestamp("2026-10-15")]
    assert pd.isna(earliest_date(values)[3]) and pd.isna(to_date(values)[0])
    assert precision(values).tolist() == ["M", "Y", "D", ""]


def test_imputation_flags_day_and_month():
    imputed, flag = impute_date(pd.Series(["2024-02", "2024", "2024-03-05"]), "last")
    assert (imputed.tolist()
            == [pd.Timestamp("2024-02-29"), pd.Timestamp("2024-12-31"), pd.Timestamp("2024-03-05")])
    assert flag.tolist() == ["D", "M", ""]


def test_durations_count_both_end_days():
    assert study_days(pd.Series([pd.Timestamp("2026-01-10")]),
                      pd.Series([pd.Timestamp("2026-01-01")]))[0] == 10


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_a_complete_date_is_its_own_earliest_and_latest_day(day):
    text = pd.Series([day.isoformat(), day.isoformat()[:7]])
    assert earliest_date(text)[0] == latest_date(text)[0] == pd.Timestamp(day)
    month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    assert latest_date(text)[1] == pd.Timestamp(month_end)
    assert earliest_date(text)[1] <= pd.Timestamp(day) <= latest_date(text)[1]

"""stack_records: a column a frame leaves empty takes its type from the frames that fill it."""
from __future__ import annotations

import warnings

import pandas as pd

from tasks.stack import stack_records


def test_an_empty_column_takes_the_type_of_the_filled_one_without_a_warning():
    visits = pd.DataFrame({"PARAMCD": ["OVR", "OVR"], "RSDTC": pd.array(["2026-01-05",
                                                                          "2026-03-02"],
                                                                         dtype="str"),
                           "ADT": pd.to_datetime(["2026-01-05", "2026-03-02"])})
    landmark = pd.DataFrame({"PARAMCD": ["DCLM"], "RSDTC": [None], "ADT": [None]})
    nothing = visits.iloc[:0].astype(object)
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # pandas' FutureWarning on empty entries included
        stacked = stack_records([landmark, visits, nothing])
    assert stacked["RSDTC"].dtype == visits["RSDTC"].dtype
    assert stacked["ADT"].dtype == "datetime64[ns]"
    assert stacked["PARAMCD"].tolist() == ["DCLM", "OVR", "OVR"]
    assert stacked["RSDTC"].isna().tolist() == [True, False, False]
    assert stacked["ADT"].iloc[1:].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-05", "2026-03-02"]


def test_a_column_empty_everywhere_keeps_its_type():
    stacked = stack_records([pd.DataFrame({"ADTF": [None]}), pd.DataFrame({"ADTF": [None]})])
    assert stacked["ADTF"].dtype == object and stacked["ADTF"].isna().all()

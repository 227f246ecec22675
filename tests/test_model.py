"""The report objects: a listing goes to tables/<id>.csv only above the PDF's row limit."""
from __future__ import annotations

import pandas as pd

from tasks.model import Table


def listing(rows: int) -> Table:
    data = pd.DataFrame({"USUBJID": [f"S-{i}" for i in range(rows)]})
    return Table(id="l_x", number="16.9", title="x", population="x", data=data, display=data)


def test_listing_goes_to_csv_only_above_the_limit_never_without_one():
    assert not listing(3).as_listing(3).csv_only
    assert listing(4).as_listing(3).csv_only
    assert not listing(400).as_listing(None).csv_only
    long = listing(4).as_listing(3)
    assert not long.as_listing(10).csv_only           # decided from the data each time

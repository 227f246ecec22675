"""The report objects: a listing goes to tables/<id>.csv only above the PDF's row limit."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

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


def test_a_let_go_domain_cannot_be_read_and_a_view_or_copy_keeps_its_own():
    from dataclasses import replace

    from tasks.errors import InterimError
    from tasks.model import Cut

    dm, ae = pd.DataFrame({"USUBJID": ["S-1"]}), pd.DataFrame({"AETERM": ["Rash"]})
    cut = Cut(cutoff=date(2026, 10, 31), location="cuts/2026-10-31",
              domains={"dm": dm, "ae": ae}, files={})
    view, copy = cut.view(), replace(cut, domains={"dm": dm})
    cut.let_go(["ae"])
    assert list(cut.domains) == ["dm"] and cut["dm"] is dm
    with pytest.raises(InterimError, match=r"^AE of the cut cuts/2026-10-31 was let go"):
        cut.get("ae")
    assert view["ae"] is ae and view.has("ae")          # the view holds its frames
    assert copy.released == set() and copy.get("ae") is None

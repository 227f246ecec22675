"""records_of: a treatment column's records, without a copy when they are all of them."""
from __future__ import annotations

import pandas as pd

from tasks.analysis.subsets import records_of

EVENTS = pd.DataFrame({"USUBJID": ["S-1", "S-2", "S-1", "S-3"], "AESEQ": ["1", "1", "2", "1"]})


def test_the_records_of_some_subjects_are_a_copy_of_those_rows():
    mine = records_of(EVENTS, pd.Index(["S-1", "S-3", "S-9"]))
    assert mine.index.tolist() == [0, 2, 3] and mine["AESEQ"].tolist() == ["1", "2", "1"]
    assert mine is not EVENTS


def test_when_every_record_is_theirs_the_frame_itself_is_returned():
    assert records_of(EVENTS, pd.Index(["S-3", "S-2", "S-1"])) is EVENTS
    assert records_of(EVENTS.iloc[:0], pd.Index([])).empty

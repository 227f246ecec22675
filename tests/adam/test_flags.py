"""Record flags: "Y" where the condition holds, else missing (None, never "N" or NaN)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam.flags import y_or_none


def test_record_flag_is_y_or_none_element_by_element():
    flags = y_or_none(pd.Series([True, False, True]))
    assert flags.dtype == object
    assert flags.tolist() == ["Y", None, "Y"]


def test_record_flag_of_a_numpy_mask_and_of_no_records():
    assert y_or_none(np.array([False, False])).tolist() == [None, None]
    assert y_or_none(np.array([], dtype=bool)).tolist() == []

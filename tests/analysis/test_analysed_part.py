"""analysed_part: once ADaM is derived, the cut's frames other than CUT_DOMAINS are let go, also
while something else (Prefect's record of the ingest subflow's result) still holds the cut; and
a cut where nobody was treated yet is not analysed (require_treated)."""
from __future__ import annotations

import gc
import weakref
from datetime import date

import pandas as pd
import pytest

from tasks.analysis.assemble import require_treated
from tasks.analysis.reads import CUT_DOMAINS, analysed_part
from tasks.errors import BadInputError
from tasks.model import TEXT, Cut, CutoffResult


def test_frames_not_analysed_are_let_go_from_the_cut_itself():
    frames = {name: pd.DataFrame({"USUBJID": ["S-1", "S-2"]}, dtype=TEXT)
              for name in ("dm", "lb", "dv")}
    lb = weakref.ref(frames["lb"])
    cut = Cut(cutoff=date(2026, 10, 31), location="memory://cut", domains=frames, files={})
    kept = CutoffResult(cut=cut, log=pd.DataFrame(), removed=pd.DataFrame())
    del frames
    part = analysed_part(kept)
    gc.collect()
    assert CUT_DOMAINS == ("dv",)
    assert part is kept and list(kept.cut.domains) == ["dv"]
    assert kept.cut.domains["dv"]["USUBJID"].tolist() == ["S-1", "S-2"]
    assert lb() is None           # freed although `kept` is still referenced
    assert kept.cut.cutoff == date(2026, 10, 31) and kept.cut.location == "memory://cut"


def test_a_cut_where_nobody_was_treated_yet_stops_with_what_to_do():
    """Screened but not dosed: every table of the report is of the safety population."""
    screened = pd.DataFrame({"USUBJID": ["S-1", "S-2"], "SAFFL": ["", ""]})
    with pytest.raises(BadInputError, match=r"^no subject was treated by the cutoff 2025-08-25 "
                                            r"\(SAFFL = Y: none of the 2 subject\(s\) in ADSL\): "
                                            r"nothing to analyse; analyse a later cut$"):
        require_treated(screened, date(2025, 8, 25))
    assert require_treated(screened.assign(SAFFL=["", "Y"]), date(2025, 8, 25)) is None

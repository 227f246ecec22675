"""analysed_part: once ADaM is derived, the cut's frames other than CUT_DOMAINS are let go, also
while something else (Prefect's record of the ingest subflow's result) still holds the cut."""
from __future__ import annotations

import gc
import weakref
from datetime import date

import pandas as pd

from tasks.analysis.assemble import CUT_DOMAINS, analysed_part
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

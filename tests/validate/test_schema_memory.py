"""A validated domain is not kept alive by validation: pandera records the schema of a frame
validated in place, and the schema's checks hold the frame."""
from __future__ import annotations

import gc
import weakref

from cutkit import tiny_domains, with_values

from tasks.model import TEXT
from tasks.validate.schemas import validate_domain


def test_a_validated_frame_is_freed_once_the_caller_lets_it_go(cfg):
    dm = with_values(tiny_domains(), "dm", 0, SEX="X")["dm"].astype(TEXT)
    found = validate_domain("dm", dm, "dm.csv", cfg)
    assert [(f.rule, f.row) for f in found] == [("DM.SEX in F/M/U/UNDIFFERENTIATED", 1)]
    kept = weakref.ref(dm)
    del dm
    gc.collect()
    assert kept() is None

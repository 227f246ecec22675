"""A PDF worker's work in a thread of lower CPU priority; the caller's priority is unchanged."""
from __future__ import annotations

import os
import threading

import pytest

from tasks.priority import NICER_BY, at_lower_priority


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_the_work_runs_nicer_and_the_caller_keeps_its_priority():
    before = _nice()
    assert at_lower_priority(_nice) == before + NICER_BY
    assert _nice() == before


def test_the_works_exception_is_raised_in_the_caller():
    def fail() -> None:
        raise OSError(28, "No space left on device")
    with pytest.raises(OSError, match="No space left"):
        at_lower_priority(fail)

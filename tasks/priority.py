"""Work that shares the cores with the closed report's PDF worker at a lower CPU priority, so
that the closed report, the longest job of a run, keeps a core of its own (two cores: the closed
PDF, the open PDF and the flow's own work would share them equally). Used in the PDF workers
only: in the flow's process a thread of its own would take a malloc arena of its own (writing the
version's files in one: 5,000 subjects, 1,066 against 1,009 MiB at the peak)."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
NICER_BY = 5      # a weight of a third of a normal thread's (the kernel's nice-to-weight table)


def at_lower_priority(work: Callable[[], T]) -> T:
    """`work()`, run in a thread of its own made NICER_BY nicer (on Linux a thread's priority is
    its own: the caller's is unchanged, and an unprivileged process could not raise it back);
    its result returned, its exception raised here."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + NICER_BY)
            outcome.append(work())
        except BaseException as exc:        # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="lower-priority")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]

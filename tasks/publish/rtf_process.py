"""The RTF tables of a large trial made in a process of their own while the flow's process writes
the rest of the version's files: at 20,000 subjects rtflite takes about 9 s of one core for 63
tables (2,582 pages), and the PDF workers leave a core free once their pages are laid out. The
process is `python -m tasks.publish.rtf_process`: it reads the tables (pickled) on stdin, puts
each table's RTF into its cache folder (tasks.cache, as make_rtf would in the flow) and answers None
(or its exception), pickled (tasks.child_process); the flow then reads them from the cache. Below
BESIDE_FROM cells to make, or with every table's RTF cached already (a re-run), nothing is
started: make_rtf makes what is missing in the flow's process."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from tasks.cache import cache_folder, filled_folder, is_complete
from tasks.child_process import PickledAnswer, serve_pickled
from tasks.model import Table

BESIDE_FROM = 200_000        # cells: a 5,000-subject trial's tables hold about 80,000
RTF_FILE = Path("table.rtf")


class RtfJob(NamedTuple):
    folder: Path            # the table's RTF cache folder (of its rtf_key)
    table: Table
    marking: str


def rtf_jobs(tables: Sequence[tuple[Table, str]]) -> list[RtfJob]:
    """The (table, marking) pairs with their cache folders."""
    # imported when the first table is written: rtflite's polars is 45 MB that the run's
    # derivation and analysis, its largest steps in memory, need not hold beside them
    from tasks.report.rtf import rtf_key

    return [RtfJob(cache_folder("rtf", rtf_key(table, marking)), table, marking)
            for table, marking in tables]


def make_rtf(job: RtfJob) -> Path:
    """The RTF file of the job's table in its cache folder (made there once)."""
    from tasks.report.rtf import table_rtf

    return filled_folder(job.folder, lambda partial: (partial / RTF_FILE).write_bytes(
        table_rtf(job.table, job.marking))) / RTF_FILE


@contextmanager
def rtf_made_beside(jobs: Sequence[RtfJob]) -> Iterator[Callable[[], None]]:
    """A wait(): returns once the RTF of every job not in the cache yet is there when a process
    makes them (BESIDE_FROM cells or more to make), at once otherwise. The process is stopped on
    leaving if its answer was not read (writing the files failed)."""
    missing = [job for job in jobs if not is_complete(job.folder)]
    if sum(job.table.display.size for job in missing) < BESIDE_FROM:
        yield lambda: None
        return
    beside = PickledAnswer(__name__, missing, "RTF tables'")
    try:
        yield beside.answer
    finally:
        beside.stop()


def made_in_cache(jobs: list[RtfJob]) -> None:
    """The process's answer: each job's RTF made in its cache folder."""
    for job in jobs:
        make_rtf(job)


if __name__ == "__main__":
    from tasks.publish.rtf_process import made_in_cache as made  # not __main__'s copy
    serve_pickled(made, "RTF tables")

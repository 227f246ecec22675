"""Worker processes that render the report PDFs side by side (the closed and the open report).

WeasyPrint holds the GIL while it lays out and draws, so two PDFs render in parallel only in two
processes. Each worker is `python -m tasks.report.renderers`: it imports WeasyPrint once, then
reads jobs (pickled) from its stdin and answers each on a pipe of its own. Started early
(start_renderers), the workers have imported WeasyPrint by the time the documents are ready, and
the flow's process never imports it. A worker ends when its stdin closes, so it ends with the
process that started it, even one killed with SIGKILL. SOURCE_DATE_EPOCH, which render.py sets
while a PDF is written, is each worker's own (docs/reproducibility.md)."""
from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO, cast

from tasks.report.document import ReportDocument

PROCESSES = 2        # one PDF each: the closed and the open report, on the 2 cores
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]   # where `tasks` is imported from
_lock = threading.Lock()
_workers: list[_Worker] = []


@dataclass(frozen=True)
class PdfJob:
    """One PDF to write: render.render_pdf's arguments."""
    document: ReportDocument
    path: Path
    attachments: dict[str, bytes] = field(default_factory=dict)
    pdfa: bool = True


class RenderError(RuntimeError):
    """A PDF could not be rendered: the worker's error, or the worker ended (killed, out of
    memory)."""


class _Worker:
    def __init__(self) -> None:
        reply_read, reply_write = os.pipe()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(_PACKAGE_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tasks.report.renderers", str(reply_write)], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, pass_fds=(reply_write,))
        os.close(reply_write)
        self.jobs = cast(IO[bytes], self.process.stdin)     # stdin=PIPE: never None
        self.replies: BinaryIO = os.fdopen(reply_read, "rb")

    def send(self, job: PdfJob) -> None:
        pickle.dump(job, self.jobs, protocol=pickle.HIGHEST_PROTOCOL)
        self.jobs.flush()

    def receive(self) -> Exception | None:
        """None when the job's PDF is written, else the worker's exception."""
        try:
            return pickle.load(self.replies)
        except EOFError:
            return RenderError(f"the PDF worker process ended (exit code {self.process.wait()})")

    def close(self) -> None:
        for pipe in (self.jobs, self.replies):
            with contextlib.suppress(OSError):
                pipe.close()
        self.process.wait()


def start_renderers() -> None:
    """Start the worker processes (once per process): they import WeasyPrint now, while the
    caller goes on with other work."""
    with _lock:
        _workers[:] = [w for w in _workers if w.process.poll() is None]
        while len(_workers) < PROCESSES:
            _workers.append(_Worker())


def render_pdfs(jobs: Sequence[PdfJob]) -> None:
    """Write every job's PDF, up to PROCESSES at a time. A job's exception (an OSError such as
    a full disk stays one) is raised once every job has ended: no worker is left writing."""
    start_renderers()
    failures: list[Exception] = []
    with _lock:
        for wave in range(0, len(jobs), PROCESSES):
            pairs = list(zip(_workers, jobs[wave:wave + PROCESSES]))
            for worker, job in pairs:
                worker.send(job)
            failures += [failure for worker, _ in pairs if (failure := worker.receive())]
    if failures:
        raise failures[0]


@atexit.register
def _stop() -> None:
    for worker in _workers:
        worker.close()
    _workers.clear()


def _serve(replies: BinaryIO) -> None:
    """The worker: render each job read from stdin; answer None, or the exception (as text in a
    RenderError when it cannot be pickled)."""
    from tasks.report.render import render_pdf

    jobs = sys.stdin.buffer
    while True:
        try:
            job: PdfJob = pickle.load(jobs)
        except EOFError:
            return
        try:
            render_pdf(job.document, job.path, attachments=job.attachments, pdfa=job.pdfa)
            answer = b""
        except Exception as exc:     # goes back to the flow, which reports it
            try:
                answer = pickle.dumps(exc)
            except Exception:
                answer = pickle.dumps(RenderError(f"{job.path.name}: {type(exc).__name__}: {exc}"))
        replies.write(answer or pickle.dumps(None))
        replies.flush()


if __name__ == "__main__":
    _serve(os.fdopen(int(sys.argv[1]), "wb"))

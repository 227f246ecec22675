"""Worker processes that render the report PDFs side by side (the closed and the open report).

WeasyPrint holds the GIL while it lays out and draws, so two PDFs render in parallel only in two
processes. Each worker is `python -m tasks.report.renderers`: it imports WeasyPrint once, then
reads jobs (pickled) from its stdin and answers each on a pipe of its own. Started early
(start_renderers), the workers have imported WeasyPrint by the time the documents are ready, and
the flow's process never imports it. A document can be sent ahead (lay_out): the worker lays its
pages out while the flow writes the files that the PDF's attachments describe, and render_pdfs
then sends only the attachments (pages are most of a PDF's time; a job of another document is
laid out from the start). Messages are written to a worker by a thread of its own, so the flow
never waits for a worker still importing (a document is more than a pipe holds). A worker ends
when its stdin closes, so it ends with the process that started it, even one killed with
SIGKILL. SOURCE_DATE_EPOCH, which render.py sets while a PDF is written, is each worker's own
(docs/reproducibility.md). A worker imports WeasyPrint, and lays out and writes the open report,
in a thread of lower CPU priority (tasks/priority.py): the closed report, the longest job of a
run, keeps a core while the flow reads the cut and writes the version's files."""
from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, BinaryIO, TypeVar, cast

from tasks.child_process import module_env
from tasks.priority import at_lower_priority
from tasks.report.document import ReportDocument

T = TypeVar("T")

PROCESSES = 2        # one PDF each: the closed and the open report, on the 2 cores
_lock = threading.Lock()
_workers: list[_Worker] = []


@dataclass(frozen=True)
class PdfJob:
    """One PDF to write: render.render_pdf's arguments."""
    document: ReportDocument
    path: Path
    attachments: dict[str, bytes] = field(default_factory=dict)
    pdfa: bool = True


@dataclass(frozen=True)
class _Layout:
    """A document to lay out now; its PDF is written when the job's attachments come."""
    document: ReportDocument
    pdfa: bool


@dataclass(frozen=True)
class _Attachments:
    """The rest of a job whose document the worker has laid out (a _Layout before)."""
    path: Path
    attachments: dict[str, bytes]


class RenderError(RuntimeError):
    """A PDF could not be rendered: the worker's error, or the worker ended (killed, out of
    memory)."""


class _Worker:
    def __init__(self) -> None:
        reply_read, reply_write = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tasks.report.renderers", str(reply_write)], env=module_env(),
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, pass_fds=(reply_write,))
        os.close(reply_write)
        self.jobs = cast(IO[bytes], self.process.stdin)     # stdin=PIPE: never None
        self.replies: BinaryIO = os.fdopen(reply_read, "rb")
        self.laid_out: _Layout | None = None     # sent ahead, its PDF not written yet
        self.outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.writer = threading.Thread(target=self._write, name="pdf-worker-stdin", daemon=True)
        self.writer.start()

    def send(self, message: PdfJob | _Layout | _Attachments) -> None:
        """Queue the message (pickled here: an object that cannot be pickled is the caller's
        error); the writer thread sends the messages in order."""
        self.outbox.put(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def _write(self) -> None:
        while (message := self.outbox.get()) is not None:
            try:
                self.jobs.write(message)
                self.jobs.flush()
            except OSError:         # the worker ended: receive() says so
                return

    def start(self, job: PdfJob) -> None:
        """Send `job`: only its attachments when its document was laid out ahead."""
        ahead, self.laid_out = self.laid_out, None
        same = ahead is not None and ahead.document is job.document and ahead.pdfa == job.pdfa
        self.send(_Attachments(job.path, job.attachments) if same else job)

    def receive(self) -> Exception | None:
        """None when the job's PDF is written, else the worker's exception."""
        try:
            return pickle.load(self.replies)
        except EOFError:
            return RenderError(f"the PDF worker process ended (exit code {self.process.wait()})")

    def close(self) -> None:
        self.outbox.put(None)       # what is queued is sent first
        self.writer.join()
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


def lay_out(documents: Sequence[ReportDocument], pdfa: bool) -> None:
    """Have the workers lay out these documents now (up to PROCESSES, one each), for the jobs of
    a later render_pdfs of the same documents; returns at once. A layout's error is raised by
    that render_pdfs."""
    start_renderers()
    with _lock:
        for worker, document in zip(_workers, documents):
            worker.laid_out = _Layout(document, pdfa)
            worker.send(worker.laid_out)


def render_pdfs(jobs: Sequence[PdfJob]) -> None:
    """Write every job's PDF, up to PROCESSES at a time, each by the worker that laid its document
    out if one did (lay_out). A job's exception (an OSError such as a full disk stays one) is
    raised once every job has ended: no worker is left writing."""
    start_renderers()
    failures: list[Exception] = []
    with _lock:
        for wave in range(0, len(jobs), PROCESSES):
            pairs = _pairs(jobs[wave:wave + PROCESSES])
            for worker, job in pairs:
                worker.start(job)
            failures += [failure for worker, _ in pairs if (failure := worker.receive())]
    if failures:
        raise failures[0]


def _pairs(jobs: Sequence[PdfJob]) -> list[tuple[_Worker, PdfJob]]:
    """Each job with a worker of its own: the one that laid its document out, else a free one."""
    free = list(_workers)
    ahead = {id(job): next((w for w in free if w.laid_out is not None
                            and w.laid_out.document is job.document), None) for job in jobs}
    free = [w for w in free if w not in ahead.values()]
    return [(ahead[id(job)] or free.pop(0), job) for job in jobs]


@atexit.register
def _stop() -> None:
    for worker in _workers:
        worker.close()
    _workers.clear()


def _serve(replies: BinaryIO) -> None:
    """The worker: lay out each _Layout as it comes; write each job's PDF (with the pages laid
    out ahead when only its _Attachments come); answer each job None, or the exception (as text
    in a RenderError when it cannot be pickled)."""
    # imported at a lower priority: the flow reads and analyses the cut on the same cores now
    at_lower_priority(lambda: importlib.import_module("tasks.report.render"))
    from tasks.report.render import layout, render_pdf, write_pdf

    def at_its_priority(document: ReportDocument, work: Callable[[], T]) -> T:
        # The open report is a part of the closed one: the closed report is the run's longest
        # job and keeps a core; the open one shares the other with the flow's own work.
        return at_lower_priority(work) if document.kind == "open" else work()

    jobs = sys.stdin.buffer
    ahead: tuple[_Layout, object] | None = None      # the _Layout and its pages (or error)
    while True:
        try:
            message: PdfJob | _Layout | _Attachments = pickle.load(jobs)
        except EOFError:
            # every answer is written and flushed: end now, without freeing the pages laid out
            # one by one (seconds for a long report, which the flow's exit would wait for)
            os._exit(0)
        if isinstance(message, _Layout):
            try:
                ahead = (message, at_its_priority(message.document, partial(
                    layout, message.document, pdfa=message.pdfa)))
            except Exception as exc:     # raised when the job's attachments come
                ahead = (message, exc)
            continue
        path = message.path
        try:
            if isinstance(message, _Attachments):
                if ahead is None:
                    raise RenderError(f"{path.name}: no document was laid out for it")
                (done, pages), ahead = ahead, None
                if isinstance(pages, Exception):
                    raise pages
                at_its_priority(done.document, partial(
                    write_pdf, done.document, pages, path, message.attachments, done.pdfa))
            else:
                ahead = None
                at_its_priority(message.document, partial(
                    render_pdf, message.document, path, attachments=message.attachments,
                    pdfa=message.pdfa))
            answer = b""
        except Exception as exc:     # goes back to the flow, which reports it
            try:
                answer = pickle.dumps(exc)
            except Exception:
                answer = pickle.dumps(RenderError(f"{path.name}: {type(exc).__name__}: {exc}"))
        replies.write(answer or pickle.dumps(None))
        replies.flush()


if __name__ == "__main__":
    # the module's own _serve: the messages' classes are those of tasks.report.renderers, which
    # unpickling imports, not this __main__'s copies
    from tasks.report.renderers import _serve as serve
    serve(os.fdopen(int(sys.argv[1]), "wb"))

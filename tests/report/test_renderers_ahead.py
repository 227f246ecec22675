"""Laying a document out ahead never waits for the worker: its messages go through a thread of
their own, so a worker still importing WeasyPrint (not reading its pipe) holds up nothing."""
from __future__ import annotations

import fcntl
import os
import pickle
import signal
import threading
from pathlib import Path

from tasks.model import Section
from tasks.report import renderers
from tasks.report.render import render_pdf
from tasks.report.renderers import PdfJob, render_pdfs

ATTACHMENTS = {"results.json": b'{"cutoff": "2025-05-31"}'}


def test_lay_out_returns_while_the_worker_reads_nothing(make_document, make_table,
                                                        tmp_path: Path) -> None:
    document = make_document(kind="closed")
    # a CSV-only listing: 20,000 rows in the pickle, one sentence in the PDF
    document.sections.append(Section("listing", "Listings", [
        make_table("16.2.9", 20_000, 1, csv_only=True)]))
    renderers.start_renderers()
    worker = renderers._workers[0]
    # more than the worker's pipe holds: a write of it waits for the worker to read
    assert len(pickle.dumps(document)) > fcntl.fcntl(worker.jobs, fcntl.F_GETPIPE_SZ)
    os.kill(worker.process.pid, signal.SIGSTOP)           # reads nothing until SIGCONT
    try:
        sending = threading.Thread(target=renderers.lay_out, args=([document], True))
        sending.start()
        sending.join(timeout=30)
        assert not sending.is_alive(), "lay_out waited for the worker to read the document"
    finally:
        os.kill(worker.process.pid, signal.SIGCONT)
    assert worker.laid_out is not None and worker.laid_out.document is document
    render_pdfs([PdfJob(document, tmp_path / "closed.pdf", ATTACHMENTS)])
    render_pdf(document, tmp_path / "closed-here.pdf", attachments=ATTACHMENTS)
    assert (tmp_path / "closed.pdf").read_bytes() == (tmp_path / "closed-here.pdf").read_bytes()

"""The PDF worker processes: the closed and the open report side by side, the same bytes as a
render in the flow's own process, a worker's errors raised in the flow, no worker left behind."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tasks.report import renderers
from tasks.report.render import render_pdf
from tasks.report.renderers import PdfJob, RenderError, render_pdfs

ATTACHMENTS = {"results.json": b'{"cutoff": "2025-05-31"}'}


def test_both_reports_render_in_workers_as_they_would_here(make_document, tmp_path: Path) -> None:
    closed, opened = make_document(kind="closed"), make_document(kind="open")
    render_pdfs([PdfJob(closed, tmp_path / "closed.pdf", ATTACHMENTS),
                 PdfJob(opened, tmp_path / "open.pdf", {}, pdfa=False)])
    render_pdf(closed, tmp_path / "closed-here.pdf", attachments=ATTACHMENTS)
    render_pdf(opened, tmp_path / "open-here.pdf", pdfa=False)
    assert (tmp_path / "closed.pdf").read_bytes() == (tmp_path / "closed-here.pdf").read_bytes()
    assert (tmp_path / "open.pdf").read_bytes() == (tmp_path / "open-here.pdf").read_bytes()


def test_a_worker_error_is_raised_as_itself_after_the_other_job(make_document,
                                                                tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        render_pdfs([PdfJob(make_document(), tmp_path / "missing" / "closed.pdf"),
                     PdfJob(make_document(kind="open"), tmp_path / "open.pdf")])
    assert (tmp_path / "open.pdf").read_bytes().startswith(b"%PDF")      # it ran to its end


class _EndsTheWorker:
    """Unpickled, it ends the process at once (as the out-of-memory killer would)."""
    def __reduce__(self):
        return (os._exit, (3,))


def test_a_worker_that_dies_during_a_job_is_an_error_and_is_replaced(make_document,
                                                                    tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"the PDF worker process ended \(exit code 3\)"):
        render_pdfs([PdfJob(_EndsTheWorker(), tmp_path / "closed.pdf")])
    render_pdfs([PdfJob(make_document(), tmp_path / "closed.pdf")])
    assert (tmp_path / "closed.pdf").read_bytes().startswith(b"%PDF")


def test_workers_end_with_the_process_that_started_them_even_when_killed() -> None:
    script = ("import os, signal\nfrom tasks.report import renderers\n"
              "renderers.start_renderers()\n"
              "print(*[w.process.pid for w in renderers._workers], flush=True)\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[2])
    pids = [int(pid) for pid in done.stdout.split()]
    assert done.returncode == -signal.SIGKILL and len(pids) == renderers.PROCESSES
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in pids):
        assert time.monotonic() < deadline, f"worker processes {pids} still running"
        time.sleep(0.2)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"


def test_a_document_laid_out_ahead_gives_the_same_pdf(make_document, tmp_path: Path) -> None:
    closed, opened = make_document(kind="closed"), make_document(kind="open")
    renderers.lay_out([closed, opened], pdfa=True)
    assert [w.laid_out.document for w in renderers._workers] == [closed, opened]
    other = make_document(kind="open")                 # another document than the one laid out
    renderers.render_pdfs([PdfJob(opened, tmp_path / "open.pdf", {}),
                           PdfJob(closed, tmp_path / "closed.pdf", ATTACHMENTS)])
    assert all(w.laid_out is None for w in renderers._workers)
    renderers.render_pdfs([PdfJob(other, tmp_path / "other.pdf", {})])
    for name, document, attachments in (("closed", closed, ATTACHMENTS), ("open", opened, {}),
                                         ("other", other, {})):
        render_pdf(document, tmp_path / f"{name}-here.pdf", attachments=attachments)
        assert (tmp_path / f"{name}.pdf").read_bytes() == \
            (tmp_path / f"{name}-here.pdf").read_bytes(), name


def test_an_error_while_laying_out_ahead_is_raised_by_the_render(make_document,
                                                                 tmp_path: Path) -> None:
    from tasks.model import Section
    broken = make_document(kind="closed")
    broken.sections.append(Section("broken", "Broken", [object()]))   # no block kind
    renderers.lay_out([broken], pdfa=True)
    with pytest.raises(AttributeError, match="has no attribute"):
        render_pdfs([PdfJob(broken, tmp_path / "closed.pdf", ATTACHMENTS)])
    assert not (tmp_path / "closed.pdf").exists()
    render_pdfs([PdfJob(make_document(), tmp_path / "closed.pdf")])      # the worker goes on
    assert (tmp_path / "closed.pdf").read_bytes().startswith(b"%PDF")


def test_a_worker_that_died_while_laying_out_ahead_is_replaced(make_document,
                                                               tmp_path: Path) -> None:
    ends = _EndsTheWorker()
    renderers.lay_out([ends], pdfa=True)
    assert renderers._workers[0].process.wait(timeout=60) == 3
    document = make_document()
    render_pdfs([PdfJob(document, tmp_path / "closed.pdf", ATTACHMENTS)])   # laid out anew
    render_pdf(document, tmp_path / "closed-here.pdf", attachments=ATTACHMENTS)
    assert (tmp_path / "closed.pdf").read_bytes() == (tmp_path / "closed-here.pdf").read_bytes()


def _nice_values(pid: int) -> set[int]:
    """The nice value of each thread of `pid` (field 19 of /proc/<pid>/task/<tid>/stat)."""
    values = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            values.add(int((task / "stat").read_text().rsplit(")", 1)[1].split()[16]))
        except (OSError, IndexError):
            continue
    return values


def test_the_open_report_is_laid_out_at_a_lower_priority_than_the_closed_one(
        make_document, tmp_path: Path) -> None:
    from tasks.priority import NICER_BY
    closed, opened = make_document(kind="closed"), make_document(kind="open")
    render_pdfs([PdfJob(closed, tmp_path / "warm.pdf")])      # both workers have imported
    base = os.getpriority(os.PRIO_PROCESS, 0)
    seen: dict[str, set[int]] = {"closed": set(), "open": set()}
    renderers.lay_out([closed, opened], pdfa=True)
    workers = {"closed": renderers._workers[0].process.pid,
               "open": renderers._workers[1].process.pid}
    done = threading.Thread(target=render_pdfs, args=([
        PdfJob(closed, tmp_path / "closed.pdf", ATTACHMENTS),
        PdfJob(opened, tmp_path / "open.pdf", {})],))
    done.start()
    while done.is_alive():
        for kind, pid in workers.items():
            seen[kind] |= _nice_values(pid)
        time.sleep(0.002)
    assert seen["open"] == {base, base + NICER_BY}
    assert seen["closed"] == {base}

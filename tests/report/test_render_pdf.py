"""The PDF: pages and running strings, PDF/A-3b attachments, injection safety, reproducibility."""
from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import zlib
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from weasyprint import Document

from tasks.model import Paragraph, Section, Table
from tasks.report.document import ReportDocument
from tasks.report.fetcher import StaticOnlyFetcher
from tasks.report.render import STATIC_DIR, layout, render_pdf

ATTACHMENTS = {"manifest.json": b'{"study": "TQB2868-HAIC-201", "version": 2}',
               "results.json": b'{"cutoff": "2025-05-31", "populations": {"enrolled": 29}}'}
INJECTED = ['<img src="file:///etc/hostname">',
            "<link rel=\"attachment\" href=\"file:///etc/hostname\">",
            "background: url(http://127.0.0.1:9/leak.png)",
            "<style>@import url(https://example.org/x.css)</style>"]


def _inflated(pdf: bytes) -> bytes:
    """The PDF with every Flate stream decompressed (objects sit in compressed object streams)."""
    parts = [pdf]
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(raw))
    return b"\n".join(parts)


def _page_texts(document: Document) -> list[str]:
    def walk(box, out: list[str]) -> list[str]:
        if getattr(box, "text", None):
            out.append(box.text)
        for child in getattr(box, "children", ()):
            walk(child, out)
        return out
    return [" ".join(walk(page._page_box, [])) for page in document.pages]


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory: pytest.TempPathFactory, make_document) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "report-closed.pdf"
    render_pdf(make_document(), path, attachments=ATTACHMENTS, pdfa=True)
    return path


def test_pdf_is_pdfa3b_with_manifest_and_results_attached(pdf_path: Path) -> None:
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF-1.7")
    content = _inflated(pdf)
    for name, data in ATTACHMENTS.items():
        assert f"({name})".encode() in content         # file specification names
        assert data in content                          # the attached bytes themselves
    assert content.count(b"/AFRelationship /Data") == 2
    assert b'pdfaid:part="3"' in content and b'pdfaid:conformance="B"' in content
    # every date in the file is the given generation time (document info, XMP, embedded files)
    assert set(re.findall(rb"D:(\d{8})", content)) == {b"20250601"}
    assert b"<xmp:CreateDate>2025-06-01T06:00:00Z</xmp:CreateDate>" in content


def test_pages_title_contents_landscape_and_running_strings(document: ReportDocument) -> None:
    laid_out = layout(document)
    texts = _page_texts(laid_out)
    assert 6 <= len(texts) <= 12
    assert "v2 DRAFT" in texts[0] and "scheduled monthly cut" in texts[0]
    assert texts[1].startswith("Contents")
    landscape = [i for i, page in enumerate(laid_out.pages) if page.width > page.height]
    assert len(landscape) == 1 and "Table 14.3.2" in texts[landscape[0]]
    # sections follow one another: the short decision summary leaves room for the safety section
    table_page = next(t for t in texts if "Safety Table 14.3.1" in t)
    assert table_page.startswith("Decision summary")
    for running in ("TQB2868-HAIC-201 | Data cutoff 2025-05-31 | v2 DRAFT",
                    "CONFIDENTIAL - CLOSED SESSION - FOR DSMB MEMBERS ONLY",
                    "Generated 2025-06-01 06:00 UTC", "ADSL, ADAE"):
        assert running in table_page, running
    assert f"Page {len(texts)} of {len(texts)}" in texts[-1]
    # the 70-row table continues on the next page under a repeated header
    continued = texts[texts.index(table_page) + 1]
    assert continued.startswith("Preferred term Cohort 0") and "Term 69" in continued


class SpyFetcher(StaticOnlyFetcher):
    """Records every URL WeasyPrint asks for, before the restricted fetcher decides."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.asked: list[str] = []

    def fetch(self, url: str, headers: dict | None = None):
        self.asked.append(url)
        return super().fetch(url, headers)


def test_markup_in_data_is_printed_as_text_and_fetches_nothing(
        make_document, tmp_path: Path) -> None:
    display = pd.DataFrame({"Preferred term": INJECTED, "n (%)": ["1 (3.4)"] * len(INJECTED)})
    table = Table(id="t_14_3_9", number="14.3.9", title=INJECTED[0], population="Safety population",
                  data=display, display=display, footnotes=[INJECTED[2]], source=INJECTED[3])
    doc = make_document()
    doc.sections = [Section("ae", "Adverse events", [Paragraph(INJECTED[1]), table])]
    doc.reason = INJECTED[0]

    spy = SpyFetcher(STATIC_DIR)
    render_pdf(doc, tmp_path / "r.pdf", attachments=ATTACHMENTS, fetcher=spy)
    assert spy.asked == [spy.base_url + "report.css"]
    assert spy.refused == []
    assert b"leak" not in _inflated((tmp_path / "r.pdf").read_bytes())  # no url() became a resource

    text = " ".join(_page_texts(layout(doc)))
    for injected in INJECTED:
        # the laid-out pages carry the strings as text (line breaks may split them at spaces)
        assert re.sub(r"\s+", "", injected) in re.sub(r"\s+", "", text), injected


def test_markup_in_data_is_in_the_pdf_text(make_document, tmp_path: Path) -> None:
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not a pinned dependency; "
                                "the laid-out text is checked in the test above")
    display = pd.DataFrame({"Preferred term": INJECTED[:1], "n (%)": ["1 (3.4)"]})
    doc = make_document()
    doc.sections = [Section("ae", "Adverse events", [Table(
        id="t_x", number="14.3.9", title="AE", population="", data=display, display=display)])]
    render_pdf(doc, tmp_path / "r.pdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(tmp_path / "r.pdf").pages)
    assert 'src="file:///etc/hostname"' in text.replace("\n", "")


def test_same_document_gives_identical_bytes_in_another_process(pdf_path: Path,
                                                                tmp_path: Path) -> None:
    """docs/reproducibility.md: another process (other hash seed, later clock) makes the same
    PDF."""
    again = tmp_path / "again.pdf"
    script = (
        "import importlib.util, sys; from pathlib import Path\n"
        "spec = importlib.util.spec_from_file_location('sample', sys.argv[1])\n"
        "sample = importlib.util.module_from_spec(spec); spec.loader.exec_module(sample)\n"
        "from tasks.report.render import render_pdf\n"
        f"render_pdf(sample.sample_document(), Path(sys.argv[2]), attachments={ATTACHMENTS!r})\n")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    env.pop("SOURCE_DATE_EPOCH", None)
    subprocess.run([sys.executable, "-c", script, str(Path(__file__).with_name("conftest.py")),
                    str(again)],
                   check=True, env=env, cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert again.read_bytes() == pdf_path.read_bytes()
    assert "SOURCE_DATE_EPOCH" not in os.environ                  # restored after the render


def test_generation_time_sets_every_date_in_the_pdf(make_document, pdf_path: Path,
                                                    tmp_path: Path) -> None:
    later = tmp_path / "later.pdf"
    render_pdf(make_document(generated_at=make_document().generated_at + timedelta(days=1)), later,
               attachments=ATTACHMENTS)
    content = _inflated(later.read_bytes())
    assert later.read_bytes() != pdf_path.read_bytes()
    assert set(re.findall(rb"D:(\d{8})", content)) == {b"20250602"}

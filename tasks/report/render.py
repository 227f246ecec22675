"""A ReportDocument to HTML (Jinja2, templates/) and to PDF or PDF/A-3b (WeasyPrint)."""
from __future__ import annotations

import base64
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import weasyprint
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from tasks.model import Figure, Paragraph, Profile, Section, Table
from tasks.report import formatting as fmt
from tasks.report.document import ReportDocument
from tasks.report.fetcher import StaticOnlyFetcher
from tasks.report.references import dangling_references

# The top-level templates/ of a source checkout; a wheel holds a copy (tasks/packaged/ links to it).
TEMPLATES_DIR = (Path(__file__).parents[1] / "packaged" / "templates").resolve()
STATIC_DIR = TEMPLATES_DIR / "static"
TEMPLATE = "report.html.j2"
PDF_VARIANT = "pdf/a-3b"
ATTACHMENT_RELATIONSHIP = "Data"   # PDF/A-3 AFRelationship: data the document was made from

LOG = logging.getLogger("interim.report")
_EPOCH_LOCK = threading.Lock()   # SOURCE_DATE_EPOCH is process-wide: one PDF written at a time


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _anchor(prefix: str, text: str) -> str:
    """An HTML id made of safe characters only (ids come from the analysis, not from data)."""
    return prefix + re.sub(r"[^A-Za-z0-9_-]", "-", text)


def _cells(table: Table) -> list[list[str]]:
    # display holds formatted strings already; text() only guards against a stray NaN/None.
    return table.display.map(fmt.text).to_numpy().tolist()


def _links(table: Table) -> list[str]:
    """Per row: the href of its first cell ("" = no link); anchors made safe as every id is."""
    links = table.links or [""] * len(table.display)
    return [f"#{_anchor('', link)}" if link else "" for link in links]


def _leads(rows: list[list[str]]) -> list[bool]:
    """Rows that head the rows below them (a label and nothing else: a characteristic, a
    laboratory test, an area of the Methods): kept on the page of the row that follows."""
    return [len(row) > 1 and bool(row[0].strip()) and not any(row[1:]) for row in rows]


def _block_anchor(block_id: str) -> str:
    """The HTML id of a table, listing or figure: from its id, so that a line elsewhere (the
    DSMB's page) can point to it and print its page."""
    return _anchor("blk-", block_id)


def _block_view(block: Paragraph | Table | Figure, anchor: str) -> dict:
    if isinstance(block, Paragraph):
        return {"kind": "paragraph", "text": block.text, "style": block.style, "landscape": False}
    common = {"anchor": anchor, "id": block.id, "title": block.title, "source": block.source,
              "footnotes": list(block.footnotes), "landscape": block.landscape}
    if isinstance(block, Figure):
        svg = base64.b64encode(block.svg.encode("utf-8")).decode("ascii")
        view = {**common, "kind": "figure", "label": f"Figure {block.number}",
                "src": f"data:image/svg+xml;base64,{svg}"}
        if isinstance(block, Profile):
            view.update(kind="profile", anchor=_anchor("", block.anchor), narrative=block.narrative)
        return view
    if block.csv_only:
        return {**common, "kind": "listing", "label": f"Listing {block.number}",
                "n_rows": fmt.count(len(block.data))}
    if block.is_empty:                 # its sentence fits any page: no landscape page for it
        return {**common, "kind": "empty", "label": f"Table {block.number}", "landscape": False,
                "population": block.population, "text": block.empty_text}
    rows = _cells(block)
    return {**common, "kind": "table", "label": f"Table {block.number}",
            "population": block.population,
            "columns": [fmt.text(c) for c in block.display.columns],
            "header_groups": list(block.header_groups or []), "rows": rows,
            "leads": _leads(rows), "links": _links(block)}


def _section_view(section: Section, index: int) -> dict:
    # profiles are found through their index table and bookmarks, not the contents
    blocks = [_block_view(b, _block_anchor(getattr(b, "id", ""))) for b in section.blocks]
    captioned = [b for b in blocks if b["kind"] not in ("paragraph", "profile")]
    # The heading and the paragraphs that open the section go on the page (portrait or landscape)
    # of the block they introduce: a heading never stays alone before a page of another size.
    wide = bool(captioned and captioned[0]["landscape"])
    for block in blocks[:blocks.index(captioned[0]) if captioned else 0]:
        block["landscape"] = wide
    return {"anchor": f"s{index}", "title": section.title, "blocks": blocks, "wide": wide,
            "entries": captioned}


def _targets(sections: list[dict]) -> dict[str, dict]:
    """Block id -> its anchor and label ("Table 14.3.6.1"), for lines that point to it."""
    captioned = [b for s in sections for b in s["entries"]]
    ids = [b["id"] for b in captioned]
    if len(ids) != len(set(ids)):
        shared = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"report blocks share an id: {shared}")
    return {b["id"]: {"anchor": b["anchor"], "label": b["label"]} for b in captioned}


def render_html(doc: ReportDocument) -> str:
    """The report as one HTML page (autoescaped: data cannot add markup)."""
    template = _environment().get_template(TEMPLATE)
    for reference in dangling_references(doc.sections):
        LOG.warning("report %s v%d (%s): %s is not in this report", doc.study_id, doc.version,
                    doc.kind, reference)
    sections = [_section_view(s, i) for i, s in enumerate(doc.sections, start=1)]
    return template.render(doc=doc, cutoff=fmt.iso_date(doc.cutoff), sections=sections,
                           glance=doc.glance, targets=_targets(sections))


def layout(doc: ReportDocument, fetcher: StaticOnlyFetcher | None = None,
           pdfa: bool = False) -> weasyprint.Document:
    """Lay out the pages. Resources resolve against templates/static only, through `fetcher`.
    The PDF/A variant must be known here already: it sets the output intent (sRGB) of the layout."""
    fetcher = fetcher or StaticOnlyFetcher(STATIC_DIR)
    started = time.perf_counter()
    html = weasyprint.HTML(string=render_html(doc), base_url=fetcher.base_url, url_fetcher=fetcher)
    document = html.render(pdf_variant=PDF_VARIANT if pdfa else None)
    if fetcher.refused:
        LOG.warning("report %s v%d (%s): refused to fetch %s", doc.study_id, doc.version, doc.kind,
                    ", ".join(fetcher.refused))
    # the page count is what drives render time (about 3-6 pages/s here): keep an eye on it
    LOG.info("report %s v%d (%s): %d pages laid out in %.1f s", doc.study_id, doc.version,
             doc.kind, len(document.pages), time.perf_counter() - started)
    return document


def render_pdf(doc: ReportDocument, out_path: Path, attachments: dict[str, bytes] | None = None,
               pdfa: bool = True, fetcher: StaticOnlyFetcher | None = None) -> None:
    """Write the report PDF: PDF/A-3b with `attachments` (file name -> bytes, e.g. manifest.json,
    results.json) embedded, or a plain PDF with the same attachments when `pdfa` is False.

    Reproducible: the PDF's dates (document info, XMP, embedded files) are doc.generated_at and the
    /ID is a hash of the content, so the same document gives the same bytes
    (docs/reproducibility.md)."""
    fetcher = fetcher or StaticOnlyFetcher(STATIC_DIR)
    write_pdf(doc, layout(doc, fetcher, pdfa), out_path, attachments, pdfa, fetcher)


def write_pdf(doc: ReportDocument, pages: weasyprint.Document, out_path: Path,
              attachments: dict[str, bytes] | None = None, pdfa: bool = True,
              fetcher: StaticOnlyFetcher | None = None) -> None:
    """Write the PDF of `doc` from its laid-out `pages` (layout(doc, pdfa=pdfa)), as render_pdf:
    the attachments are only needed now, so the pages can be laid out before they exist."""
    fetcher = fetcher or StaticOnlyFetcher(STATIC_DIR)
    started = time.perf_counter()
    embedded = [
        weasyprint.Attachment(string=data, name=name, description=name, url_fetcher=fetcher,
                              created=doc.generated_at, modified=doc.generated_at,
                              relationship=ATTACHMENT_RELATIONSHIP)
        for name, data in sorted((attachments or {}).items())]
    with _source_date_epoch(doc.generated_at):
        pages.write_pdf(Path(out_path), attachments=embedded,
                        pdf_variant=PDF_VARIANT if pdfa else None)
    LOG.info("report %s v%d (%s): %d pages written in %.1f s -> %s", doc.study_id, doc.version,
             doc.kind, len(pages.pages), time.perf_counter() - started, out_path)


@contextmanager
def _source_date_epoch(moment: datetime) -> Iterator[None]:
    """While the PDF is written, fontTools (WeasyPrint's font subsetter when HarfBuzz-subset is
    missing) stamps each embedded font's 'head' table with SOURCE_DATE_EPOCH instead of the
    wall clock; without it two renders of one document differ in those bytes."""
    with _EPOCH_LOCK:
        previous = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
        try:
            yield
        finally:
            if previous is None:
                del os.environ["SOURCE_DATE_EPOCH"]
            else:
                os.environ["SOURCE_DATE_EPOCH"] = previous

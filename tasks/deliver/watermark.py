"""Stamp a line of text on every page of a PDF and a copy id in its metadata (document info and
XMP keywords), keeping everything else: text, attachments, bookmarks, PDF/A identification.
The stamp is a page rendered by WeasyPrint (an embedded font, like the report's) per page size,
merged over each page with pypdf; the source file is only read."""
from __future__ import annotations

import html
import io
import logging
import re
from pathlib import Path

import weasyprint
from pypdf import PageObject, PdfReader, PdfWriter, Transformation

from tasks.pdf_text import page_texts
from tasks.report.render import PDF_VARIANT

KEYWORD_PREFIX = "interim copy "
_KEYWORD = re.compile(rf"{KEYWORD_PREFIX}([0-9a-f]{{16}})")
_STAMPED = re.compile(r"- copy ([0-9a-f]{16}) - do not forward")
# WeasyPrint's PDFs declare a trailer /Size below their object count; pypdf says so on every
# read, which is noise for interim's users (the files read correctly).
logging.getLogger("pypdf").setLevel(logging.ERROR)

_STAMP_CSS = """
body { margin: 0; font-family: "DejaVu Sans", sans-serif; }
.sheet { break-after: page; height: 100%; position: relative; }
.stamp { position: absolute; top: 5pt; left: 0; right: 0; margin: 0; text-align: center;
         font-size: 8pt; color: #b22222; }
"""


Size = tuple[float, float]


def _size(page: PageObject) -> Size:
    return round(float(page.mediabox.width), 3), round(float(page.mediabox.height), 3)


def stamp_pages(sizes: list[Size], text: str) -> dict[Size, PageObject]:
    """One transparent page per page size, with `text` centred in its top margin."""
    pages = "".join(f"@page s{i} {{ size: {w}pt {h}pt; margin: 0 }} .s{i} {{ page: s{i}; }}\n"
                    for i, (w, h) in enumerate(sizes))
    sheets = "".join(f'<div class="sheet s{i}"><p class="stamp">{html.escape(text)}</p></div>'
                     for i in range(len(sizes)))
    document = f"<html><head><style>{pages}{_STAMP_CSS}</style></head><body>{sheets}</body></html>"
    pdf = weasyprint.HTML(string=document).write_pdf(pdf_variant=PDF_VARIANT)
    rendered = PdfReader(io.BytesIO(pdf))
    return dict(zip(sizes, rendered.pages))


def watermark_text(name: str, copy_id: str) -> str:
    return f"Prepared for {name} - copy {copy_id} - do not forward"


def stamp_pdf(source: Path, name: str, copy_id: str) -> bytes:
    """`source` watermarked for `name` on every page, `copy_id` in its keywords: new PDF bytes."""
    reader = PdfReader(source)
    sizes = sorted({_size(page) for page in reader.pages})
    stamps = stamp_pages(sizes, watermark_text(name, copy_id))
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header          # pypdf would write %PDF-1.3
    for page in writer.pages:
        box = page.mediabox
        page.merge_transformed_page(stamps[_size(page)],
                                    Transformation().translate(float(box.left), float(box.bottom)))
        page.compress_content_streams()
    keywords = f"{KEYWORD_PREFIX}{copy_id}"
    writer.add_metadata({"/Keywords": keywords})
    xmp = writer.xmp_metadata
    if xmp is not None:                             # PDF/A: XMP says what the document info says
        xmp.pdf_keywords = keywords
        writer.xmp_metadata = xmp
    # pypdf writes no object streams: sharing the duplicates (the stamp's font and resources on
    # every page) keeps a copy about the size of its source
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def copy_id_of(path: Path) -> str | None:
    """The copy id a delivered PDF carries in its keywords, else in its first page's stamp."""
    reader = PdfReader(path)
    metadata = reader.metadata
    found = _KEYWORD.search(str(metadata.get("/Keywords", "") if metadata else ""))
    if found is None and reader.pages:
        found = _STAMPED.search(" ".join(page_texts(path, pages=1)[0].split()))
    return found[1] if found else None

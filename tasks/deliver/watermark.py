"""Stamp a line of text on every page of a PDF and a copy id in its metadata (document info and
XMP keywords), keeping everything else: text, attachments, bookmarks, PDF/A identification.
The stamp is a page rendered by WeasyPrint (an embedded font, like the report's) per page size,
made a form XObject that every page of that size draws over its own content; the source file is
only read. Drawn, not merged: pypdf's page merge parses every page's content stream (a copy of
the 70-page demo report here: 0.71 s merged, 0.25 s drawn)."""
from __future__ import annotations

import html
import io
import logging
import re
from pathlib import Path

import weasyprint
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    PdfObject,
)

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
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header          # pypdf would write %PDF-1.3
    # the pages may share one resources dictionary (WeasyPrint's do): a name per page size
    stamps = {size: (NameObject(f"/InterimStamp{i}"), _form(writer, page)) for i, (size, page)
              in enumerate(stamp_pages(sizes, watermark_text(name, copy_id)).items())}
    save = _stream(writer, b"q\n")
    for page in writer.pages:
        _draw_over(writer, page, save, *stamps[_size(page)])
    keywords = f"{KEYWORD_PREFIX}{copy_id}"
    writer.add_metadata({"/Keywords": keywords})
    xmp = writer.xmp_metadata
    if xmp is not None:                             # PDF/A: XMP says what the document info says
        xmp.pdf_keywords = keywords
        writer.xmp_metadata = xmp
    # pypdf writes no object streams, and a plain copy of WeasyPrint's PDF is twice its size:
    # sharing the identical objects keeps a copy about the size of its source
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _stream(writer: PdfWriter, data: bytes, **entries: PdfObject) -> IndirectObject:
    """A new stream object of `writer` (pypdf 7 adds objects through _add_object only)."""
    stream = DecodedStreamObject()
    stream.set_data(data)
    stream.update({NameObject(f"/{key}"): value for key, value in entries.items()})
    return writer._add_object(stream)


def _form(writer: PdfWriter, page: PageObject) -> IndirectObject:
    """The stamp page as a form XObject of `writer`, its font and resources copied in."""
    # WeasyPrint's stamp page has content and resources: get_contents and [] are never None
    return _stream(writer, page.get_contents().get_data(),  # type: ignore[union-attr]
                   Type=NameObject("/XObject"), Subtype=NameObject("/Form"),
                   BBox=ArrayObject(FloatObject(v) for v in page.mediabox),
                   Resources=page["/Resources"].get_object().clone(writer))  # type: ignore[union-attr]


def _draw_over(writer: PdfWriter, page: PageObject, save: IndirectObject, name: NameObject,
               stamp: IndirectObject) -> None:
    """The page's own content between q and Q (its graphics state cannot reach the stamp), then
    the stamp at the page's origin."""
    resources = page.setdefault(NameObject("/Resources"), DictionaryObject()).get_object()
    resources.setdefault(NameObject("/XObject"), DictionaryObject()).get_object()[name] = stamp
    contents = page.get("/Contents")
    own = [] if contents is None else list(contents.get_object()) \
        if isinstance(contents.get_object(), ArrayObject) else [contents]
    box = page.mediabox
    draw = _stream(writer, f"Q\nq 1 0 0 1 {float(box.left):g} {float(box.bottom):g} cm "
                           f"{name} Do Q\n".encode("ascii"))
    page[NameObject("/Contents")] = ArrayObject([save, *own, draw])


def copy_id_of(path: Path) -> str | None:
    """The copy id a delivered PDF carries in its keywords, else in its first page's stamp."""
    reader = PdfReader(path)
    metadata = reader.metadata
    found = _KEYWORD.search(str(metadata.get("/Keywords", "") if metadata else ""))
    if found is None and reader.pages:
        found = _STAMPED.search(" ".join(page_texts(path, pages=1)[0].split()))
    return found[1] if found else None

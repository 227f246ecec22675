"""Personal copies (docs/delivery.md): every page watermarked "Prepared for NAME - copy ID - do
not forward", the copy id in the metadata, attachments kept, the version folder unchanged."""
from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader, PdfWriter

from tasks.deliver.watermark import copy_id_of, stamp_pdf, watermark_text
from tasks.publish.canonical import sha256_file
from tasks.publish.verify import verify_version

COPY_ID = "0123456789abcdef"


def _stamped(version: Path, tmp_path: Path, name: str = "Ada Lovelace") -> tuple[bytes, Path]:
    data = stamp_pdf(version / "report-closed.pdf", name, COPY_ID)
    path = tmp_path / "copy.pdf"
    path.write_bytes(data)
    return data, path


def test_watermark_on_every_page_of_every_size(version, tmp_path, page_texts):
    data, path = _stamped(version, tmp_path)
    pages = page_texts(data)
    assert len(pages) == 3 == len(PdfReader(path).pages)
    text = "Prepared for Ada Lovelace - copy 0123456789abcdef - do not forward"
    assert all(text in " ".join(page.split()) for page in pages)
    # the report's own text is still there and extractable
    assert "Objective response rate 30.0 (6.7, 65.2)" in " ".join(pages[0].split())
    assert "Simon stage 1: CONTINUE" in " ".join(pages[1].split())
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
             for p in PdfReader(path).pages]
    assert sizes == [(595, 842), (842, 595), (595, 842)]


def test_each_page_keeps_its_own_content_and_draws_one_stamp_of_its_size(version, tmp_path):
    """The page's content streams are kept byte for byte (not parsed and rewritten), between q
    and Q, then the stamp: one form XObject per page size, shared by the pages of that size."""
    _, path = _stamped(version, tmp_path)
    source, copy = PdfReader(version / "report-closed.pdf"), PdfReader(path)
    stamps: dict[tuple[int, int], set[int]] = {}
    for own, stamped in zip(source.pages, copy.pages):
        streams = [ref.get_object().get_data() for ref in stamped["/Contents"]]
        assert streams[0] == b"q\n" and streams[1:-1] == [own.get_contents().get_data()]
        name = streams[-1].split()[-3].decode()
        assert streams[-1] == f"Q\nq 1 0 0 1 0 0 cm {name} Do Q\n".encode()
        form = stamped["/Resources"]["/XObject"].raw_get(name)
        assert form.get_object()["/Subtype"] == "/Form"
        size = (round(float(stamped.mediabox.width)), round(float(stamped.mediabox.height)))
        stamps.setdefault(size, set()).add(form.idnum)
    assert {size: len(ids) for size, ids in stamps.items()} == {(595, 842): 1, (842, 595): 1}


def test_copy_id_in_document_info_and_xmp(version, tmp_path):
    _, path = _stamped(version, tmp_path)
    reader = PdfReader(path)
    assert reader.metadata["/Keywords"] == "interim copy 0123456789abcdef"
    assert reader.xmp_metadata.pdf_keywords == "interim copy 0123456789abcdef"
    assert reader.metadata["/Title"] == "TEST-1 DSMB closed report"
    assert reader.pdf_header == "%PDF-1.7"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp
    assert copy_id_of(path) == COPY_ID


def test_attachments_are_kept_byte_for_byte(version, tmp_path):
    _, path = _stamped(version, tmp_path)
    results = (version / "results.json").read_bytes()
    assert PdfReader(path).attachments == {"results.json": [results]}
    assert "/OutputIntents" in PdfReader(path).trailer["/Root"]


def test_the_version_folder_is_never_changed(version, tmp_path):
    before = {p: sha256_file(p) for p in version.rglob("*") if p.is_file()}
    _stamped(version, tmp_path)
    assert {p: sha256_file(p) for p in version.rglob("*") if p.is_file()} == before
    assert verify_version(version) == []


def test_copy_id_is_found_from_the_watermark_when_the_metadata_is_gone(version, tmp_path):
    _, path = _stamped(version, tmp_path)
    writer = PdfWriter(clone_from=path)
    writer.add_metadata({"/Keywords": "edited"})
    stripped = tmp_path / "stripped.pdf"
    writer.write(stripped)
    assert copy_id_of(stripped) == COPY_ID
    assert copy_id_of(version / "report-closed.pdf") is None


def test_watermark_text_names_the_recipient_and_escapes_markup(version, tmp_path, page_texts):
    assert watermark_text("A. B.", COPY_ID) == \
        f"Prepared for A. B. - copy {COPY_ID} - do not forward"
    data, _ = _stamped(version, tmp_path, name="<b>Zoë & Co</b>")
    assert all("Prepared for <b>Zoë & Co</b> - copy" in page for page in page_texts(data))

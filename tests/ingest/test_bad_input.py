"""Files that cannot be read as a domain table: a BadInputError naming the file and the fault."""
from __future__ import annotations

import gzip
import hashlib

import pytest
from cutkit import CUTOFF, tiny_domains, tiny_source, to_bytes, write_bytes, write_cut

from tasks.errors import BadInputError
from tasks.ingest import read_cut

AE_CSV = tiny_domains()["ae"].to_csv(index=False).encode()
UTF8_SOURCE = tiny_source()


def read_with_ae(tmp_path, cfg, data: bytes, name: str = "ae.csv", source=UTF8_SOURCE):
    """The tiny cut with `data` as the file `name` (in place of that domain's own file), read
    as `source` says."""
    domains = {k: v for k, v in tiny_domains().items() if k != name.split(".")[0]}
    location = write_cut(tmp_path / "2026-10-15", domains)
    write_bytes(location, name, data)
    return read_cut(location, CUTOFF, cfg, source, require_ready=True)


def bad(tmp_path, cfg, data: bytes, name: str = "ae.csv", source=UTF8_SOURCE) -> str:
    with pytest.raises(BadInputError) as caught:
        read_with_ae(tmp_path, cfg, data, name, source)
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    return message


def test_empty_file(tmp_path, cfg):
    assert "empty (0 bytes)" in bad(tmp_path, cfg, b"")


def test_binary_garbage(tmp_path, cfg):
    garbage = bytes(range(256)) * 8
    assert "binary content (a NUL byte at offset 0" in bad(tmp_path, cfg, garbage)


def test_gzip_data_named_csv(tmp_path, cfg):
    assert "gzip-compressed (name it .csv.gz)" in bad(tmp_path, cfg, gzip.compress(AE_CSV))


@pytest.mark.parametrize("sep,label", [(";", "';'"), ("\t", "a tab")])
def test_wrong_delimiter(tmp_path, cfg, sep, label):
    data = tiny_domains()["ae"].to_csv(index=False, sep=sep).encode()
    message = bad(tmp_path, cfg, data)
    assert f"separated by {label}" in message


def test_utf8_bom_is_accepted(tmp_path, cfg):
    cut = read_with_ae(tmp_path, cfg, b"\xef\xbb\xbf" + AE_CSV)
    assert list(cut["ae"].columns) == list(tiny_domains()["ae"].columns)
    assert cut["ae"].at[0, "STUDYID"] == "TQB2868-HAIC-201"


def test_non_utf8_text_names_offset_line_and_column(tmp_path, cfg):
    latin1 = AE_CSV.replace(b"Fatigue", "Fatigué".encode("latin-1"))
    offset = latin1.index(b"\xe9")
    message = bad(tmp_path, cfg, latin1)
    assert f"not UTF-8 text: byte 0xE9 at offset {offset} (line 3, column AETERM)" in message
    assert "set source.encoding in the config" in message           # and how to read it anyway


# "Hépatite" and the cp1252-only right quote (0x92, a control code in latin-1), as a SAS export
# on Windows writes them.
CP1252_TERM = "Hépatite d’origine immunitaire"


@pytest.mark.parametrize("name", ["ae.csv", "ae.csv.gz"])
def test_source_encoding_reads_a_cp1252_csv(tmp_path, cfg, name):
    data = AE_CSV.replace(b"Fatigue", CP1252_TERM.encode("cp1252"))
    data = gzip.compress(data) if name.endswith(".gz") else data
    cut = read_with_ae(tmp_path, cfg, data, name, source=tiny_source(encoding="cp1252"))
    assert cut["ae"].at[1, "AETERM"] == CP1252_TERM
    assert cut.files["ae"].sha256 == hashlib.sha256(data).hexdigest()     # the bytes as read


def test_a_byte_undefined_in_the_configured_encoding_names_it(tmp_path, cfg):
    data = AE_CSV.replace(b"Fatigue", b"Fatigue \x81")              # 0x81: no cp1252 character
    message = bad(tmp_path, cfg, data, source=tiny_source(encoding="cp1252"))
    assert "not cp1252 text: byte 0x81" in message and "column AETERM" in message


def _xpt_with_term(term: bytes) -> bytes:
    """The tiny AE domain as SAS transport, AETERM of row 2 the raw bytes `term` (written over an
    ASCII placeholder of the same length: transport fields have a fixed width)."""
    placeholder = "X" * len(term)
    ae = tiny_domains()["ae"]
    ae.loc[1, "AETERM"] = placeholder
    data = to_bytes(ae, "xpt")
    assert data.count(placeholder.encode()) == 1
    return data.replace(placeholder.encode(), term)


def test_source_encoding_reads_a_cp1252_xpt(tmp_path, cfg):
    data = _xpt_with_term(CP1252_TERM.encode("cp1252"))
    cut = read_with_ae(tmp_path, cfg, data, "ae.xpt", source=tiny_source(encoding="cp1252"))
    assert cut["ae"].at[1, "AETERM"] == CP1252_TERM
    assert "source.encoding" in bad(tmp_path, cfg, data, "ae.xpt")    # read as UTF-8: refused


def test_utf16_text(tmp_path, cfg):
    assert "UTF-16" in bad(tmp_path, cfg, AE_CSV.decode().encode("utf-16"))


def test_ten_megabyte_single_line(tmp_path, cfg):
    message = bad(tmp_path, cfg, b"A" * 10_485_760)
    assert "line 1 is 10,485,760 bytes long (more than 1,048,576)" in message


def test_duplicate_column_names_from_the_header(tmp_path, cfg):
    data = AE_CSV.replace(b"AETERM", b"AESEQ", 1)
    assert "duplicate column names in the header: AESEQ (2 times)" in bad(tmp_path, cfg, data)


def test_blank_column_name(tmp_path, cfg):
    data = AE_CSV.replace(b"AETERM", b"", 1)
    assert "column 5 of the header has no name" in bad(tmp_path, cfg, data)


def test_row_with_more_fields_than_the_header(tmp_path, cfg):
    data = AE_CSV.rstrip(b"\n") + b",extra\n"
    assert "not a valid comma-separated table" in bad(tmp_path, cfg, data)


def test_domain_column_disagrees_with_the_file_name(tmp_path, cfg):
    data = AE_CSV.replace(b",AE,", b",LB,", 1)
    message = bad(tmp_path, cfg, data)
    assert "column DOMAIN holds 'LB' (row 1) but the file is named for domain AE" in message


def test_supp_rdomain_disagrees_with_the_file_name(tmp_path, cfg):
    data = tiny_domains()["suppae"].assign(RDOMAIN="DM").to_csv(index=False).encode()
    assert "column RDOMAIN holds 'DM'" in bad(tmp_path, cfg, data, name="suppae.csv")


def test_corrupt_gzip(tmp_path, cfg):
    assert "not a readable gzip file" in bad(tmp_path, cfg, gzip.compress(AE_CSV)[:40], "ae.csv.gz")


def test_corrupt_parquet(tmp_path, cfg):
    assert "not a readable Parquet file" in bad(tmp_path, cfg, b"PAR1 not really", "ae.parquet")


def test_corrupt_xpt(tmp_path, cfg):
    assert "not a readable SAS transport (xpt) file" in bad(tmp_path, cfg, AE_CSV, "ae.xpt")

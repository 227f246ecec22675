"""The bytes of one domain file -> a frame of text, or a BadInputError naming the file and the
fault."""
from __future__ import annotations

import codecs
import csv
import gzip
import tempfile
import zlib
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pyreadstat

from tasks.errors import BadInputError
from tasks.model import TEXT

FORMATS = (".csv.gz", ".csv", ".parquet", ".xpt")
BOM = b"\xef\xbb\xbf"
# What a file that is not UTF-8 text usually is, by its first bytes.
MAGIC = {b"\x1f\x8b": "gzip-compressed (name it .csv.gz)",
         b"PAR1": "a Parquet file (name it .parquet)",
         b"PK\x03\x04": "a zip archive (an Excel workbook?)", b"\xff\xfe": "UTF-16 text",
         b"\xfe\xff": "UTF-16 text", b"%PDF": "a PDF document"}
SEPARATORS = {";": "';'", "\t": "a tab", "|": "'|'"}
MAX_QUOTED_ROW_CHARS = 80


def file_format(name: str) -> str | None:
    """The format suffix of a file name (.csv.gz, .csv, .parquet, .xpt), or None."""
    lower = name.lower()
    return next((fmt for fmt in FORMATS if lower.endswith(fmt)), None)


def parse_table(data: bytes, name: str, max_line_bytes: int, encoding: str) -> pd.DataFrame:
    """Every column as text (missing = ""); index = 0-based data row. `encoding` is the text
    encoding of CSV and XPT files (source.encoding); Parquet text is UTF-8 by its format."""
    if not data:
        raise BadInputError(f"{name}: the file is empty (0 bytes); a domain without records "
                            "still needs its header line")
    fmt = file_format(name)
    if fmt == ".csv.gz":
        frame = _parse_csv(_gunzip(data, name), name, max_line_bytes, encoding)
    elif fmt == ".csv":
        frame = _parse_csv(data, name, max_line_bytes, encoding)
    elif fmt == ".parquet":
        frame = _parse_parquet(data, name)
    elif fmt == ".xpt":
        frame = _parse_xpt(data, name, encoding)
    else:
        raise BadInputError(f"{name}: not a supported file type ({', '.join(FORMATS)})")
    return frame


def _gunzip(data: bytes, name: str) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise BadInputError(f"{name}: not a readable gzip file: {exc}") from None


def _parse_csv(data: bytes, name: str, max_line_bytes: int, encoding: str) -> pd.DataFrame:
    if data.startswith(BOM):   # written by Excel and others: accepted, the mark is not data
        data = data[len(BOM):]
    if not data.strip():
        raise BadInputError(f"{name}: the file has no header line")
    text = _check_text(data, name, max_line_bytes, encoding)
    header = _header(data, name, encoding)
    if codecs.lookup(encoding).name != "utf-8":
        data = text.encode("utf-8")        # Arrow reads UTF-8; the text is already decoded
    del text
    invalid: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        if not row.text.strip():     # a line of blanks is no record (as an empty line)
            return "skip"
        invalid.append(row)
        return "error"
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            parse_options=pacsv.ParseOptions(newlines_in_values=True,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.large_string()), strings_can_be_null=False))
    except pa.ArrowInvalid as exc:
        raise BadInputError(f"{name}: not a valid comma-separated table: "
                            f"{_invalid_row(data, invalid[0]) if invalid else exc}") from None
    if table.column_names != header:
        raise BadInputError(f"{name}: the header could not be read as {len(header)} column names")
    return table.to_pandas(types_mapper={pa.large_string(): TEXT}.get)   # TEXT's own storage


def _invalid_row(data: bytes, row: pacsv.InvalidRow) -> str:
    """Which row has another number of fields than the header (a short row is a cut-off record,
    a long one an unquoted comma): its line when it can be found, and its first characters."""
    start = data.find(b"\n" + row.text.encode("utf-8") + b"\n")
    where = f"line {_line_of(data, start + 1)}" if start >= 0 else "a row"
    quoted = row.text if len(row.text) <= MAX_QUOTED_ROW_CHARS else \
        row.text[:MAX_QUOTED_ROW_CHARS - 1] + "…"
    return (f"{where} has {row.actual_columns} fields where the header has "
            f"{row.expected_columns}: {quoted!r}")


def _check_text(data: bytes, name: str, max_line_bytes: int, encoding: str) -> str:
    """The text of `data` in `encoding`; binary content, over-long lines and bytes that are not
    text in `encoding` are errors, each with where it is."""
    for magic, what in MAGIC.items():
        if data.startswith(magic):
            raise BadInputError(f"{name}: not CSV text: the file is {what}")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise BadInputError(f"{name}: not CSV text: binary content (a NUL byte at offset {nul}, "
                            f"line {_line_of(data, nul)})")
    if len(data) > max_line_bytes:
        length, line = _longest_line(data)
        if length > max_line_bytes:
            raise BadInputError(f"{name}: line {line} is {length:,} bytes long (more than "
                                f"{max_line_bytes:,}): not a data table with one record per line")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise BadInputError(_not_decodable(data, exc.start, name, encoding)) from None


_LINE_BLOCK = 1 << 24     # bytes searched for line breaks at once


def _longest_line(data: bytes) -> tuple[int, int]:
    """(length in bytes, 1-based line number) of the longest line, the first of equals. The
    data is searched block by block: no array as large as the file (ten times faster)."""
    longest, number, start, lines = -1, 1, 0, 0     # start: offset of the line under way
    view = np.frombuffer(data, dtype=np.uint8)
    for block in range(0, len(data), _LINE_BLOCK):
        breaks = np.flatnonzero(view[block:block + _LINE_BLOCK] == ord("\n")) + block
        if len(breaks):
            lengths = np.diff(breaks, prepend=start - 1) - 1
            i = int(lengths.argmax())
            if lengths[i] > longest:
                longest, number = int(lengths[i]), lines + i + 1
            lines, start = lines + len(breaks), int(breaks[-1]) + 1
    if len(data) - start > longest:
        longest, number = len(data) - start, lines + 1
    return longest, number


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _not_decodable(data: bytes, offset: int, name: str, encoding: str) -> str:
    """Where the first byte that is not text in `encoding` is: offset, line and (when it can
    tell) column, and the two ways to fix it."""
    line_no = _line_of(data, offset)
    start = data.rfind(b"\n", 0, offset) + 1
    end = data.find(b"\n", offset)
    line = data[start:end if end >= 0 else len(data)].decode(encoding, errors="replace")
    header = next(csv.reader([data.split(b"\n", 1)[0].decode(encoding, errors="replace")]), [])
    fields = next(csv.reader([line]), [])
    column = next((header[i] for i, value in enumerate(fields)
                   if "\ufffd" in value and i < len(header)), None)
    where = f"line {line_no}" + (f", column {column}" if column else "")
    label = "UTF-8" if codecs.lookup(encoding).name == "utf-8" else encoding
    return (f"{name}: not {label} text: byte 0x{data[offset]:02X} at offset {offset} ({where}); "
            f"set source.encoding in the config to the file's encoding (SAS exports are often "
            f"cp1252 or latin-1), or save the file as {label}")


def _header(data: bytes, name: str, encoding: str) -> list[str]:
    """The column names of the header line, checked for a wrong separator, blanks and duplicates."""
    line = data.split(b"\n", 1)[0].rstrip(b"\r").decode(encoding)
    fields = next(csv.reader([line]), [])
    if len(fields) == 1:
        for sep, label in SEPARATORS.items():
            if sep in line:
                raise BadInputError(f"{name}: the header is one column holding {label}: the file "
                                    f"is separated by {label}; interim reads comma-separated files")
    _check_names(fields, name)
    return fields


def _check_names(names: list[str], name: str) -> None:
    blank = [i + 1 for i, column in enumerate(names) if not str(column).strip()]
    if blank:
        raise BadInputError(f"{name}: column {blank[0]} of the header has no name")
    repeated = {column: n for column, n in Counter(names).items() if n > 1}
    if repeated:
        listed = ", ".join(f"{column} ({n} times)" for column, n in repeated.items())
        raise BadInputError(f"{name}: duplicate column names in the header: {listed}")


def _parse_parquet(data: bytes, name: str) -> pd.DataFrame:
    try:
        table = pq.read_table(pa.BufferReader(data))
        _check_names(table.column_names, name)
        frame = table.to_pandas()
    except (pa.ArrowException, OSError) as exc:
        raise BadInputError(f"{name}: not a readable Parquet file: {exc}") from None
    return as_text(frame, name)


def _parse_xpt(data: bytes, name: str, encoding: str) -> pd.DataFrame:
    # pyreadstat reads from a path only: the bytes already read (and hashed) go to a temporary file.
    with tempfile.NamedTemporaryFile(suffix=".xpt") as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            frame, meta = pyreadstat.read_xport(tmp.name, encoding=_iconv_name(encoding))
        except UnicodeDecodeError as exc:
            raise BadInputError(f"{name}: text that is not {encoding}: {exc}; set source.encoding "
                                "in the config to the file's encoding (SAS exports are often "
                                "cp1252 or latin-1)") from None
        except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, ValueError) as exc:
            raise BadInputError(f"{name}: not a readable SAS transport (xpt) file: {exc}"
                                f" (text read as {encoding}: source.encoding)") from None
    _check_names(list(meta.column_names), name)
    return as_text(frame, name)


def _iconv_name(encoding: str) -> str | None:
    """The encoding as pyreadstat (iconv) names it; None for UTF-8, which pyreadstat decodes
    itself (iconv refuses the lowercase 'utf-8' and Python's 'iso8859_1' spellings)."""
    name = codecs.lookup(encoding).name
    return None if name == "utf-8" else name.replace("_", "-")


def as_text(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Typed columns (parquet, xpt) as the text a CSV of them would hold: integers without '.0',
    dates as ISO 8601, missing as ""; index = 0-based row."""
    return pd.DataFrame({column: _column_text(frame[column], name, column).to_numpy()
                         for column in frame.columns}, columns=frame.columns).astype(TEXT)


def _column_text(values: pd.Series, name: str, column: str) -> pd.Series:
    if isinstance(values.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(values.dtype):
        values = values.astype(object)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return _datetime_text(values)
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.map({True: "True", False: "False"}).fillna("").astype(object)
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.astype("string").fillna("").astype(object)
    if pd.api.types.is_float_dtype(values.dtype):
        return _float_text(values)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("string", "empty"):
        return values.where(values.notna(), "").astype(object)
    if kind in ("date", "datetime", "datetime64"):
        return _datetime_text(pd.to_datetime(values, errors="coerce"))
    if kind == "bytes":
        try:
            return values.map(lambda v: v.decode("utf-8") if isinstance(v, bytes) else "")
        except UnicodeDecodeError:
            raise BadInputError(f"{name}: column {column} holds bytes that are not UTF-8") from None
    if kind in ("integer", "floating", "mixed-integer-float", "decimal"):
        return _float_text(pd.to_numeric(values, errors="coerce"))
    return values.map(lambda v: "" if v is None or v is pd.NA or v != v else str(v))


def _float_text(values: pd.Series) -> pd.Series:
    out = pd.Series("", index=values.index, dtype=object)
    present = values.notna() & np.isfinite(values)
    whole = present & (values % 1 == 0) & (values.abs() < 2**53)
    out[whole] = values[whole].astype("int64").astype(str)
    other = values.notna() & ~whole
    out[other] = values[other].astype(str)
    return out


def _datetime_text(values: pd.Series) -> pd.Series:
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    at_midnight = values == values.dt.normalize()
    text = values.dt.strftime("%Y-%m-%dT%H:%M:%S").where(~at_midnight,
                                                         values.dt.strftime("%Y-%m-%d"))
    return text.where(values.notna(), "").astype(object)

"""A report table as RTF (tables/rtf/<id>.rtf), the form a sponsor's TLF process and QC read:
made with rtflite on A4, with the table's number and title, population, column headers repeated
on every page, footnotes, source and the report's marking. No timestamp: the same table gives the
same bytes. Text is escaped by rtf_text (rtflite passes braces and backslashes through).

rtflite takes about 0.15 ms a cell (a 4,000-row listing: seconds), so a table's RTF can be kept
by rtf_key: what its bytes depend on, hashed."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import rtflite

from tasks.model import Table
from tasks.report import formatting as fmt
from tasks.report import rtf_text as rtf_text_module
from tasks.report.rtf_text import rtf_text

A4_INCHES = (210 / 25.4, 297 / 25.4)
MARGIN_INCHES = [0.8, 0.8, 0.9, 0.8, 0.5, 0.5]    # left, right, top, bottom, header, footer
ROWS_PER_PAGE = {"portrait": 46, "landscape": 30}  # rtflite's row budget: titles and notes too
WIDEST_COLUMN = 40                                   # characters that set a column's share
# the code the bytes come from: this module, its text escaping and number formatting, rtflite
_CODE = hashlib.sha256(b"".join(Path(module.__file__).read_bytes()
                                for module in (fmt, rtf_text_module)) +
                       Path(__file__).read_bytes() + rtflite.__version__.encode()).hexdigest()


def _widths(table: Table) -> list[int]:
    """Each column's share of the width: its longest line (header or cell), within limits."""
    widths = []
    for i, column in enumerate(table.display.columns):       # by position: headers may repeat
        lines = [line for text in [fmt.text(column), *table.display.iloc[:, i].map(fmt.text)]
                 for line in text.split("\n")]
        widths.append(min(WIDEST_COLUMN, max(4, *(len(line) for line in lines))))
    return widths


def _headers(table: Table, widths: list[int]) -> list[rtflite.RTFColumnHeader]:
    headers = []
    if table.header_groups:
        spans, start = [], 0
        for _, n in table.header_groups:
            spans.append(sum(widths[start:start + n]))
            start += n
        headers.append(rtflite.RTFColumnHeader(
            text=[rtf_text(label) for label, _ in table.header_groups], col_rel_width=spans,
            text_convert=[False]))
    headers.append(rtflite.RTFColumnHeader(
        text=[rtf_text(c) for c in table.display.columns], col_rel_width=widths,
        text_convert=[False]))
    return headers


def table_rtf(table: Table, marking: str) -> bytes:
    """The RTF file of `table` (all its rows, also for a listing kept out of the PDF); an empty
    table holds its empty_text in place of the rows."""
    orientation = "landscape" if table.landscape and not table.is_empty else "portrait"
    width, height = A4_INCHES if orientation == "portrait" else A4_INCHES[::-1]
    if table.is_empty:
        body = pl.DataFrame({"c0": [rtf_text(table.empty_text)]})
        widths, headers = [1], [rtflite.RTFColumnHeader(text=[""], text_convert=[False])]
    else:
        body = pl.DataFrame({f"c{i}": [rtf_text(v) for v in table.display.iloc[:, i]]
                             for i in range(len(table.display.columns))})
        widths = _widths(table)
        headers = _headers(table, widths)
    notes = [rtf_text(note) for note in table.footnotes]
    document = rtflite.RTFDocument(
        df=body,
        rtf_page=rtflite.RTFPage(orientation=orientation, width=width, height=height,
                                 margin=MARGIN_INCHES, nrow=ROWS_PER_PAGE[orientation],
                                 page_footnote="all", page_source="all"),
        rtf_page_header=rtflite.RTFPageHeader(),
        rtf_page_footer=rtflite.RTFPageFooter(text=[rtf_text(marking)]),
        rtf_title=rtflite.RTFTitle(
            text=[rtf_text(f"Table {table.number}"), rtf_text(table.title),
                  rtf_text(table.population)], text_convert=[False]),
        rtf_column_header=headers,
        rtf_body=rtflite.RTFBody(
            col_rel_width=widths, as_colheader=not table.is_empty, text_convert=[[False]],
            text_justification=[["l"] + ["c"] * (len(widths) - 1)]),
        rtf_footnote=rtflite.RTFFootnote(text=notes, text_convert=[[False]]) if notes else None,
        rtf_source=rtflite.RTFSource(text=[rtf_text(f"Source: {table.source}")],
                                     text_convert=[[False]]) if table.source else None)
    return document.rtf_encode().encode("ascii")


def rtf_key(table: Table, marking: str) -> str:
    """sha256 of what table_rtf(table, marking) is made of: the same key, the same bytes."""
    made_of = [_CODE, marking, table.number, table.title, table.population, table.source,
               table.footnotes, table.landscape, table.header_groups, table.empty_text,
               [fmt.text(c) for c in table.display.columns],
               table.display.map(fmt.text).to_numpy().tolist()]
    return hashlib.sha256(json.dumps(made_of).encode()).hexdigest()

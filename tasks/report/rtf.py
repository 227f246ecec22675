"""A report table as RTF (tables/rtf/<id>.rtf), the form a sponsor's TLF process and QC read:
made with rtflite on A4, with the table's number and title, population, column headers repeated
on every page, footnotes, source and the report's marking. No timestamp: the same table gives the
same bytes. Text is escaped by rtf_text (rtflite passes braces and backslashes through).

rtflite 2.6 takes about 0.15 ms a cell, most of it validating ~20 broadcast attributes per cell
while it encodes the body: _Body encodes it as rtflite does with each attribute broadcast once a
page (the same bytes, tested against rtflite's own body; 4,000-row listings in a second). A
table's RTF can also be kept by rtf_key: what its bytes depend on, hashed."""
from __future__ import annotations

import hashlib
import json
from collections.abc import MutableSequence, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import rtflite
from rtflite.attributes import BroadcastValue
from rtflite.row import Border, Cell, Row, TextContent

from tasks.model import Table
from tasks.report import formatting as fmt
from tasks.report.rtf_text import rtf_text

A4_INCHES = (210 / 25.4, 297 / 25.4)
MARGIN_INCHES = [0.8, 0.8, 0.9, 0.8, 0.5, 0.5]    # left, right, top, bottom, header, footer
ROWS_PER_PAGE = {"portrait": 46, "landscape": 30}  # rtflite's row budget: titles and notes too
WIDEST_COLUMN = 40                                   # characters that set a column's share
# the code the bytes come from: this module, its text escaping and number formatting, rtflite
_CODE = hashlib.sha256(b"".join((Path(__file__).parent / name).read_bytes()
                                for name in ("rtf.py", "rtf_text.py", "formatting.py"))
                       + rtflite.__version__.encode()).hexdigest()


_TEXT_ATTRIBUTES = ("font", "font_size", "format", "color", "background_color", "justification",
                    "indent_first", "indent_left", "indent_right", "space", "space_before",
                    "space_after", "convert", "hyphenation")   # TextContent's, from text_<name>


class _Body(rtflite.RTFBody):
    """rtflite's RTFBody whose page encoding (TableAttributes._encode of rtflite 2.6.0, line by
    line) broadcasts each attribute once a page, not once a cell."""

    def _encode(self, df: pl.DataFrame, col_widths: Sequence[float],
                row_offset: int = 0) -> MutableSequence[str]:
        dim = df.shape
        broadcast: dict[str, BroadcastValue] = {}

        def value(name: str, row: int, column: int = 0) -> Any:
            if name not in broadcast:
                broadcast[name] = BroadcastValue(value=getattr(self, name), dimension=dim)
            return broadcast[name].iloc(row + row_offset, column)

        if self.cell_nrow is None:      # type: ignore[has-type]  # rtflite is untyped to mypy
            cells = BroadcastValue(value=df, dimension=dim)
            widths = BroadcastValue(value=col_widths, dimension=dim)
            self.cell_nrow = [[self.calculate_lines(
                text=str(cells.iloc(i, j)), available_width=widths.iloc(i, j),
                row_idx=i + row_offset, col_idx=j) for j in range(dim[1])] for i in range(dim[0])]
        right = BroadcastValue(value=self.border_right, dimension=dim)
        rows: MutableSequence[str] = []
        for i in range(dim[0]):
            cells_of_row = []
            for j, raw in enumerate(df.row(i)):
                text = TextContent(text="" if raw is None else str(raw),
                                   **{name: value(f"text_{name}", i, j)
                                      for name in _TEXT_ATTRIBUTES})
                cells_of_row.append(Cell(
                    text=text, width=col_widths[j],
                    border_left=Border(style=value("border_left", i, j)),
                    border_right=(Border(style=right.iloc(i, j)) if j == dim[1] - 1 else None),
                    border_top=Border(style=value("border_top", i, j)),
                    border_bottom=Border(style=value("border_bottom", i, j)),
                    vertical_justification=value("cell_vertical_justification", i, j)))
            rows.extend(Row(row_cells=cells_of_row, justification=value("cell_justification", i),
                            height=value("cell_height", i))._as_rtf())
        return rows


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
        rtf_body=_Body(
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

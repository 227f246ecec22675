"""A report table as RTF (tables/rtf/<id>.rtf), the form a sponsor's TLF process and QC read:
made with rtflite on A4, with the table's number and title, population, column headers repeated
on every page, footnotes, source and the report's marking. No timestamp: the same table gives the
same bytes. Text is escaped by rtf_text (rtflite passes braces and backslashes through).

rtflite 2.6 takes about 0.15 ms a cell, most of it validating ~20 broadcast attributes per cell
while it encodes the body: _Body encodes a row once per combination of its attributes and fills
in the texts (the same bytes, tested against rtflite's own body; 20,000 cells in 0.4 s). Its
pagination measures every cell's text with rtflite.strwidth.get_string_width, which opens the
font file anew each call: string_width gives the same widths from fonts opened once. A table's
RTF can also be kept by rtf_key: what its bytes depend on, hashed."""
from __future__ import annotations

import functools
import hashlib
import importlib.resources
import json
from collections.abc import MutableSequence, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import rtflite
import rtflite.attributes
import rtflite.fonts
import rtflite.pagination.core
from PIL import ImageFont
from rtflite.attributes import BroadcastValue
from rtflite.fonts_mapping import FontMapping
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


_FONT_FILES = FontMapping.get_font_paths()
_FONT_NAMES = FontMapping.get_font_number_to_name_mapping()


@functools.cache
def _font(font: str | int, font_size: float) -> ImageFont.FreeTypeFont:
    name = _FONT_NAMES[font] if isinstance(font, int) else font
    return ImageFont.truetype(
        str(importlib.resources.files(rtflite.fonts) / _FONT_FILES[name]), size=font_size)


@functools.lru_cache(maxsize=1 << 16)   # listings repeat their values (flags, grades, terms)
def string_width(text: str, font: str | int = "Times New Roman", font_size: float = 12,
                 unit: str = "in", dpi: float = 72.0) -> float:
    """rtflite.strwidth.get_string_width in inches (what its pagination and line counts ask
    for), from a font opened once."""
    if unit != "in":
        raise ValueError(f"string_width measures in inches, not {unit}")
    return _font(font, font_size).getlength(text) / dpi


# rtflite looks the function up in these modules' namespaces on every cell
rtflite.pagination.core.get_string_width = string_width
rtflite.attributes.get_string_width = string_width

_TEXT_ATTRIBUTES = ("font", "font_size", "format", "color", "background_color", "justification",
                    "indent_first", "indent_left", "indent_right", "space", "space_before",
                    "space_after", "convert", "hyphenation")   # TextContent's, from text_<name>
# every attribute a body row's RTF reads, but border_right (read without the row offset)
_ROW_ATTRIBUTES = (*(f"text_{name}" for name in _TEXT_ATTRIBUTES), "border_left", "border_top",
                   "border_bottom", "cell_vertical_justification", "cell_justification",
                   "cell_height")


_MARK = "\x1f"    # the text of a template row's cells, where each row puts its own


def _cell_text(raw: object) -> str:
    """A cell's text as rtflite's TextContent writes it without text conversion: characters
    beyond Latin-1 (and the plus-minus sign) as \\uc1\\uN*."""
    text = "" if raw is None else str(raw)
    if text.isascii():
        return text
    return "".join(char if ord(char) <= 255 and ord(char) != 177
                   else f"\\uc1\\u{ord(char) - (0 if ord(char) < 32768 else 65536)}*"
                   for char in text)


class _Body(rtflite.RTFBody):
    """rtflite's RTFBody whose page encoding (TableAttributes._encode of rtflite 2.6.0, line by
    line) makes a row's RTF once for each combination of its broadcast attributes, as a template
    with a mark for each cell's text, and fills in every row's texts: rtflite's bytes at a few
    microseconds a cell, not 150."""

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

        def template(i: int) -> tuple[list[str], list[tuple[str, str]], str]:
            """Row i's RTF as rtflite writes it, its cells' text split at the mark."""
            cells_of_row = []
            for j in range(dim[1]):
                if value("text_convert", i, j):
                    raise ValueError("rtf._Body writes text as given: text_convert must be off")
                text = TextContent(text=_MARK, **{name: value(f"text_{name}", i, j)
                                                  for name in _TEXT_ATTRIBUTES})
                cells_of_row.append(Cell(
                    text=text, width=col_widths[j],
                    border_left=Border(style=value("border_left", i, j)),
                    border_right=(Border(style=right.iloc(i, j)) if j == dim[1] - 1 else None),
                    border_top=Border(style=value("border_top", i, j)),
                    border_bottom=Border(style=value("border_bottom", i, j)),
                    vertical_justification=value("cell_vertical_justification", i, j)))
            rtf = Row(row_cells=cells_of_row, justification=value("cell_justification", i),
                      height=value("cell_height", i))._as_rtf()
            n = dim[1]
            texts = [tuple(part.split(_MARK)) for part in rtf[1 + n:1 + 2 * n]]
            return rtf[:1 + n], texts, rtf[-1]

        for name in _ROW_ATTRIBUTES:
            value(name, 0)
        # each attribute's rows of values (rtflite may have broadcast some to every row)
        values = [broadcast[name].value or [[None]] for name in _ROW_ATTRIBUTES]
        rights = right.value or [[None]]
        templates: dict[tuple, tuple[list[str], list[tuple[str, str]], str]] = {}
        rows: MutableSequence[str] = []
        for i, raw_row in enumerate(df.iter_rows()):
            key = (*(tuple(rows_of[(i + row_offset) % len(rows_of)]) for rows_of in values),
                   tuple(rights[i % len(rights)]))
            if key not in templates:
                templates[key] = template(i)
            head, texts, end = templates[key]
            rows.extend(head)
            rows.extend(before + _cell_text(raw) + after
                        for (before, after), raw in zip(texts, raw_row))
            rows.append(end)
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

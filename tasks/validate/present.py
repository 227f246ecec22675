"""Findings and other tables for people and files: rich on a terminal, plain lines on a pipe, a
frame for validation.json."""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tasks.model import Finding

COLUMNS = ["severity", "rule", "file", "row", "usubjid", "column", "value", "message"]
FINDING_HEADERS = ("Severity", "File", "Row", "USUBJID", "Column", "Rule", "Value", "Message")
SEVERITY_ORDER = {"error": 0, "warning": 1}
MAX_VALUE_CHARS = 60
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors before warnings, then by file and row (findings without a row first in a file)."""
    return sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 2), f.file or "",
                                           -1 if f.row is None else f.row))


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    """One row per finding, sorted; `row` as a nullable integer."""
    frame = pd.DataFrame([f.as_dict() for f in sort_findings(findings)], columns=COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    return frame


def visible(text: str) -> str:
    """Control characters of the data shown as \\xNN: they must not act on the user's terminal."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def findings_rows(findings: list[Finding]) -> list[tuple[Text, ...]]:
    """One row of plain-text cells per finding, sorted (data never read as markup)."""
    return [(Text(f.severity, style="bold red" if f.severity == "error" else "yellow"),
             *(Text(visible(cell)) for cell in (
                 f.file or "", "" if f.row is None else str(f.row), f.usubjid or "",
                 f.column or "", f.rule, _short(f.value), f.message)))
            for f in sort_findings(findings)]


def findings_title(findings: list[Finding]) -> str:
    errors = sum(f.severity == "error" for f in findings)
    return f"{errors} error(s), {len(findings) - errors} warning(s)"


def findings_table(findings: list[Finding], title: str | None = None) -> Table:
    """A rich table of the findings for a terminal."""
    return rich_table(title or findings_title(findings), FINDING_HEADERS, findings_rows(findings))


def rich_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Text | str]],
               justify: Literal["left", "right"] = "left") -> Table:
    """A table for a terminal; long cells fold within their column."""
    table = Table(title=title, show_lines=False)
    for header in headers:
        table.add_column(header, overflow="fold", justify=justify)
    for row in rows:
        table.add_row(*(cell if isinstance(cell, Text) else Text(cell) for cell in row))
    return table


def plain_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Text | str]]) -> str:
    """The same table for a pipe or a file: the title, then the header and one line per row,
    cells separated by tabs, nothing wrapped (control characters in cells are already shown
    as \\xNN by `visible`, tabs and line breaks included)."""
    lines = [title, "\t".join(headers)]
    lines += ["\t".join(cell.plain if isinstance(cell, Text) else cell for cell in row)
              for row in rows]
    return "\n".join(lines)


def print_table(console: Console, title: str, headers: Sequence[str],
                rows: Sequence[Sequence[Text | str]],
                justify: Literal["left", "right"] = "left") -> None:
    """A rich table on a terminal, plain tab-separated lines anywhere else."""
    if console.is_terminal:
        console.print(rich_table(title, headers, rows, justify))
    else:   # straight to the file: Console.print would expand the tabs to spaces
        console.file.write(plain_table(title, headers, rows) + "\n")
        console.file.flush()


def _short(value: str | None) -> str:
    if value is None:
        return ""
    return value if len(value) <= MAX_VALUE_CHARS else value[: MAX_VALUE_CHARS - 1] + "…"

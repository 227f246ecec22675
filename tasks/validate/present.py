"""Findings for people and files: a rich table for the terminal, a frame for validation.json."""
from __future__ import annotations

import re

import pandas as pd
from rich.table import Table
from rich.text import Text

from tasks.model import Finding

COLUMNS = ["severity", "rule", "file", "row", "usubjid", "column", "value", "message"]
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


def findings_table(findings: list[Finding], title: str | None = None) -> Table:
    """A rich table of the findings; every cell is plain text (data never read as markup)."""
    errors = sum(f.severity == "error" for f in findings)
    table = Table(title=title or f"{errors} error(s), {len(findings) - errors} warning(s)",
                  show_lines=False)
    for header in ("Severity", "File", "Row", "USUBJID", "Column", "Rule", "Value", "Message"):
        table.add_column(header, overflow="fold")
    for f in sort_findings(findings):
        style = "bold red" if f.severity == "error" else "yellow"
        table.add_row(Text(f.severity, style=style), Text(f.file or ""),
                      Text("" if f.row is None else str(f.row)), Text(f.usubjid or ""),
                      Text(f.column or ""), Text(f.rule), Text(visible(_short(f.value))),
                      Text(visible(f.message)))
    return table


def _short(value: str | None) -> str:
    if value is None:
        return ""
    return value if len(value) <= MAX_VALUE_CHARS else value[: MAX_VALUE_CHARS - 1] + "…"

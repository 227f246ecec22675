"""Findings from flagged rows: one per row up to the configured cap, then a count of the rest."""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from tasks.model import Finding

Severity = Literal["error", "warning"]
MAX_VALUE_CHARS = 200      # a finding quotes at most this much of a value (free text can be long)
MAX_MESSAGE_VALUE_CHARS = 80


def row_findings(frame: pd.DataFrame, flagged: pd.Series | np.ndarray, *, file: str,
                 severity: Severity, rule: str, column: str | None, message: str, cap: int,
                 values: pd.Series | None = None) -> list[Finding]:
    """A finding per flagged row (row = index + 1, USUBJID and value from the row), the first
    `cap` of them, and one more that says how many are not listed. `{value}` in the message is
    replaced by the row's value (of `values`, else of `column`)."""
    index = frame.index[np.asarray(flagged, dtype=bool)]
    if not len(index):
        return []
    shown = index[:cap]
    if values is None and column in frame.columns:
        values = frame[column]
    value_of = values.reindex(shown).astype(str) if values is not None else None
    subject_of = frame["USUBJID"].reindex(shown) if "USUBJID" in frame.columns else None
    out = []
    for i in shown:
        value = _clip(value_of[i], MAX_VALUE_CHARS) if value_of is not None else None
        quoted = _clip(value, MAX_MESSAGE_VALUE_CHARS) if value is not None else ""
        out.append(Finding(severity, rule, message.replace("{value}", quoted), file=file,
                           row=int(i) + 1,
                           usubjid=subject_of[i] if subject_of is not None else None,
                           column=column, value=value))
    out += more_findings(len(index) - len(shown), severity=severity, rule=rule, file=file,
                         column=column, cap=cap)
    return out


def more_findings(rest: int, *, severity: Severity, rule: str, file: str | None,
                  column: str | None, cap: int) -> list[Finding]:
    """The one finding that counts what was not listed (none when nothing was left out)."""
    if rest <= 0:
        return []
    return [Finding(severity, rule, f"and {rest:,} more rows with this finding (only the first "
                    f"{cap} are listed)", file=file, column=column)]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

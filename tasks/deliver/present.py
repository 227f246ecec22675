"""The delivery log for people: one row of plain-text cells per line (tasks.validate.present
prints them as a rich table on a terminal, tab-separated lines otherwise)."""
from __future__ import annotations

from tasks.deliver.log import LogLine
from tasks.validate.present import visible

COLUMNS = ("time", "event", "version", "audience", "recipient", "copy id", "channel", "detail")


def _row(line: LogLine) -> tuple[str, ...]:
    if line.event == "approval":
        recipient = ""
        detail: str | None = (f"by {line.by} ({line.os_user}@{line.host}): {line.meaning}; "
                              f"manifest {(line.manifest_sha256 or '')[:12]}...")
    else:
        recipient = line.recipient.label() if line.recipient else ""
        detail = line.error if line.event == "failed" else str(line.destination)
    cells = (line.time, line.event, line.version, line.audience or "", recipient,
             line.copy_id or "", line.channel or "", detail or "")
    return tuple(visible(cell) for cell in cells)   # a server's reply is not trusted text


def select(lines: list[LogLine], cutoff: str | None) -> list[LogLine]:
    return [line for line in lines if cutoff is None or line.version.startswith(f"{cutoff}/")]


def log_rows(lines: list[LogLine]) -> list[tuple[str, ...]]:
    return [_row(line) for line in lines]

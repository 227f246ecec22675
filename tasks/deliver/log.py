"""The delivery log REPORTS/deliveries.jsonl: one JSON line per approval, send, failure and
resend; append-only, each line one write under an exclusive lock, fsynced (docs/delivery.md)."""
from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from tasks.errors import DeliveryError
from tasks.operation import Recipient

LOG_NAME = "deliveries.jsonl"
Event = Literal["approval", "sent", "failed", "resent"]
DELIVERED = ("sent", "resent")


class LogLine(BaseModel):
    """One line of the log. Approvals carry the signature (by, os_user, host, meaning,
    manifest_sha256, via); sends, failures and resends the copy and where it went."""
    model_config = ConfigDict(frozen=True, extra="ignore")

    event: Event
    version: str                       # "2026-10-31/v1"
    version_dir: str
    time: str                          # UTC, ISO 8601
    result: Literal["ok", "failed"] = "ok"
    error: str | None = None
    by: str | None = None
    os_user: str | None = None
    host: str | None = None
    meaning: str | None = None
    manifest_sha256: str | None = None
    via: str | None = None
    audience: str | None = None
    recipient: Recipient | None = None
    copy_id: str | None = None
    copy_sha256: str | None = None
    source_sha256: str | None = None
    channel: str | None = None
    destination: str | None = None

    def delivery_key(self) -> tuple[str, str | None, str | None]:
        """What one delivery is: a version, an audience, a recipient (by e-mail)."""
        email = self.recipient.email.lower() if self.recipient else None
        return (self.version, self.audience, email)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def version_label(version_dir: Path) -> str:
    return f"{version_dir.parent.name}/{version_dir.name}"


class DeliveryLog:
    """The log beside the versions of a reports root."""

    def __init__(self, reports_root: Path) -> None:
        self.path = Path(reports_root) / LOG_NAME

    @classmethod
    def of_version(cls, version_dir: Path) -> DeliveryLog:
        """The log of the reports root REPORTS that holds REPORTS/YYYY-MM-DD/vN."""
        return cls(Path(version_dir).parent.parent)

    def read(self) -> list[LogLine]:
        if not self.path.exists():
            return []
        lines = []
        with open(self.path, encoding="utf-8") as fh:
            for number, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                try:
                    lines.append(LogLine.model_validate(json.loads(text)))
                except (ValueError, ValidationError) as exc:
                    reason = str(exc).splitlines()[0]
                    raise DeliveryError(f"{self.path} line {number} is not a delivery log line "
                                        f"({reason}); the log is append-only: look at it before "
                                        "anything more is approved or delivered") from None
        return lines

    @contextmanager
    def locked(self) -> Iterator[Callable[[LogLine], None]]:
        """Hold the log's exclusive lock (other runs' appends and checks wait) and give the
        function that appends one line. What is read while holding it stays true until the
        lock is released: check, send and log a copy inside one `locked()`."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if created:
                _fsync_folder(self.path.parent)
            yield lambda line: _append(fd, line)
        finally:
            os.close(fd)               # releases the lock

    def append(self, line: LogLine) -> None:
        with self.locked() as append:
            append(line)


def _append(fd: int, line: LogLine) -> None:
    data = (line.model_dump_json(exclude_none=True) + "\n").encode("utf-8")
    size = os.fstat(fd).st_size
    try:
        if os.write(fd, data) != len(data):
            raise OSError(f"short write to the delivery log ({len(data)} bytes)")
        os.fsync(fd)
    except OSError:
        os.ftruncate(fd, size)         # no torn line left behind (a full disk, say)
        raise


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

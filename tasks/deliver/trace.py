"""Tracing a delivered copy: its copy id (PDF keywords, else the watermark) names the version,
audience and recipient in the delivery log; its sha256 says whether it is what was sent."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pypdf.errors import PdfReadError

from tasks.deliver.log import DELIVERED, DeliveryLog, LogLine
from tasks.deliver.watermark import copy_id_of
from tasks.errors import DeliveryError
from tasks.publish.canonical import sha256_file


@dataclass(frozen=True)
class Trace:
    path: Path
    copy_id: str
    line: LogLine                      # the send of this copy (or its failed attempt)
    sha256: str

    @property
    def delivered(self) -> bool:
        return self.line.event in DELIVERED

    @property
    def identical(self) -> bool:
        return self.sha256 == self.line.copy_sha256

    def describe(self) -> str:
        line = self.line
        recipient = line.recipient.label() if line.recipient else "?"
        role = f", {line.recipient.role}" if line.recipient and line.recipient.role else ""
        what = (f"{line.event} to {recipient}{role} on {line.time} via {line.channel} -> "
                f"{line.destination}" if self.delivered
                else f"never delivered: the send to {recipient}{role} failed on {line.time}")
        same = ("byte-identical to what was sent" if self.identical else
                f"CHANGED since it was sent (sha256 {self.sha256[:12]}... now, "
                f"{(line.copy_sha256 or '')[:12]}... sent)")
        return (f"{self.path}: copy {self.copy_id} of {line.version} ({line.version_dir}), "
                f"audience {line.audience}; {what}; {same}")


def trace_copy(path: Path, log: DeliveryLog) -> Trace:
    path = Path(path)
    try:
        copy_id = copy_id_of(path)
    except (PdfReadError, OSError, ValueError) as exc:
        raise DeliveryError(f"{path} cannot be read as a PDF "
                            f"({type(exc).__name__}: {exc})") from None
    if copy_id is None:
        raise DeliveryError(f"{path} carries no copy id: it is not a copy delivered by interim "
                            "(or its metadata and watermark were removed)")
    lines = [line for line in log.read() if line.copy_id == copy_id]
    if not lines:
        raise DeliveryError(f"{path}: copy {copy_id} is not in {log.path}")
    delivered = [line for line in lines if line.event in DELIVERED]
    return Trace(path, copy_id, (delivered or lines)[-1], sha256_file(path))

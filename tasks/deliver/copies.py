"""A recipient's personal copy of their audience's report: a new copy id, the watermark on every
page, the copy id in the metadata, the sha256 of the copy and of its source."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from pypdf import PdfReader

from tasks.deliver.plan import Job
from tasks.deliver.watermark import stamp_pdf
from tasks.publish.canonical import sha256_bytes, sha256_file


@dataclass(frozen=True)
class PersonalCopy:
    copy_id: str
    file_name: str
    title: str                         # the source PDF's title (an open title for an open copy)
    data: bytes
    sha256: str
    source_sha256: str


def new_copy_id() -> str:
    """16 random hex digits: unguessable, so a copy id names one copy and nothing else."""
    return secrets.token_hex(8)


def personal_copy(job: Job) -> PersonalCopy:
    copy_id = new_copy_id()
    cutoff, version = job.version.split("/")
    data = stamp_pdf(job.source, job.recipient.name, copy_id)
    metadata = PdfReader(job.source).metadata
    title = str((metadata.get("/Title") if metadata else None) or job.source.name)
    return PersonalCopy(copy_id=copy_id,
                        file_name=f"{cutoff}_{version}_{job.source.stem}_{copy_id}.pdf",
                        title=title, data=data, sha256=sha256_bytes(data),
                        source_sha256=sha256_file(job.source))

"""The folder channel: ROOT/<audience>/<e-mail>/<copy>.pdf on a local path or any fsspec URL,
written under a temporary name and then moved into place."""
from __future__ import annotations

import os

import fsspec
from fsspec.implementations.local import LocalFileSystem

from tasks.deliver.channels.base import SendFailed
from tasks.deliver.copies import PersonalCopy
from tasks.deliver.plan import Job
from tasks.operation import local_or_url


class FolderChannel:
    name = "folder"

    def __init__(self, root: str) -> None:
        self.root = local_or_url(root)     # relative: the working folder, like the other roots
        self.fs, self.base = fsspec.core.url_to_fs(self.root)

    def send(self, job: Job, copy: PersonalCopy) -> str:
        folder = f"{self.base.rstrip('/')}/{job.audience}/{job.recipient.email}"
        target = f"{folder}/{copy.file_name}"
        partial = f"{target}.partial"
        try:
            self.fs.makedirs(folder, exist_ok=True)
            with self.fs.open(partial, "wb") as fh:
                fh.write(copy.data)
                if isinstance(self.fs, LocalFileSystem):
                    fh.flush()
                    os.fsync(fh.fileno())
            self.fs.mv(partial, target)
        except OSError as exc:
            raise SendFailed(f"folder {self.root}", job, f"{type(exc).__name__}: {exc}") from None
        return target if isinstance(self.fs, LocalFileSystem) else self.fs.unstrip_protocol(target)

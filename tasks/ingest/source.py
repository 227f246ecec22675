"""The folder a cut is read from (local path or any fsspec URL), with retries on read errors."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import fsspec
from fsspec.core import url_to_fs

from tasks.errors import BadInputError
from tasks.operation import Source

T = TypeVar("T")


@dataclass(frozen=True)
class Folder:
    """A folder of some filesystem: `path` in the filesystem's terms, `location` as the user named
    it."""
    fs: fsspec.AbstractFileSystem
    path: str
    location: str

    def child(self, name: str) -> str:
        return f"{self.path.rstrip('/')}/{name}"

    def uri(self, name: str) -> str:
        return f"{self.location.rstrip('/')}/{name}"


def open_folder(location: str) -> Folder:
    try:
        fs, path = url_to_fs(location)
    except (ValueError, ImportError) as exc:
        raise BadInputError(f"cannot open data-cut location {location}: {exc}") from None
    return Folder(fs=fs, path=path, location=location)


def with_retries(action: Callable[[], T], what: str, source: Source | None) -> T:
    """Run `action`; an OSError (other than a missing file) is retried source.read_retries times,
    source.read_retry_delay_seconds apart (no retry without `source`), then is a BadInputError."""
    attempts = source.read_retries + 1 if source else 1
    attempt = 1
    while True:
        try:
            return action()
        except FileNotFoundError:
            raise
        except OSError as exc:
            if attempt >= attempts:
                raise BadInputError(
                    f"could not read {what} after {attempts} attempts: {exc}") from None
            attempt += 1
            time.sleep(source.read_retry_delay_seconds if source else 0)


def list_entries(folder: Folder, source: Source | None) -> dict[str, str]:
    """Names in the folder -> 'file' or 'directory'. FileNotFoundError when the folder is
    missing."""
    def listing() -> list[dict]:
        folder.fs.invalidate_cache(folder.path)   # a remote listing may be cached from before
        if not folder.fs.isdir(folder.path):
            raise FileNotFoundError(folder.location)
        return folder.fs.ls(folder.path, detail=True)

    entries = with_retries(listing, folder.location, source)
    return {entry["name"].rstrip("/").rsplit("/", 1)[-1]: entry.get("type", "file")
            for entry in entries}


def read_bytes(folder: Folder, name: str, source: Source) -> bytes:
    return with_retries(lambda: folder.fs.cat_file(folder.child(name)), folder.uri(name), source)

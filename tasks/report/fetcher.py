"""A WeasyPrint URL fetcher that serves only the report's own static files and data: URIs."""
from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import UNICODE_SCHEME_RE, URLFetcher, URLFetcherResponse


class FetchRefused(ValueError):
    """A resource outside the allowed set was asked for. A ValueError on purpose: WeasyPrint
    logs it and leaves the resource out instead of stopping the render."""


class StaticOnlyFetcher(URLFetcher):
    """Serves files under `root` (resolved, symlinks and '..' included) and data: URIs; refuses
    everything else: other file paths, http, https, ftp and any other scheme.

    Report content is untrusted (AE terms, verbatims, reasons typed by a user): even if markup
    ever reached the HTML, nothing outside `root` could be read or sent over the network.
    `requested` and `refused` record every URL asked for, in order, for tests and the run log."""

    def __init__(self, root: Path, **kwargs: Any) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, **kwargs)
        self.root = Path(root).resolve(strict=True)
        self.requested: list[str] = []
        self.refused: list[str] = []

    @property
    def base_url(self) -> str:
        """The only base URL a report is rendered with: relative references resolve in `root`."""
        return self.root.as_uri() + "/"

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        self.requested.append(url)
        match = UNICODE_SCHEME_RE.match(url)
        scheme = match[1].lower() if match else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = self._static_path(url)
            if path is not None:
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                          headers={"Content-Type": content_type})
        self.refused.append(url)
        raise FetchRefused(f"refused to fetch {url!r}: only files under {self.root} and data: URIs")

    def _static_path(self, url: str) -> Path | None:
        """The file a file: URL names, if it is a regular file under `root`; else None."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(parts.path)).resolve()
        if path.is_relative_to(self.root) and path.is_file():
            return path
        return None

"""The restricted URL fetcher: only templates/static files and data: URIs are served."""
from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urljoin

import pytest
import weasyprint

from tasks.report.fetcher import FetchRefused, StaticOnlyFetcher
from tasks.report.render import STATIC_DIR


@pytest.fixture
def fetcher() -> StaticOnlyFetcher:
    return StaticOnlyFetcher(STATIC_DIR)


def test_serves_the_report_stylesheet_as_css(fetcher: StaticOnlyFetcher) -> None:
    response = fetcher.fetch(urljoin(fetcher.base_url, "report.css"))
    assert response.content_type == "text/css"
    assert b"@page" in response.read()


def test_serves_data_uris(fetcher: StaticOnlyFetcher) -> None:
    assert fetcher.fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"


@pytest.mark.parametrize("url", [
    "file:///etc/hostname",
    # a project file outside static/
    Path(__file__).resolve().as_uri(),
    STATIC_DIR.as_uri() + "/../../pyproject.toml",                        # '..' out of static/
    STATIC_DIR.as_uri() + "/%2e%2e/%2e%2e/pyproject.toml",                # percent-encoded '..'
    "file://otherhost" + (STATIC_DIR / "report.css").as_posix(),          # a remote host's file
    STATIC_DIR.as_uri() + "/",                                            # the folder itself
    "http://127.0.0.1:9/x.png", "https://example.org/x.css", "ftp://example.org/x",
    "gopher://example.org/", "javascript:alert(1)",
])
def test_refuses_everything_else(fetcher: StaticOnlyFetcher, url: str) -> None:
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_relative_references_resolve_inside_static_only(fetcher: StaticOnlyFetcher) -> None:
    # the base URL is the static folder: a relative '../' path in a document cannot leave it
    assert fetcher.base_url == STATIC_DIR.resolve().as_uri() + "/"
    with pytest.raises(FetchRefused):
        fetcher.fetch(urljoin(fetcher.base_url, "../../tasks/config.py"))


def test_refused_resource_is_logged_and_skipped_by_weasyprint(
        fetcher: StaticOnlyFetcher, caplog: pytest.LogCaptureFixture) -> None:
    html = weasyprint.HTML(string='<p>kept</p><img src="file:///etc/hostname">'
                                  '<div style="background: url(http://127.0.0.1:9/b.png)">x</div>',
                           base_url=fetcher.base_url, url_fetcher=fetcher)
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        document = html.render()
    assert len(document.pages) == 1
    assert fetcher.refused == ["file:///etc/hostname", "http://127.0.0.1:9/b.png"]
    assert "refused to fetch 'file:///etc/hostname'" in caplog.text

"""The independent statistician's summary: a safe Markdown subset read as text, rendered escaped on
the closed report's page 2 (never in the open one), nothing fetched; and how it is read."""
from __future__ import annotations

import io
from dataclasses import replace

import pytest
from pypdf import PdfReader

from tasks.config import load_settings
from tasks.errors import BadInputError
from tasks.ingest.narrative import read_narrative
from tasks.report.fetcher import StaticOnlyFetcher
from tasks.report.glance import Glance
from tasks.report.narrative import NarrativeBlock, Span, parse_narrative
from tasks.report.render import STATIC_DIR, layout, render_html

HOSTILE = """# Review of the 2026-10-31 cut

The futility boundary is **not** close; see *Table 10.1*.
<script>alert("x")</script> <img src="http://evil.example/pixel.png"> <b>raw</b>
[the protocol](http://evil.example/protocol) and ![logo](http://evil.example/logo.png)
<link rel="stylesheet" href="http://evil.example/x.css">

- deaths: *three* within 30 days
- one of unknown cause
1. continue
2) meet again in a month
"""


def test_blocks_emphasis_and_lists():
    blocks = parse_narrative(HOSTILE)
    assert [b.kind for b in blocks] == ["heading", "paragraph", "bullets", "numbers"]
    assert blocks[0].items == ((Span("Review of the 2026-10-31 cut"),),)
    paragraph = blocks[1].items[0]
    assert paragraph[:4] == (Span("The futility boundary is "), Span("not", "strong"),
                             Span(" close; see "), Span("Table 10.1", "em"))
    assert '<script>alert("x")</script>' in paragraph[-1].text
    assert "[the protocol](http://evil.example/protocol)" in paragraph[-1].text
    assert blocks[2].items[0] == (Span("deaths: "), Span("three", "em"), Span(" within 30 days"))
    assert blocks[3].items == ((Span("continue"),), (Span("meet again in a month"),))


def test_snake_case_control_characters_and_unpaired_stars_stay_text():
    [block] = parse_narrative("adverse_event_rate 2 * 3 = 6\x07\x1b[31m\r\n")
    assert block == NarrativeBlock("paragraph", ((Span("adverse_event_rate 2 * 3 = 6[31m"),),))
    assert parse_narrative("\n\n  \n") == ()


def _glance(narrative) -> Glance:
    return Glance(verdicts=(), verdicts_target="", safety_columns=(), safety=(), efficacy=(),
                  maturity=(), attention=(), narrative=narrative)


def test_markup_in_the_summary_is_shown_as_text_and_nothing_is_fetched(make_document):
    document = make_document("closed")
    document.glance = _glance(parse_narrative(HOSTILE))
    html = render_html(document)
    page = html[html.index('<section class="glance"'):html.index('<nav class="toc">')]
    assert "<script" not in page and "<img" not in page and "<link" not in page
    assert "href=\"http" not in page and "src=\"http" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "<strong>not</strong>" in page and "<em>three</em>" in page
    fetcher = StaticOnlyFetcher(STATIC_DIR)
    pdf = layout(document, fetcher).write_pdf()
    assert fetcher.refused == [] and not [url for url in fetcher.requested if "evil" in url]
    assert all(url.startswith((STATIC_DIR.as_uri(), "data:")) for url in fetcher.requested)
    text = PdfReader(io.BytesIO(pdf)).pages[1].extract_text().replace("\n", "")   # lines wrap
    assert text.startswith("DSMB at a glance")
    for visible in ('<script>alert("x")</script>', '<img src="http://evil.example/pixel.png">',
                    "[the protocol](http://evil.example/protocol)"):
        assert visible in text


def test_the_open_report_has_no_summary_page(make_document):
    with pytest.raises(ValueError, match="closed-session"):
        replace(make_document("open"), glance=_glance(None))


def test_no_summary_supplied_says_so(make_document):
    document = make_document("closed")
    document.glance = _glance(None)
    assert "No summary from the independent statistician was supplied with this run." in \
        render_html(document)


def test_read_from_the_option_or_the_cut_folder(tmp_path):
    cfg = load_settings().operation.source
    cut = tmp_path / "2026-10-31"
    cut.mkdir()
    assert read_narrative(str(cut), cfg, None) is None
    (cut / "narrative.md").write_text("From the cut folder.", encoding="utf-8")
    assert read_narrative(str(cut), cfg, None) == "From the cut folder."
    given = tmp_path / "summary.md"
    given.write_bytes("\ufeffGiven with --narrative: ≥ 3".encode("utf-8"))
    assert read_narrative(str(cut), cfg, str(given)) == "Given with --narrative: ≥ 3"
    with pytest.raises(BadInputError, match="narrative file not found: .*missing.md"):
        read_narrative(str(cut), cfg, str(tmp_path / "missing.md"))
    (tmp_path / "latin1.md").write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(BadInputError, match="not UTF-8"):
        read_narrative(str(cut), cfg, str(tmp_path / "latin1.md"))

"""The report HTML: title page, contents, blocks, autoescaping; no layout engine involved."""
from __future__ import annotations

import re

import jinja2
import pandas as pd
import pytest

from tasks.model import Paragraph, Section, Table
from tasks.report.document import ReportDocument
from tasks.report.render import _environment, render_html


def test_title_page_states_study_cutoff_version_reason_time_and_marking(
        document: ReportDocument) -> None:
    html = render_html(document)
    title_page = html.split('<nav class="toc">')[0]
    for text in ("TQB2868-HAIC-201", "HAIC + TQB2868 + ramucirumab in advanced HCC", "2025-05-31",
                 "v2 DRAFT", "scheduled monthly cut", "2025-06-01 06:00 UTC",
                 "CONFIDENTIAL - CLOSED SESSION - FOR DSMB MEMBERS ONLY", "Closed session report"):
        assert text in title_page, text
    # PDF metadata dates come from the given generation time, not the clock
    assert '<meta name="dcterms.created" content="2025-06-01T06:00:00Z">' in html
    assert '<meta name="dcterms.modified" content="2025-06-01T06:00:00Z">' in html


def test_open_report_uses_the_same_template_with_its_own_marking(make_document) -> None:
    html = render_html(make_document(kind="open"))
    assert '<span class="run-marking">OPEN SESSION</span>' in html
    assert "Open session report" in html
    assert "CLOSED SESSION" not in html


def test_contents_link_every_section_and_captioned_block(document: ReportDocument) -> None:
    html = render_html(document)
    toc = html.split('<nav class="toc">')[1].split("</nav>")[0]
    targets = re.findall(r'href="#([^"]+)"', toc)
    # 3 sections + 4 captioned blocks in "Safety"
    assert len(targets) == 7
    for target in targets:
        assert f'id="{target}"' in html
    assert "Table 14.3.1 Adverse events 14.3.1" in toc and "Figure 14.2.1" in toc


def test_blocks_are_laid_out_as_specified(document: ReportDocument) -> None:
    html = render_html(document)
    # a CSV-only listing is one line, its rows are not in the PDF
    assert "Listing 16.2.1 Adverse events 16.2.1</span>\n  (250 rows) is in" in html
    assert "tables/t_16_2_1.csv" in html and "Term 249" not in html
    # header rows in <thead> (repeated on each page), the spanning header above the columns
    assert html.count("<thead>") == 2
    assert '<th colspan="8">Dose level</th>' in html
    # the landscape table is on the named page "wide"; the figure is a data: URI of the SVG
    assert 'class="block table-block wide"' in html
    assert '<img class="figure" src="data:image/svg+xml;base64,' in html
    # every table gets its number, population, footnotes and source
    assert "Safety population (N = 29)" in html and "Source: ADSL, ADAE" in html
    assert html.count("n (%) of subjects with at least one event.") == 2


def test_autoescape_keeps_markup_in_data_as_text(document: ReportDocument) -> None:
    evil = '<img src="file:///etc/hostname">'
    display = pd.DataFrame({"Preferred term": [evil], "n": ['"><script>x</script>']})
    document.sections.append(Section("ae", f"AE {evil}", [
        Paragraph(evil), Table(id="t_x", number="14.3.9", title=evil, population="N = 1",
                               data=display, display=display, footnotes=[evil], source=evil)]))
    document.reason = evil
    html = render_html(document)
    assert evil not in html and "<script>" not in html
    assert html.count("&lt;img src=&#34;file:///etc/hostname&#34;&gt;") >= 7


def test_templates_refuse_undefined_values() -> None:
    environment = _environment()
    assert environment.autoescape is True
    with pytest.raises(jinja2.UndefinedError):
        environment.from_string("{{ doc.no_such_field }}").render(doc=object())

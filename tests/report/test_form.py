"""The report's form (docs/dsmb-report.md "Form"), checked in the laid-out documents of the demo
cut and of small ones: no page ends with a heading, an empty table prints its sentence instead
of a bare header, no reference to a table the report does not hold, figures print at their drawn
size (so their labels of at least 7 pt stay at least 7 pt on paper)."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from tasks.model import Figure, Paragraph, Section, Table
from tasks.report.document import ReportDocument
from tasks.report.references import dangling_references
from tasks.report.render import layout, render_html
from tasks.report.svg import MIN_FONT_PT

# the demo documents are made and laid out once a module: its tests on one xdist worker
pytestmark = pytest.mark.xdist_group("demo-form")
HEADINGS = {"h1", "h2", "h3"}
HEADING_CLASSES = {"caption", "population", "lead"}   # lead: a group label row
PX_PER_PT = 4 / 3                         # CSS: 1pt = 1/72 in, 1px = 1/96 in


def _page_items(page) -> list[tuple[str, str]]:
    """(role, text) of each text and image on a page, in order, outside the page margins: role
    'heading' for the text of a heading, a caption or a population line, else 'content'."""
    items: list[tuple[str, str]] = []

    def walk(box, heading: bool) -> None:
        if type(box).__name__ == "MarginBox":
            return
        element = getattr(box, "element", None)
        classes = set((element.get("class") or "").split()) if element is not None else set()
        heading = heading or getattr(box, "element_tag", None) in HEADINGS or \
            bool(classes & HEADING_CLASSES)
        if getattr(box, "text", "").strip():
            items.append(("heading" if heading else "content", box.text.strip()))
        elif type(box).__name__.endswith("ReplacedBox"):
            items.append(("content", "<img>"))
        for child in getattr(box, "children", ()):
            walk(child, heading)

    walk(page._page_box, False)
    return items


def headings_alone(document) -> list[str]:
    """'page N: heading text' for each page whose last item is a heading."""
    found = []
    for number, page in enumerate(document.pages, start=1):
        items = _page_items(page)
        if items and items[-1][0] == "heading":
            found.append(f"page {number}: {items[-1][1]}")
    return found


@pytest.fixture(scope="module")
def laid_out(run):
    _, documents = run
    return {kind: layout(document) for kind, document in documents.items()}


def test_no_page_of_the_demo_reports_ends_with_a_heading(laid_out, run):
    for kind, document in laid_out.items():
        assert headings_alone(document) == [], kind
        assert len(document.pages) > 5
    # group labels (a characteristic, a laboratory test, a Methods area) stay with their rows
    html = render_html(run[1]["closed"])
    assert html.count('<tr class="lead">') >= 20
    assert re.search(r"<tr class=\"lead\">\s*<td>Age \(years\)</td>\s*<td></td>", html)


def _document(sections: list[Section]) -> ReportDocument:
    return ReportDocument(study_id="S-1", study_title="T", cutoff=date(2026, 10, 31), version=1,
                          status="DRAFT", reason="test", kind="closed", sections=sections,
                          generated_at=datetime(2026, 11, 1, tzinfo=UTC))


def _wide_table(number: str, rows: int) -> Table:
    display = pd.DataFrame({f"Column {c}": [f"value {r}" for r in range(rows)] for c in range(9)})
    return Table(id=f"t_{number.replace('.', '_')}", number=number, title=f"Listing {number}",
                 population="All subjects", data=display, display=display, landscape=True)


def test_a_heading_goes_to_the_landscape_page_of_the_table_it_opens():
    long_text = Paragraph("A paragraph long enough to fill lines. " * 60)
    sections = [Section("a", "Portrait section", [long_text, long_text]),
                Section("b", "Provenance", [Paragraph("Files read from the cut."),
                                            _wide_table("16.6.1", 5)])]
    document = layout(_document(sections))
    assert headings_alone(document) == []
    landscape = [p for p in document.pages if p.width > p.height]
    (page,) = landscape
    texts = [text for _, text in _page_items(page)]
    assert texts[:3] == ["Provenance", "Files read from the cut.", "Table 16.6.1 Listing 16.6.1"]


def test_an_empty_table_prints_its_sentence_on_a_portrait_page_and_no_header():
    empty = _wide_table("14.3.8.3", 0)
    empty.empty_text = "None: no subject met the potential Hy's law criteria."
    empty.footnotes = ["Potential Hy's law: ALT or AST > 3 x ULN."]
    html = render_html(_document([Section("s", "Safety", [empty])]))
    block = re.search(r'<div class="block empty-block" id="blk-t_14_3_8_3".*?</div>\s*</div>',
                      html, flags=re.S)[0]
    assert "None: no subject met the potential Hy&#39;s law criteria." in block
    assert "Potential Hy&#39;s law: ALT or AST &gt; 3 x ULN." in block
    assert "<table" not in block and "Column 0" not in block and " wide" not in block
    document = layout(_document([Section("s", "Safety", [empty])]))
    assert all(p.width < p.height for p in document.pages)


def test_every_empty_table_of_the_demo_says_so_in_words(run):
    analysis, documents = run
    html = render_html(documents["closed"])
    empty = [b for s in analysis.closed for b in s.blocks if isinstance(b, Table) and b.is_empty]
    assert {t.number for t in empty} >= {"14.3.8.3", "14.3.8.4", "16.1.1", "16.3.1", "16.3.3"}
    for table in empty:
        assert table.empty_text.startswith("None: ")
        anchor = f'id="blk-{table.id}"'
        block = html[html.index(anchor):]
        block = block[:block.index("</div>")]
        assert "empty-text" in block and "<table" not in block, table.number


def test_no_reference_to_a_table_the_report_does_not_hold(run):
    analysis, _ = run
    assert dangling_references(analysis.closed) == []
    assert dangling_references(analysis.open) == []
    # a reference to a number the report does not hold is found, with its section
    note = Paragraph("Records not graded: see Table 14.3.8.4 and Table 14.3.8.")
    found = dangling_references([Section("safety", "Safety", [note, _wide_table("14.3.8", 1)])])
    assert found == ["Table 14.3.8.4 (in Safety)"]


def test_figures_print_at_the_size_they_are_drawn(laid_out, run):
    """A figure scaled down to fit would print its 7 pt labels smaller: none is."""
    analysis, _ = run
    drawn = {f"Figure {b.number} {b.title}": float(re.search(r'width="([\d.]+)pt"', b.svg)[1])
             for s in analysis.closed for b in s.blocks if isinstance(b, Figure)}
    printed = {}

    def walk(box) -> None:
        element = getattr(box, "element", None)
        if type(box).__name__.endswith("ReplacedBox") and element is not None:
            printed[element.get("alt")] = box.width / PX_PER_PT
        for child in getattr(box, "children", ()):
            walk(child)

    for page in laid_out["closed"].pages:
        walk(page._page_box)
    assert set(drawn) <= set(printed) and len(drawn) >= 6
    for name, width_pt in drawn.items():
        assert printed[name] == pytest.approx(width_pt, rel=1e-3), name
    assert MIN_FONT_PT == 7

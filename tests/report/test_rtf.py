"""Every table as RTF (tasks.report.rtf): the file parses, holds the title, population, footnotes,
source and marking, repeats the header rows on every page, says an empty table in words,
escapes the data and gives the same bytes for the same table."""
from __future__ import annotations

import re

import pandas as pd

from tasks.model import Table
from tasks.report.rtf import rtf_key, table_rtf
from tasks.report.rtf_text import rtf_pages, rtf_text

MARKING = "CONFIDENTIAL - CLOSED SESSION - FOR DSMB MEMBERS ONLY"


def _balanced(rtf: str) -> bool:
    depth = 0
    for token in re.findall(r"\\[\\{}]|[{}]", rtf):
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth < 0:
            return False
    return depth == 0


def test_a_long_table_repeats_both_header_rows_on_every_page_and_keeps_every_row(make_table):
    table = make_table("14.3.2", 120, 3, landscape=True, header_groups=[("", 1), ("Dose level", 3)])
    rtf = table_rtf(table, MARKING)
    text = rtf.decode("ascii")
    assert text.startswith("{\\rtf1") and _balanced(text)
    paper = re.search(r"\\paperw(\d+)\\paperh(\d+)", text).groups()
    assert paper == ("16838", "11906")                             # A4 landscape, in twips
    pages = rtf_pages(rtf)
    assert len(pages) >= 3
    rows = []
    for page in pages:
        assert "Table 14.3.2\nAdverse events 14.3.2\nSafety population (N = 29)" in page
        assert ("\tDose level\t\nPreferred term\tCohort 0\n(N=29)\tCohort 1\n(N=29)\t"
                "Cohort 2") in page
        assert "n (%) of subjects with at least one event.\t\nSource: ADSL, ADAE" in page
        rows += re.findall(r"^(Term \d+)\t", page, flags=re.M)
    assert rows == [f"Term {k}" for k in range(120)]              # each row once, in order
    assert MARKING in pages[0]                                     # the page footer
    assert "\\chpgn" in text and "NUMPAGES" in text                # Page x of y


def test_the_same_table_gives_the_same_bytes(make_table):
    first = table_rtf(make_table("14.3.1", 70, 2), MARKING)
    assert first == table_rtf(make_table("14.3.1", 70, 2), MARKING)


def test_an_empty_table_says_so_in_words_without_a_header_row(make_table):
    empty = make_table("16.4.3", 0, 1)
    empty.empty_text = "None: no subject died since the previous cut."
    empty.landscape = True
    rtf = table_rtf(empty, MARKING)
    (page,) = rtf_pages(rtf)
    assert "Table 16.4.3\nAdverse events 16.4.3\n" in page
    assert "None: no subject died since the previous cut." in page
    assert "Preferred term" not in page
    assert b"\\paperw11906\\paperh16838" in rtf         # portrait: no landscape page for a sentence


def test_data_cannot_add_rtf_control_words_and_every_character_survives():
    cell = "{\\b bold} \\par Grade \u2265 3 caf\u00e9 \U0001D6FC"
    display = pd.DataFrame({"Preferred term": [cell], "n": ["1"]})
    table = Table(id="t_1", number="1", title="T {x}", population="P", data=display,
                  display=display, footnotes=["Note \\ done"], source="ADAE")
    rtf = table_rtf(table, MARKING)
    rtf.decode("ascii")                                            # ASCII only
    assert b"{\\b bold}" not in rtf and b"\\{\\\\b bold\\}" in rtf
    (page,) = rtf_pages(rtf)
    assert f"{cell}\t1\t" in page and "T {x}" in page and "Note \\ done" in page
    assert rtf_text("a\nb") == "a\\line b"


def test_repeated_column_headers_keep_their_own_cells():
    display = pd.DataFrame([["S-1", "12", "30"]], columns=["Subject", "Days since", "Days since"])
    table = Table(id="t_2", number="2", title="T", population="P", data=display, display=display)
    (page,) = rtf_pages(table_rtf(table, MARKING))
    assert "Subject\tDays since\tDays since\t\nS-1\t12\t30\t" in page


def test_the_rtf_key_changes_with_what_is_printed_and_only_with_it(make_table):
    table = make_table("14.3.2", 3, 2)
    key = rtf_key(table, MARKING)
    assert rtf_key(make_table("14.3.2", 3, 2), MARKING) == key          # the same table again
    other_data = make_table("14.3.2", 3, 2)
    other_data.data = pd.DataFrame({"x": [1]})                       # data is not printed
    assert rtf_key(other_data, MARKING) == key
    changed = make_table("14.3.2", 3, 2)
    changed.display.iloc[2, 1] = "3 (10.4)"
    noted = make_table("14.3.2", 3, 2)
    noted.footnotes = ["another note"]
    others = [changed, noted, make_table("14.3.2", 4, 2),
              make_table("14.3.2", 3, 2, landscape=True),
              make_table("14.3.3", 3, 2)]
    assert len({key, *(rtf_key(t, MARKING) for t in others)}) == 1 + len(others)
    assert rtf_key(table, "OPEN SESSION") != key


def test_the_body_is_encoded_as_rtflites_own_body_encodes_it(monkeypatch, make_table):
    """rtf._Body broadcasts the attributes once a page: byte for byte rtflite's RTFBody, for a
    table over pages with a spanning header, wrapped and non-ASCII cells, an empty one."""
    import rtflite

    from tasks.report import rtf

    long = make_table("14.3.2", 130, 3, landscape=True, header_groups=[("", 1), ("Dose level", 3)])
    long.display.iloc[5, 0] = "A preferred term long enough to wrap in its column " * 3
    long.display.iloc[7, 1] = "caf\u00e9 \u2265 3 {x} \\ y\nsecond line"
    tables = [long, make_table("14.3.1", 3, 1), make_table("16.4.3", 0, 1)]
    ours = [table_rtf(t, MARKING) for t in tables]
    monkeypatch.setattr(rtf, "_Body", rtflite.RTFBody)
    assert ours == [table_rtf(t, MARKING) for t in tables]
    assert len(rtf_pages(ours[0])) >= 4

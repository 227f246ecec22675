"""The open/closed boundary on real published versions (docs/delivery.md): for a simulated cut and
for the CDISC pilot cut, every text, attachment, metadata field and bookmark of `open/` is
searched for the closed results, and a leak planted into a copy of the open package is found.

Two searches: the product's own (tasks.publish.boundary, run by `interim verify`: closed values,
printed results and verdicts, closed keys, hashes of files outside open/), and here, on top, every
line of the closed report's closed-only sections as the closed PDF prints it."""
from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from typer.testing import CliRunner

from flows.cli import app
from tasks.pdf_text import page_texts
from tasks.publish.boundary import open_package_leaks, open_texts
from tasks.report import formatting as fmt
from tasks.report.rtf_text import rtf_text

pytestmark = pytest.mark.e2e
CLOSED_ONLY_SECTIONS = ("DSMB at a glance", "Decision summary", "Efficacy",
                        "Changes since the previous cut")
_PAGE_FOOTER = re.compile(r"Page \d+ of \d+")


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def closed_only_lines(version: Path) -> set[str]:
    """Lines of the closed report's closed-only sections (with a digit: a number, a table
    number) that are printed nowhere else in the closed report. Sections follow one another on
    the pages: a section's lines start at its heading, on the page its bookmark names."""
    reader = PdfReader(version / "report-closed.pdf")
    texts = page_texts(version / "report-closed.pdf")
    starts: dict[int, list[str]] = {}
    for item in reader.outline:
        if not isinstance(item, list):
            starts.setdefault(reader.get_destination_page_number(item), []).append(str(item.title))
    lines: dict[bool, set[str]] = {True: set(), False: set()}
    section = ""
    for number, text in enumerate(texts):
        page_lines = [_normal(line) for line in text.splitlines()]
        titles = starts.get(number, [])
        unseen = [title for title in titles if title not in page_lines]
        section = unseen[-1] if unseen else section     # a heading not found: the page starts it
        for line in page_lines:
            if line in titles:
                section = line
            elif len(line) >= 12 and re.search(r"\d", line) and not _PAGE_FOOTER.search(line):
                lines[section in CLOSED_ONLY_SECTIONS].add(line)
    assert lines[True], "the closed report has closed-only sections with numbers"
    return lines[True] - lines[False]


def assert_no_leak(version: Path) -> None:
    assert open_package_leaks(version) == []
    closed_lines = closed_only_lines(version)
    open_text = _normal("\n".join(item.text for item in open_texts(version / "open")))
    leaked = sorted(line for line in closed_lines if line in open_text)
    assert leaked == [], leaked


@pytest.fixture(params=["simulated", "pharmaverse"])
def version(request, simulated_published, pharmaverse_published) -> Path:
    # both runs named as arguments (not looked up by name): the tests then share the worker that
    # holds the session's runs (conftest's xdist group) instead of making them again elsewhere
    return simulated_published[1] if request.param == "simulated" else pharmaverse_published


def test_the_open_package_holds_only_its_own_files(version):
    files = sorted(p.relative_to(version / "open").as_posix() for p in (version / "open").rglob("*")
                   if p.is_file())
    assert {"report-open.pdf", "open-results.json", "open-manifest.json"} <= set(files)
    tables = [f for f in files if f not in ("report-open.pdf", "open-results.json",
                                            "open-manifest.json")]
    assert all(re.fullmatch(r"tables/[^/]+\.csv|tables/rtf/[^/]+\.rtf", f) for f in tables)
    # every open table (not a figure's data) has its RTF twin, and nothing else is RTF
    stems = {Path(f).stem for f in tables if f.endswith(".csv") and not f.startswith("tables/f_")}
    assert {Path(f).stem for f in tables if f.endswith(".rtf")} == stems and stems
    assert not (version / "report-open.pdf").exists() and not (version / "tables" / "open").exists()
    attached = PdfReader(version / "open" / "report-open.pdf").attachments
    assert set(attached) == {"open-results.json", "open-manifest.json"}
    for name, [data] in attached.items():
        assert data == (version / "open" / name).read_bytes()
    closed = PdfReader(version / "report-closed.pdf").attachments
    assert set(closed) == {"results.json", "manifest.json"}


def test_open_results_hold_conduct_and_no_closed_part(version):
    opened = json.loads((version / "open" / "open-results.json").read_text())
    closed = json.loads((version / "results.json").read_text())
    assert {"efficacy", "monitoring", "changes"}.isdisjoint(opened)
    assert {"populations", "accrual", "disposition", "baseline", "data_currency",
            "data_quality"} <= set(opened)
    assert opened["populations"]["enrolled"] == closed["populations"]["enrolled"]
    assert opened["cutoff"] == closed["cutoff"] and opened["version"] == closed["version"]


def test_nothing_closed_reaches_the_open_package(version):
    assert_no_leak(version)
    assert CliRunner().invoke(app, ["verify", str(version)]).exit_code == 0
    # the independent statistician's summary (the simulated cut has one) and page 2 are closed
    open_text = _normal("\n".join(item.text for item in open_texts(version / "open")))
    assert "independent statistician asks" not in open_text and "DSMB at a glance" not in open_text


def test_both_manifests_are_verified(version, tmp_path):
    copy = tmp_path / version.parent.name / version.name
    shutil.copytree(version, copy)
    table = next((copy / "open" / "tables").glob("*.csv"))
    table.write_bytes(table.read_bytes() + b"\n")
    result = CliRunner().invoke(app, ["verify", str(copy)])
    assert result.exit_code == 1
    name = table.relative_to(copy).as_posix()
    assert result.output.count(f"changed: {name} does not match its sha256") == 2   # both manifests


# --- a planted leak is found ----------------------------------------------------------------------

def _closed(version: Path) -> dict:
    return json.loads((version / "results.json").read_text())


def _rewrite_pdf(path: Path, change: Callable[[PdfWriter], None]) -> None:
    writer = PdfWriter(clone_from=path)
    change(writer)
    with open(path, "wb") as fh:
        writer.write(fh)


def plant_results_attachment(copy: Path) -> str:
    data = (copy / "results.json").read_bytes()
    _rewrite_pdf(copy / "open" / "report-open.pdf",
                 lambda w: w.add_attachment("results.json", data))
    return "embeds results.json"


def plant_closed_hash_in_a_table(copy: Path) -> str:
    manifest = json.loads((copy / "manifest.json").read_text())
    digest = next(d for p, d in manifest["files"].items() if "14_2" in p)
    table = next((copy / "open" / "tables").glob("*.csv"))
    table.write_text(table.read_text() + f"note,{digest}\n")
    return "sha256"


def plant_closed_table(copy: Path) -> str:
    shutil.copyfile(copy / "tables" / "t_14_2_2_response_rates.csv",
                    copy / "open" / "tables" / "t_14_2_2_response_rates.csv")
    return "t_14_2_2_response_rates.csv is not the data of a table"


def plant_closed_rtf_table(copy: Path) -> str:
    shutil.copyfile(copy / "tables" / "rtf" / "t_14_2_2_response_rates.rtf",
                    copy / "open" / "tables" / "rtf" / "t_14_2_2_response_rates.rtf")
    return "t_14_2_2_response_rates.rtf is not the data of a table"


def plant_closed_result_in_an_rtf_table(copy: Path) -> str:
    """The printed ORR in a cell of an open RTF table, as the RTF writer escapes text."""
    orr = _closed(copy)["efficacy"]["orr"]
    table = next((copy / "open" / "tables" / "rtf").glob("*.rtf"))
    cell = rtf_text(f"ORR {fmt.rate_ci(orr['rate'], orr['ci_low'], orr['ci_high'])} \u2265")
    table.write_bytes(table.read_bytes().replace(b"\\cell", f"{cell}\\cell".encode(), 1))
    return "closed result"


def plant_orr_in_open_results(copy: Path) -> str:
    path = copy / "open" / "open-results.json"
    opened = json.loads(path.read_text())
    opened["populations"]["orr"] = _closed(copy)["efficacy"]["orr"]
    path.write_text(json.dumps(opened))
    return "closed key 'orr'"


def plant_verdict_in_metadata(copy: Path) -> str:
    verdict = _closed(copy)["monitoring"]["simon"]["stage1"]["verdict"]
    _rewrite_pdf(copy / "open" / "report-open.pdf",
                 lambda w: w.add_metadata({"/Keywords": f"Simon stage 1: {verdict}"}))
    return "verdict"


def plant_closed_page(copy: Path) -> str:
    """The closed report's page with the response rates appended to the open report."""
    orr = _closed(copy)["efficacy"]["orr"]
    printed = fmt.rate_ci(orr["rate"], orr["ci_low"], orr["ci_high"])
    closed = PdfReader(copy / "report-closed.pdf")
    page = next(i for i, text in enumerate(page_texts(copy / "report-closed.pdf"))
                if printed in _normal(text))
    _rewrite_pdf(copy / "open" / "report-open.pdf", lambda w: w.add_page(closed.pages[page]))
    return "closed result"


def plant_bookmark(copy: Path) -> str:
    orr = _closed(copy)["efficacy"]["orr"]
    printed = fmt.rate_ci(orr["rate"], orr["ci_low"], orr["ci_high"])
    _rewrite_pdf(copy / "open" / "report-open.pdf",
                 lambda w: w.add_outline_item(f"ORR {printed}", 0))
    return "bookmarks: closed result"


@pytest.mark.parametrize("plant", [plant_results_attachment, plant_closed_hash_in_a_table,
                                   plant_closed_table, plant_closed_rtf_table,
                                   plant_closed_result_in_an_rtf_table, plant_orr_in_open_results,
                                   plant_verdict_in_metadata, plant_closed_page, plant_bookmark])
def test_a_planted_leak_makes_the_leak_test_fail(simulated_published, tmp_path, plant):
    version = simulated_published[1]
    copy = tmp_path / version.parent.name / version.name
    shutil.copytree(version, copy)
    expected = plant(copy)
    leaks = open_package_leaks(copy)
    assert any(expected in leak for leak in leaks), leaks
    with pytest.raises(AssertionError):
        assert_no_leak(copy)
    result = CliRunner().invoke(app, ["verify", str(copy)])
    assert result.exit_code == 1 and "open/closed boundary" in result.output

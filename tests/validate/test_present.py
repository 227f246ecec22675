"""findings_frame / findings_table / raise_on_errors, and validation of a real read cut."""
from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from tasks.errors import ValidationFailed
from tasks.ingest import apply_cutoff, read_cut
from tasks.model import Finding
from tasks.validate import findings_frame, findings_table, raise_on_errors, validate_cut
from tasks.validate.present import FINDING_HEADERS, findings_rows, findings_title, print_table

PILOT = Path("/work/shared/reference/pharmaverse/sdtm")

FINDINGS = [
    Finding("warning", "AE.AETOXGR missing", "no grade", file="ae.csv", row=3, usubjid="S-1",
            column="AETOXGR", value=""),
    Finding("error", "LB.LBSTRESN numeric", "not a number", file="lb.csv", row=9, usubjid="S-2",
            column="LBSTRESN", value="[bold]x[/bold]"),
    Finding("error", "AE.AESTDTC ISO 8601", "bad date", file="ae.csv", row=7, usubjid="S-1",
            column="AESTDTC", value="2026-02-30"),
    Finding("error", "AE.AETERM present", "missing column", file="ae.csv", column="AETERM"),
]


def test_findings_frame_sorted_by_severity_file_row():
    frame = findings_frame(FINDINGS)
    assert (list(frame.columns)
            == ["severity", "rule", "file", "row", "usubjid", "column", "value", "message"])
    assert frame[["severity", "file", "row"]].astype(object).where(frame.notna(),
                                                                   None).values.tolist() == [
        ["error", "ae.csv", None], ["error", "ae.csv", 7], ["error", "lb.csv", 9],
        ["warning", "ae.csv", 3]]
    assert str(frame["row"].dtype) == "Int64"


def test_findings_frame_of_nothing_has_the_columns():
    assert findings_frame([]).shape == (0, 8)


def test_findings_table_prints_data_as_plain_text():
    console = Console(record=True, width=200)
    console.print(findings_table(FINDINGS))
    text = console.export_text()
    assert "3 error(s), 1 warning(s)" in text
    assert "[bold]x[/bold]" in text      # markup in the data is shown, not interpreted
    assert text.index("AESTDTC") < text.index("LBSTRESN") < text.index("no grade")


LONG = Finding("error", "AE.AETERM present", "a message " * 30 + "end", file="ae.csv", row=2,
               usubjid="S-3", column="AETERM", value="tab\there \x1b[31mred")


def test_plain_table_off_a_terminal_is_one_line_per_finding():
    """A pipe or a file gets tab-separated lines, nothing wrapped at 80 columns, and the data's
    markup and control characters as text."""
    out = io.StringIO()
    findings = [*FINDINGS, LONG]
    print_table(Console(file=out, width=80), findings_title(findings), FINDING_HEADERS,
                findings_rows(findings))
    lines = out.getvalue().splitlines()
    assert lines[0] == "4 error(s), 1 warning(s)"
    assert lines[1] == "\t".join(FINDING_HEADERS)
    assert len(lines) == 2 + len(findings)
    assert lines[2].split("\t") == ["error", "ae.csv", "", "", "AETERM", "AE.AETERM present", "",
                                    "missing column"]
    long = next(line for line in lines if "S-3" in line)
    assert long.endswith("a message end") and len(long) > 300
    assert long.split("\t")[6] == "tab\\x09here \\x1b[31mred"       # escaped, one cell
    assert "[bold]x[/bold]" in out.getvalue() and "\x1b" not in out.getvalue()


def test_rich_table_on_a_terminal():
    out = io.StringIO()
    print_table(Console(file=out, width=120, force_terminal=True), "t", ("A", "B"), [("1", "2")])
    assert "│ 1 │ 2 │" in out.getvalue() and "\t" not in out.getvalue()


def test_raise_on_errors_holds_every_finding():
    with pytest.raises(ValidationFailed) as caught:
        raise_on_errors(FINDINGS)
    assert caught.value.findings == FINDINGS and "3 error(s)" in str(caught.value)
    raise_on_errors([FINDINGS[0]])   # warnings only: goes on


@pytest.mark.skipif(not PILOT.exists(), reason="pharmaverse reference data not on this machine")
def test_cdisc_pilot_cut_has_no_errors(tmp_path, cfg, source):
    """Public SDTM nobody here wrote (pharmaverse CDISC pilot) reads, cuts and validates clean."""
    folder = tmp_path / "2020-01-01"
    folder.mkdir()
    for name in ("dm.csv", "ds.csv", "ex.csv", "ae.csv", "suppae.csv", "lb.csv.gz", "sv.csv"):
        shutil.copy(PILOT / name, folder / name)
    for domain in ("rs", "tu", "tr"):
        shutil.copy(PILOT / f"{domain}_onco_recist.csv", folder / f"{domain}.csv")
    (folder / "_READY").touch()
    study = cfg.study.model_copy(update={"arms": (), "components": ()})
    response = cfg.response.model_copy(update={"reference_date": "RANDDT"})
    pilot_cfg = cfg.model_copy(update={"study": study, "response": response})
    cut = read_cut(str(folder), date(2020, 1, 1), pilot_cfg, source, require_ready=True)
    result = apply_cutoff(cut, pilot_cfg)
    findings = validate_cut(result.cut, pilot_cfg)
    assert [f for f in findings if f.severity == "error"] == []
    assert len(cut["lb"]) == 59580 and result.removed.empty
    rules = {f.rule for f in findings}
    assert {"AE.AETOXGR present", "cutoff: TU.TUDTC present"} <= rules

"""The bad-input corpus (tests/data/bad_cuts/, one fault per cut): `interim validate` and
`interim run` exit 1 naming the file and the column, publish nothing and leave the input as it
was; faults that are warnings by design pass with the finding listed; HTML in free text reaches
the report as text, never as markup."""
from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "data" / "bad_cuts"
runner = CliRunner()


def _load_corpus_script():
    spec = importlib.util.spec_from_file_location("make_bad_cuts", CORPUS / "make_bad_cuts.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus_script()
CUTOFF = corpus.CUTOFF.isoformat()
ERRORS = [f for f in corpus.FAULTS if f.severity == "error"]


def _param(fault):
    return pytest.param(fault, id=fault.name)


def _root_of(fault, tmp_path: Path) -> Path:
    """The data-cut root holding the fault's cut (the 10 MB one is generated, not committed)."""
    if fault.committed:
        return CORPUS / fault.name
    corpus.write_cut_of(fault, tmp_path / "cuts")
    return tmp_path / "cuts"


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _flat(text: str) -> str:
    """Output as one line: a rich table may wrap a long cell."""
    return re.sub(r"\s+", " ", text)


def _handled(result) -> None:
    """The CLI itself reported the problem (typer.Exit), nothing escaped it."""
    assert (result.exception is None
            or isinstance(result.exception, SystemExit)), repr(result.exception)


def _names_file_and_column(output: str, fault) -> None:
    flat = _flat(output)
    assert fault.file in flat, f"the message does not name {fault.file}:\n{output}"
    if fault.column:
        assert re.search(rf"\b{fault.column}\b",
                         flat), f"the message does not name {fault.column}:\n{output}"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """Findings print as a rich table: wide enough that no cell wraps mid-word."""
    monkeypatch.setenv("COLUMNS", "400")



def test_corpus_holds_at_least_25_single_fault_cuts():
    assert len(corpus.FAULTS) >= 25
    assert len({f.name for f in corpus.FAULTS}) == len(corpus.FAULTS)
    assert sum(f.severity == "error" for f in corpus.FAULTS) >= 25


def test_committed_corpus_is_what_the_script_writes(tmp_path):
    corpus.main(tmp_path)
    assert _hashes(tmp_path) == {k: v for k, v in _hashes(CORPUS).items()
                                 if "/" in k and not k.startswith("__pycache__/")
                                 and not k.startswith("make_bad_cuts")}


def test_the_base_cut_is_clean(tmp_path):
    folder = corpus.write_base(tmp_path)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.stdout


@pytest.mark.parametrize("fault", [_param(f) for f in corpus.FAULTS])
def test_validate(fault, tmp_path):
    root = _root_of(fault, tmp_path)
    before = _hashes(root)
    result = runner.invoke(app, ["validate", str(root / CUTOFF)])
    assert _hashes(root) == before, "validate changed its input"
    _handled(result)
    assert "Traceback" not in result.output, result.output
    if fault.severity == "error":
        assert result.exit_code == 1, result.output
        _names_file_and_column(result.stderr, fault)
    elif fault.severity == "warning":
        assert result.exit_code == 0, result.output
        assert "0 error(s), 1 warning(s)" in result.stdout
        _names_file_and_column(result.stderr, fault)
        assert "warning" in result.stderr
    else:
        assert result.exit_code == 0, result.output
        assert "0 error(s), 0 warning(s)" in result.stdout


def test_control_characters_of_the_data_do_not_reach_the_terminal():
    """AETERM 'Rash<ESC>[31m<BEL>' must be shown escaped, not turn the user's terminal red."""
    result = runner.invoke(app, ["validate", str(CORPUS / "control_characters" / CUTOFF)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output


@pytest.mark.parametrize("fault", [_param(f) for f in ERRORS])
def test_run_stops_before_publishing(fault, tmp_path, prefect_harness):
    root = _root_of(fault, tmp_path)
    reports = tmp_path / "reports"
    before = _hashes(root)
    result = runner.invoke(app, ["run", "--cutoff", CUTOFF, "--source", str(root),
                                 "--reports", str(reports), "--reason", "bad-input test"])
    assert result.exit_code == 1, result.output
    _handled(result)
    _names_file_and_column(result.stderr, fault)
    assert _hashes(root) == before, "run changed its input"
    left = [p.relative_to(reports).as_posix()
            for p in reports.rglob("*")] if reports.exists() else []
    assert not [p for p in left if re.search(r"(^|/)(v\d+|\.staging-[^/]*)$", p)], left


def test_run_of_a_bad_cut_prints_one_clear_message(tmp_path, prefect_harness):
    """As a user sees it (a separate process, here on the session's Prefect API): exit 1, the
    finding, no traceback, nothing on stdout."""
    from prefect.settings import PREFECT_API_URL

    fault = corpus.BY_NAME["duplicate_key"]
    env = {**os.environ, "COLUMNS": "400", "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    process = subprocess.run(
        [str(Path(sys.executable).with_name("interim")), "run", "--cutoff", CUTOFF, "--source",
         str(CORPUS / fault.name), "--reports", str(tmp_path / "reports")],
        capture_output=True, text=True, timeout=180, env=env)
    assert process.returncode == 1, process.stderr
    _names_file_and_column(process.stderr, fault)
    assert "Traceback" not in process.stderr, process.stderr
    assert process.stdout.strip() == ""
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("v*"))


def test_html_in_free_text_is_printed_as_text(tmp_path, prefect_harness, monkeypatch):
    """The AE term '<b>Rash</b> <script>...' passes validation and reaches the PDF escaped."""
    import flows.steps as steps
    from tasks.report.render import render_html

    pages: dict[str, str] = {}
    real_render = steps.render_pdfs

    def keep(jobs):      # the HTML each PDF is laid out from (the PDFs render in workers)
        pages.update({job.document.kind: render_html(job.document) for job in jobs})
        real_render(jobs)
    monkeypatch.setattr(steps, "render_pdfs", keep)
    root = tmp_path / "cuts"
    shutil.copytree(CORPUS / "html_in_free_text", root)
    result = runner.invoke(app, ["run", "--cutoff", CUTOFF, "--source", str(root),
                                 "--reports", str(tmp_path / "reports"), "--reason", "HTML test"])
    assert result.exit_code == 0, result.output
    version = Path(result.stdout.strip().splitlines()[-1])
    closed = pages["closed"]
    assert "&lt;b&gt;Rash&lt;/b&gt;" in closed and "&lt;script&gt;alert(" in closed
    assert "<script" not in closed and "<img src=x" not in closed and "<b>Rash" not in closed
    tables = "".join(p.read_text() for p in (version / "tables").glob("*.csv"))
    assert "<script>alert(" in tables, "the tables keep the term as it was written"
    if shutil.which("pdftotext"):       # poppler-utils: on this image, not required by make
        text = subprocess.run(["pdftotext", str(version / "report-closed.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "<script>" in text and "<b>Rash</b>" in _flat(text)

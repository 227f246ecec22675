"""Small report documents with every block kind, shared by the renderer's tests, and the demo
trial's cut analysed in-process with its two report documents."""
from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from tasks.adam.build import build_adam
from tasks.analysis.assemble import analyse
from tasks.config import load_settings
from tasks.ingest.cutoff import apply_cutoff
from tasks.model import Figure, Paragraph, Section, Table
from tasks.publish.snapshot import record_snapshot
from tasks.report.document import ReportDocument
from tasks.report.documents import add_provenance, report_documents
from tasks.report.svg import new_figure, to_svg
from tasks.simulate import simulate_cut

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from cutkit import make_cut  # noqa: E402

DEMO_CUTOFF = date(2026, 10, 31)
CODE = {"package_version": "0.1.0", "git_commit": None}

GENERATED_AT = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
ATTACHMENTS = {"manifest.json": b'{"study": "TQB2868-HAIC-201", "version": 2}',
               "results.json": b'{"cutoff": "2025-05-31", "populations": {"enrolled": 29}}'}


def sample_table(number: str, rows: int, columns: int, **kwargs) -> Table:
    """n (%) of 29 per cohort, one row per term (`rows` of them, `columns` cohorts)."""
    display = pd.DataFrame(
        {"Preferred term": [f"Term {k}" for k in range(rows)],
         **{f"Cohort {c}\n(N=29)": [f"{k} ({100 * k / 29:.1f})" for k in range(rows)]
            for c in range(columns)}})
    return Table(id="t_" + number.replace(".", "_"), number=number,
                 title=f"Adverse events {number}", population="Safety population (N = 29)",
                 data=display, display=display,
                 footnotes=["n (%) of subjects with at least one event."], source="ADSL, ADAE",
                 **kwargs)


def _figure() -> Figure:
    fig, ax = new_figure(12, 6)
    ax.step([0, 2, 4, 6], [1.0, 0.8, 0.6, 0.5], where="post")
    return Figure(id="f_14_2_1_km_os", number="14.2.1", title="Kaplan-Meier estimate of OS",
                  svg=to_svg(fig), data=pd.DataFrame({"t": [0, 2, 4, 6]}), source="ADTTE")


def sample_document(kind: str = "closed", generated_at: datetime = GENERATED_AT) -> ReportDocument:
    """About 8 pages: verdict paragraphs, a portrait table, a landscape table with a spanning
    header, a CSV-only listing and a figure."""
    listing = sample_table("16.2.1", 250, 1, csv_only=True)
    sections = [
        Section("decision", "Decision summary", [
            Paragraph("Simon stage 1: 4 responses in 13 evaluable; continue if > 3: CONTINUE",
                      "verdict"),
            Paragraph("Information fraction 0.45.", "note")]),
        Section("safety", "Safety", [
            sample_table("14.3.1", 70, 2),
            sample_table("14.3.2", 20, 8, landscape=True,
                         header_groups=[("", 1), ("Dose level", 8)]),
            listing,
            _figure()]),
        Section("methods", "Methods", [Paragraph("TEAE window: last dose + 30 days.")]),
    ]
    return ReportDocument(
        study_id="TQB2868-HAIC-201", study_title="HAIC + TQB2868 + ramucirumab in advanced HCC",
        cutoff=date(2025, 5, 31), version=2, status="DRAFT", reason="scheduled monthly cut",
        generated_at=generated_at, kind=kind, sections=sections, software=["interim 0.1.0"])


@pytest.fixture
def document() -> ReportDocument:
    return sample_document()


@pytest.fixture(scope="session")
def make_table():
    """sample_table itself, for tests of one table."""
    return sample_table


@pytest.fixture(scope="session")
def make_document():
    """sample_document itself, for tests that need another kind or generation time."""
    return sample_document


@pytest.fixture(scope="session")
def run():
    """The demo cut (32 subjects, seed 20261) analysed in-process (simulate -> cutoff -> ADaM ->
    analyse -> provenance, no Prefect), and its two report documents."""
    settings = load_settings()
    cfg = settings.analysis
    frames = simulate_cut(cfg, settings.simulation, DEMO_CUTOFF, 32, 20261, "clean")
    cut = apply_cutoff(make_cut(frames, DEMO_CUTOFF), cfg)
    analysis = analyse(build_adam(cut.cut, cfg), cut, [], cfg, None, record_snapshot(cut.cut))
    add_provenance(analysis, cut.cut, cfg, {"code": CODE, "flow_run_id": "local",
                                            "parameters": {"cutoff": "2026-10-31"}}, None)
    documents = report_documents(analysis, cfg, DEMO_CUTOFF, 1, False, None,
                                 datetime(2026, 11, 1, tzinfo=UTC), CODE, None)
    return analysis, documents

"""The two ReportDocuments of a version (closed and open session) and the provenance section
they end with, assembled from the analysis and the run's facts."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from tasks.analysis.methods import Provenance
from tasks.config import TrialConfig
from tasks.model import Cut, Profile, Section
from tasks.report.document import ReportDocument
from tasks.report.glance import glance
from tasks.report.narrative import parse_narrative

if TYPE_CHECKING:       # not imported at run time: the flow imports this module before analysing
    from tasks.analysis.assemble import Analysis

MANUAL_REASON = "manually triggered interim analysis"


def code_label(code: dict[str, Any]) -> str:
    """'interim 0.1.0, git 1a2b3c4d5e6f (modified)' from the manifest's code version."""
    commit = code.get("git_commit")
    state = f"git {commit[:12]}{' (modified)' if code.get('dirty') else ''}" if commit else "no git"
    return f"interim {code.get('package_version')}, {state}"


def add_provenance(analysis: Analysis, cut: Cut, cfg: TrialConfig, manifest_extra: dict[str, Any],
                   previous_manifest_sha256: str | None) -> None:
    """The provenance section of both reports (it needs the reserved version's chain link)."""
    analysis.add_provenance(Provenance(
        files=list(cut.files.values()), config_digest=cfg.digest(),
        code_version=code_label(manifest_extra["code"]), flow_run_id=manifest_extra["flow_run_id"],
        parameters={k: str(v) for k, v in manifest_extra["parameters"].items()},
        previous_manifest_sha256=previous_manifest_sha256))


def _printed(sections: list[Section]) -> list[Section]:
    """The sections without the profiles left out of the PDF (report.max_profiles_in_pdf): those
    are in the version's figures/ and tables/ only, and a document is what is printed."""
    return [Section(s.key, s.title, [b for b in s.blocks
                                     if not (isinstance(b, Profile) and not b.in_pdf)])
            for s in sections]


def report_documents(analysis: Analysis, cfg: TrialConfig, cutoff: date, version: int, final: bool,
                     reason: str | None, generated_at: datetime, code: dict[str, Any],
                     narrative: str | None) -> dict[str, ReportDocument]:
    """{"closed": ..., "open": ...}: every value final, the renderer only lays them out. The
    closed report opens with the DSMB-at-a-glance page and the independent statistician's
    summary `narrative` (Markdown text; None when none was supplied)."""
    page = glance(analysis.results, cfg, None if narrative is None else parse_narrative(narrative))
    kinds: tuple[tuple[Literal["closed", "open"], list[Section]], ...] = (
        ("closed", analysis.closed), ("open", analysis.open))
    return {kind: ReportDocument(
        study_id=cfg.study.id, study_title=cfg.study.title, cutoff=cutoff, version=version,
        status="FINAL" if final else "DRAFT", reason=reason or MANUAL_REASON,
        generated_at=generated_at, kind=kind, sections=_printed(sections),
        software=[code_label(code)], glance=page if kind == "closed" else None)
        for kind, sections in kinds}

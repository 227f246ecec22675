"""The interim-analysis flow: ingest -> validate -> derive -> analyse -> render -> publish."""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from flows import steps
from tasks.analysis.assemble import AnalysisOutput
from tasks.analysis.methods import Provenance
from tasks.config import PROJECT_ROOT, TrialConfig, load_config
from tasks.model import Adam, CutoffResult, Finding
from tasks.publish.contents import closed_attachments, open_attachments
from tasks.publish.layout import report_path
from tasks.publish.manifest import provenance
from tasks.publish.versions import Reservation, previous_cut_version
from tasks.report.document import ReportDocument
from tasks.report.headline import headline_markdown

MANUAL_REASON = "manually triggered interim analysis"


def cut_location(source_root: str, cutoff: date) -> str:
    """ROOT/YYYY-MM-DD for a local folder or an fsspec URL."""
    return f"{source_root.rstrip('/')}/{cutoff.isoformat()}"


def resolve_path(path: str) -> Path:
    """Relative roots in the config are relative to the project folder."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else PROJECT_ROOT / candidate


def code_label(code: dict) -> str:
    commit = code.get("git_commit")
    state = f"git {commit[:12]}{' (modified)' if code.get('dirty') else ''}" if commit else "no git"
    return f"interim {code.get('package_version')}, {state}"


@flow(name="ingest")
def ingest(location: str, cutoff: date, cfg: TrialConfig,
           require_ready: bool) -> tuple[CutoffResult, list[Finding]]:
    cut = steps.pull_cut(location, cutoff, cfg, require_ready)
    findings = steps.validate(cut, cfg)           # raises with every error; nothing published
    return steps.cut_at_cutoff(cut, cfg), findings


def render_and_publish(reservation: Reservation, cfg: TrialConfig, adam: Adam, output: AnalysisOutput,
                       findings: list[Finding], records: pd.DataFrame, manifest_extra: dict, reason: str,
                       run_time: datetime) -> Path:
    """Everything is written into the reserved staging folder, then published in one rename;
    any failure leaves no version folder behind. Tasks, not a subflow: a subflow's parameters
    are sent to the Prefect API, and these are DataFrames."""
    with reservation:
        steps.write_version_contents(reservation, adam, output, findings, records)
        # Each PDF carries what it was made from: the closed one results.json and the manifest of
        # the inputs and of every other file; the open one only the open package's own two files.
        attachments = {
            "closed": closed_attachments(reservation.path, manifest_extra, reservation.cutoff.isoformat(),
                                         reservation.version),
            "open": open_attachments(reservation.path),
        }
        for kind in ("closed", "open"):
            document = ReportDocument(
                study_id=cfg.study.id, study_title=cfg.study.title, cutoff=reservation.cutoff,
                version=reservation.version, status="FINAL" if reservation.final else "DRAFT",
                reason=reason, generated_at=run_time, kind=kind,
                sections=output.closed if kind == "closed" else output.open,
                software=[code_label(manifest_extra["code"])])
            steps.render(document, report_path(reservation.path, kind), attachments[kind], cfg.report.pdfa)
        return steps.publish(reservation, manifest_extra)


@flow(name="interim-analysis", log_prints=True)
def interim_analysis(cutoff: date, reason: str | None = None, final: bool = False,
                     source: str | None = None, config_file: str | None = None,
                     reports: str | None = None, require_ready: bool = False) -> str:
    """Analyse the data cut of `cutoff` and publish a new report version; returns its folder.
    `reason` is required for another version after a final one; without it the title page says
    the run was manually triggered."""
    run_time = datetime.now(timezone.utc).replace(microsecond=0)
    cfg = load_config(config_file)
    location = cut_location(source or str(resolve_path(cfg.source.root)), cutoff)
    reports_root = resolve_path(reports or cfg.reports.root)
    parameters = {"cutoff": cutoff.isoformat(), "reason": reason, "final": final,
                  "source": location, "config_file": config_file, "reports": str(reports_root)}

    cutoff_result, findings = ingest(location, cutoff, cfg, require_ready)
    cut = cutoff_result.cut
    records = steps.snapshot(cut)
    adam = steps.load_derived_adam(steps.derive_adam(cut, cfg), cut, cfg)   # cached by input hashes
    output = steps.analyse_cut(adam, cutoff_result, findings, cfg,
                               previous_cut_version(reports_root, cutoff), records)
    manifest_extra = provenance(cut, cfg, parameters, str(flow_run.id or "local"), run_time)
    reservation = steps.reserve(reports_root, cutoff, final, reason)
    output.add_provenance(Provenance(
        files=list(cut.files.values()), config_digest=cfg.digest(),
        code_version=code_label(manifest_extra["code"]), flow_run_id=manifest_extra["flow_run_id"],
        parameters={k: str(v) for k, v in parameters.items()},
        previous_manifest_sha256=(reservation.previous or {}).get("manifest_sha256")))
    published = render_and_publish(reservation, cfg, adam, output, findings, records,
                                   manifest_extra, reason or MANUAL_REASON, run_time)
    create_markdown_artifact(key="interim-report", markdown=headline_markdown(output.results, published),
                             description=f"Interim analysis {cutoff.isoformat()}")
    return str(published)

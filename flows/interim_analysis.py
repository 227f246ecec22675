"""The interim-analysis flow: ingest -> validate -> derive -> analyse -> render -> publish (the
whole DAG on one screen; every step is a thin task over a plain function of tasks/)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run
from prefect.utilities.annotations import opaque

from flows import steps
from tasks.analysis.reads import analysed_part
from tasks.config import TrialConfig, load_settings
from tasks.memory import release_unused_memory
from tasks.model import CutoffResult, Finding
from tasks.operation import Source, local_or_url
from tasks.publish.manifest import provenance
from tasks.report.documents import add_provenance, report_documents
from tasks.report.headline import headline_markdown
from tasks.report.renderers import start_renderers


def cut_location(source_root: str, cutoff: date) -> str:
    """ROOT/YYYY-MM-DD for a local folder or an fsspec URL."""
    return f"{source_root.rstrip('/')}/{cutoff.isoformat()}"


@flow(name="ingest")
def ingest(location: str, cutoff: date, cfg: TrialConfig, source: Source,
           require_ready: bool) -> tuple[CutoffResult, list[Finding]]:
    cut = steps.pull_cut(location, cutoff, cfg, source, require_ready)
    findings = steps.validate(cut, cfg)           # raises with every error; nothing published
    return steps.cut_at_cutoff(cut, cfg), findings


@flow(name="interim-analysis", log_prints=True)
def interim_analysis(cutoff: date, reason: str | None = None, final: bool = False,
                     source: str | None = None, config_file: str | None = None,
                     reports: str | None = None, require_ready: bool = False,
                     narrative: str | None = None) -> str:
    """Analyse the data cut of `cutoff` and publish a new report version; returns its folder.
    `reason` is required for another version after a final one; without it the title page says
    the run was manually triggered. `narrative`: the independent statistician's summary
    (Markdown file; default: narrative.md in the cut folder when there)."""
    run_time = datetime.now(UTC).replace(microsecond=0)
    start_renderers()      # the PDF workers import WeasyPrint while the cut is read and analysed
    settings = load_settings(config_file)
    cfg, operation = settings.analysis, settings.operation
    location = cut_location(local_or_url(source or operation.source.root), cutoff)
    reports_root = Path(local_or_url(reports or operation.reports.root))
    parameters = {"cutoff": cutoff.isoformat(), "reason": reason, "final": final,
                  "source": location, "config_file": config_file, "reports": str(reports_root),
                  "narrative": narrative}

    cutoff_result, findings = ingest(location, cutoff, cfg, operation.source, require_ready)
    cut = cutoff_result.cut
    summary = steps.statistician_summary(location, operation.source, narrative)   # closed, no input
    # the snapshot (Arrow kernels and hashlib) runs in a thread beside the derivations: at 5,000
    # subjects both took the derivations' time (files in the cache, kept per cut and config). It
    # reads a view of the cut, whose frames it holds while the derivation lets them go.
    records_file = steps.snapshot.submit(cut.view(), cfg)
    adam = steps.derive(cut, cfg)
    records = records_file.result()
    cutoff_result = analysed_part(cutoff_result)  # SDTM frames in ADaM now are let go
    cut = cutoff_result.cut
    release_unused_memory()
    analysis = steps.analyse_cut(adam, records, cutoff_result, findings, cfg, reports_root)
    manifest_extra = provenance(cut, cfg, operation, parameters, str(flow_run.id or "local"),
                                run_time)
    # Everything is written into the reserved staging folder, then published in one rename; any
    # failure leaves no version folder behind.
    with steps.reserve(reports_root, cutoff, final, reason) as reservation:
        add_provenance(analysis, cut, cfg, manifest_extra,
                       (reservation.previous or {}).get("manifest_sha256"))
        documents = report_documents(analysis, cfg, cutoff, reservation.version, final, reason,
                                     run_time, manifest_extra["code"], summary)
        # opaque: Prefect would look for futures through every table of the analysis (1 s at
        # 5,000 subjects), every block of the documents and every entry of the contents (21,000
        # files, 0.5 s at 20,000 subjects), which hold none; the tasks receive them as they are
        steps.lay_out_reports(opaque(documents),  # type: ignore[call-overload]
                              cfg.report.pdfa)    # pages laid out while files are written
        steps.write_version_contents(reservation, adam, opaque(analysis),  # type: ignore[call-overload]
                                     findings, records)
        contents = steps.render_reports(reservation, opaque(documents),  # type: ignore[call-overload]
                                        manifest_extra, cfg.report.pdfa)
        published = steps.publish(reservation, manifest_extra,
                                  opaque(contents))  # type: ignore[call-overload]
    create_markdown_artifact(key="interim-report",
                             markdown=headline_markdown(analysis.results, published),
                             description=f"Interim analysis {cutoff.isoformat()}")
    return str(published)

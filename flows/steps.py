"""Prefect tasks: each a thin wrapper over one plain function of tasks/ (no logic here)."""
from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext

import tasks
from tasks.adam.build import LATE_DOMAINS, adam_datasets, load_adam, save_adam
from tasks.analysis.reads import ADLB_VARIABLES, CUT_DOMAINS
from tasks.cache import cache_folder, cached_file, cached_value, is_complete
from tasks.config import TrialConfig
from tasks.errors import InterimError
from tasks.ingest.cutoff import apply_cutoff, require_subjects
from tasks.ingest.narrative import read_narrative
from tasks.ingest.read import read_cut
from tasks.model import Cut, CutoffResult, Finding
from tasks.operation import Source
from tasks.publish.canonical import sha256_file
from tasks.publish.contents import closed_attachments, open_attachments, write_contents
from tasks.publish.layout import MANIFEST_NAME, report_path
from tasks.publish.manifest import file_hashes
from tasks.publish.previous import read_previous_cut
from tasks.publish.snapshot import SNAPSHOT_PATH, read_snapshot, write_snapshot
from tasks.publish.versions import Reservation, previous_cut_version, reserve_version
from tasks.report.document import ReportDocument
from tasks.report.renderers import PdfJob, lay_out, render_pdfs
from tasks.validate import raise_on_errors, validate_cut

if TYPE_CHECKING:       # imported by analyse_cut when the analysis starts (see there)
    from tasks.analysis.assemble import Analysis

P = ParamSpec("P")
R = TypeVar("R")


def thin(name: str) -> Callable[[Callable[P, R]], Task[P, R]]:
    """A task named `name` that neither caches nor keeps its result. Inputs are large
    DataFrames: hashing them for Prefect's default cache key would cost more than the work.
    Caching, where it pays, is keyed on the cut's file hashes (see derive_adam)."""
    return task(name=name, cache_policy=NO_CACHE, persist_result=False,
                cache_result_in_memory=False)


@thin(name="pull-cut")
def pull_cut(location: str, cutoff: date, cfg: TrialConfig, source: Source,
             require_ready: bool) -> Cut:
    return read_cut(location, cutoff, cfg, source, require_ready=require_ready)


@thin(name="validate-cut")
def validate(cut: Cut, cfg: TrialConfig) -> list[Finding]:
    """Every finding (the reader's included), kept per cut, reader's findings and day: a date
    after today is an error until that day comes."""
    key = run_key(cut, cfg, [f.as_dict() for f in cut.findings], date.today().isoformat())
    findings = cached_value("validation", key, lambda: validate_cut(cut, cfg))
    raise_on_errors(findings)
    return findings


@thin(name="apply-cutoff")
def cut_at_cutoff(cut: Cut, cfg: TrialConfig) -> CutoffResult:
    """The cut at its cutoff. The frames of `cut` as read are let go: Prefect keeps pull-cut's
    result (this Cut) in the run's first task context, which a client task of the run holds to
    its end (5,000 subjects: 300 MB the analysis could not use)."""
    result = apply_cutoff(cut, cfg)
    require_subjects(result)           # nothing to analyse: stop before anything is reserved
    cut.let_go(list(cut.domains))
    return result


def derivation_cache_key(context: TaskRunContext | None, parameters: dict[str, Any]) -> str:
    """Same input bytes, cutoff, resolved config (with the AESI groups it names) and code: same
    ADaM. A rerun of an unchanged cut for a new version reuses the derivations."""
    cut, cfg = parameters["cut"], parameters["cfg"]
    return hashlib.sha256(json.dumps({
        "inputs": sorted((f.name, f.sha256) for f in cut.files.values()),
        "cutoff": cut.cutoff.isoformat(), "config": cfg.digest(), "aesi": cfg.aesi_groups(),
        "code": source_digest()}, sort_keys=True).encode()).hexdigest()


def run_key(cut: Cut, cfg: TrialConfig, *more: object) -> str:
    """The derivation key and whatever else a cached step depends on."""
    key = derivation_cache_key(None, {"cut": cut, "cfg": cfg})
    return hashlib.sha256(json.dumps([key, *more], sort_keys=True).encode()).hexdigest()


@functools.cache
def source_digest() -> str:
    """sha256 over the functional core's source files (what derivations are made of)."""
    digest, package = hashlib.sha256(), Path(tasks.__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package.parent).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


@task(name="derive-adam", cache_key_fn=derivation_cache_key, persist_result=True,
      cache_expiration=timedelta(days=90))
def derive_adam(cut: Cut, cfg: TrialConfig) -> str:
    """Derive the ADaM and keep them as Parquet under the cache key; Prefect caches the folder's
    path (a small result: the datasets themselves never pass through Prefect's result store).
    The cut's domains are let go as the derivation is done with them, but for those the
    analysis reads (CUT_DOMAINS)."""
    folder = cache_folder("adam", derivation_cache_key(None, {"cut": cut, "cfg": cfg}))
    save_adam(adam_datasets(cut, cfg, keep=CUT_DOMAINS), folder)
    return str(folder)


@thin(name="check-adam")
def derived_adam(folder: str, cut: Cut, cfg: TrialConfig) -> Path:
    """The cache folder of the ADaM; derived again if it was removed since Prefect kept its path
    (derive-adam was cached, so the cut is whole; were it let go, reading it says so)."""
    if not is_complete(Path(folder)):
        save_adam(adam_datasets(cut, cfg, keep=CUT_DOMAINS), Path(folder))
    return Path(folder)


def derive(cut: Cut, cfg: TrialConfig) -> Path:
    """The folder of the ADaM of the cut: derived, or left by an earlier run of the same inputs,
    config and code (the cache stays behind this one call)."""
    return derived_adam(derive_adam(cut, cfg), cut, cfg)


@thin(name="statistician-summary")
def statistician_summary(location: str, source: Source, narrative: str | None) -> str | None:
    return read_narrative(location, source, narrative)


@thin(name="snapshot-records")
def snapshot(cut: Cut, cfg: TrialConfig) -> Path:
    """The record snapshot's file (provenance/records.parquet), made once per cut key. `cut` is
    the flow's view of the cut (Cut.view), each domain let go once hashed, those the derivation
    reads last hashed last; all of it let go when cached: Prefect may keep a task's parameters
    to the end of the run (5,000-subject re-run: 0.2 GB more)."""
    try:
        return cached_file("records", run_key(cut, cfg), SNAPSHOT_PATH,
                           lambda folder: write_snapshot(cut, folder, last=LATE_DOMAINS))
    finally:
        cut.let_go(list(cut.domains))


@thin(name="analyse")
def analyse_cut(adam: Path, records: Path, cutoff: CutoffResult, findings: list[Finding],
                cfg: TrialConfig, reports_root: Path) -> Analysis:
    """Every result and section, kept per cut key, findings and previous version: a re-run of
    an unchanged cut reads them back (and only renders and publishes)."""
    previous = previous_cut_version(reports_root, cutoff.cut.cutoff)
    key = run_key(cutoff.cut, cfg, [f.as_dict() for f in findings],
                  previous and [str(previous), sha256_file(previous / MANIFEST_NAME)])

    def run() -> Analysis:
        # imported now, not with the flow: the analysis modules bring matplotlib and the figure
        # code (31 MB), which need not sit beside the derivation, the peak of a large run
        from tasks.analysis.assemble import analyse
        from tasks.analysis.profile_process import profiles_maker

        datasets = load_adam(adam, {"adlb": ADLB_VARIABLES})
        if datasets is None:        # check-adam left it complete: removed since by someone else
            raise InterimError(f"the ADaM cache folder {adam} was removed during the run; "
                               "run again")
        # the profiles (thousands at large trials) are made beside the rest, on the other core
        with profiles_maker(adam, datasets, cfg, cutoff.cut.cutoff) as make_profiles:
            # the snapshot is read for the comparison with the previous cut only
            return analyse(datasets, cutoff, findings, cfg,
                           read_previous_cut(previous) if previous else None,
                           read_snapshot(records) if previous else None, make_profiles)
    analysis = cached_value("analysis", key, run)
    analysis.key = key
    return analysis


@thin(name="reserve-version")
def reserve(reports_root: Path, cutoff: date, final: bool, reason: str | None) -> Reservation:
    return reserve_version(reports_root, cutoff, final, reason)


@thin(name="write-contents")
def write_version_contents(reservation: Reservation, adam: Path, analysis: Analysis,
                           findings: list[Finding], records: Path) -> None:
    version = reservation.version
    write_contents(reservation.path, adam, analysis.tables("closed"), analysis.tables("open"),
                   analysis.results.published_as(version),
                   analysis.open_results.published_as(version), findings, records, analysis.key)
    reservation.sync_written()


@thin(name="lay-out-reports")
def lay_out_reports(documents: dict[str, ReportDocument], pdfa: bool) -> None:
    """The PDF workers start laying out both reports' pages (render_reports writes them)."""
    lay_out(list(documents.values()), pdfa)


@thin(name="render-reports")
def render_reports(reservation: Reservation, documents: dict[str, ReportDocument],
                   manifest_extra: dict, pdfa: bool) -> dict[str, str]:
    """Both PDFs, each with what it was made from attached: the closed one results.json and the
    manifest of the inputs and of every other file; the open one only its package's two files.
    Returns those files' digests (the version's manifest lists them too)."""
    folder = reservation.path
    contents = file_hashes(folder)
    attachments = {"closed": closed_attachments(folder, contents, manifest_extra,
                                                reservation.cutoff.isoformat(),
                                                reservation.version),
                   "open": open_attachments(folder)}
    render_pdfs([PdfJob(document, report_path(folder, kind), attachments[kind], pdfa)
                 for kind, document in documents.items()])
    return contents


@thin(name="publish-version")
def publish(reservation: Reservation, manifest_extra: dict, contents: dict[str, str]) -> Path:
    return reservation.publish(manifest_extra, hashed=contents)

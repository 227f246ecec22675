"""Prefect tasks: each a thin wrapper over one plain function of tasks/ (no logic here)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.adam.adae import build_adae
from tasks.adam.adex import build_adex
from tasks.adam.adlb import build_adlb
from tasks.adam.adrs import build_adrs
from tasks.adam.adsl import build_adsl
from tasks.adam.adtte import build_adtte
from tasks.adam.recist import build_adtr
from tasks.analysis.assemble import AnalysisOutput, analyse
from tasks.config import TrialConfig
from tasks.errors import ValidationFailed
from tasks.ingest.cutoff import apply_cutoff
from tasks.ingest.read import read_cut
from tasks.model import Adam, Cut, CutoffResult, Finding
from tasks.publish.changes import record_snapshot
from tasks.publish.contents import write_contents
from tasks.publish.versions import Reservation, reserve_version
from tasks.report.document import ReportDocument
from tasks.report.render import render_pdf
from tasks.validate import validate_cut

# Inputs are large DataFrames: hashing them for Prefect's default cache key would cost more
# than the work. Caching, where it pays, is keyed on the cut's file hashes (see derive_adam).
thin = task(cache_policy=NO_CACHE, persist_result=False, cache_result_in_memory=False)


@thin(name="pull-cut")
def pull_cut(location: str, cutoff: date, cfg: TrialConfig, require_ready: bool) -> Cut:
    return read_cut(location, cutoff, cfg, require_ready=require_ready)


@thin(name="validate-cut")
def validate(cut: Cut, cfg: TrialConfig) -> list[Finding]:
    findings = validate_cut(cut, cfg)      # includes the reader's warnings
    if any(f.severity == "error" for f in findings):
        raise ValidationFailed(findings)
    return findings


@thin(name="apply-cutoff")
def cut_at_cutoff(cut: Cut, cfg: TrialConfig) -> CutoffResult:
    return apply_cutoff(cut, cfg)


@thin(name="derive-adam")
def derive_adam(cut: Cut, cfg: TrialConfig) -> Adam:
    adsl = build_adsl(cut, cfg)
    adrs = build_adrs(adsl, cut, cfg)
    return Adam(adsl=adsl, adrs=adrs, adtte=build_adtte(adsl, adrs, cut, cfg),
                adae=build_adae(adsl, cut, cfg), adex=build_adex(adsl, cut, cfg),
                adlb=build_adlb(adsl, cut, cfg), adtr=build_adtr(adsl, cut, cfg))


@thin(name="snapshot-records")
def snapshot(cut: Cut) -> pd.DataFrame:
    return record_snapshot(cut)


@thin(name="analyse")
def analyse_cut(adam: Adam, cutoff: CutoffResult, findings: list[Finding], cfg: TrialConfig,
                previous_dir: Path | None, records: pd.DataFrame) -> AnalysisOutput:
    return analyse(adam, cutoff, findings, cfg, previous_dir, records)


@thin(name="reserve-version")
def reserve(reports_root: Path, cutoff: date, final: bool, reason: str | None) -> Reservation:
    return reserve_version(reports_root, cutoff, final, reason)


@thin(name="write-contents")
def write_version_contents(reservation: Reservation, adam: Adam, output: AnalysisOutput,
                           findings: list[Finding], records: pd.DataFrame) -> None:
    write_contents(reservation.path, adam, output.tables("closed"), output.tables("open"),
                   {**output.results, "version": reservation.version}, findings, records)


@thin(name="render-pdf")
def render(document: ReportDocument, out_path: Path, attachments: dict[str, bytes], pdfa: bool) -> Path:
    render_pdf(document, out_path, attachments=attachments, pdfa=pdfa)
    return out_path


@thin(name="publish-version")
def publish(reservation: Reservation, manifest_extra: dict) -> Path:
    return reservation.publish(manifest_extra)

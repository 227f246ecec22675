"""Read one data cut folder into a Cut: one text frame per domain, sha256 of the bytes read."""
from __future__ import annotations

import hashlib
import re
from datetime import date

import pandas as pd

from tasks.config import TrialConfig
from tasks.errors import BadInputError, CutNotReadyError
from tasks.ingest.parse import FORMATS, file_format, parse_table
from tasks.ingest.source import list_entries, open_folder, read_bytes, with_retries
from tasks.model import OPTIONAL_DOMAINS, REQUIRED_DOMAINS, Cut, Finding, SourceFile
from tasks.operation import Source

# A domain file is named by its lowercase SDTM domain code: two characters, or supp + two.
DOMAIN_NAME = re.compile(r"^(?:supp)?[a-z][a-z0-9]$")
CUT_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read_cut(location: str, cutoff: date, cfg: TrialConfig, source: Source, *,
             require_ready: bool) -> Cut:
    """Read every domain file of the cut folder `location` (local path or fsspec URL), text in
    source.encoding, read errors retried as `source` says.

    Without the ready marker: CutNotReadyError if `require_ready`, else a warning in
    `Cut.findings`. A missing folder, a missing required domain, two files for one domain or a
    file that cannot be read as a table: an error naming what is missing or which file is wrong.
    The input is only read, never changed."""
    folder = open_folder(location)
    try:
        entries = list_entries(folder, source)
    except FileNotFoundError:
        raise CutNotReadyError(f"data cut not found: {location} (no such folder)") from None
    findings: list[Finding] = []
    marker = source.ready_marker
    ready = marker in entries
    if not ready:
        if require_ready:
            raise CutNotReadyError(f"{location}: no {marker} marker: the cut is not complete "
                                   "(or still being written) and is not read")
        findings.append(Finding(
            "warning", "cut: ready marker", f"{location} has no {marker} marker: the cut may be "
            "incomplete; read anyway (manual run)", file=marker))
    # the statistician's summary is no domain and no input of the analysis (tasks.ingest.narrative)
    files, ignored = _domain_files({k: v for k, v in entries.items() if k != source.narrative_file},
                                   marker, location)
    findings += ignored
    _require_domains(files, location, ready, marker)
    findings += _folder_date(location, cutoff)

    domains: dict[str, pd.DataFrame] = {}
    sources: dict[str, SourceFile] = {}
    for domain, name in files.items():
        data = read_bytes(folder, name, source)
        frame = parse_table(data, name, cfg.validation.max_line_bytes, source.encoding)
        _check_domain_column(frame, domain, name)
        domains[domain] = frame
        sources[domain] = SourceFile(domain=domain, name=name, uri=folder.uri(name),
                                     sha256=hashlib.sha256(data).hexdigest(), rows=len(frame))
    return Cut(cutoff=cutoff, location=location, domains=domains, files=sources, ready=ready,
               findings=findings)


def cut_location(root: str, cutoff: date) -> str:
    """The folder of the cut with this cutoff under a data-cut root: ROOT/YYYY-MM-DD."""
    return f"{root.rstrip('/')}/{cutoff.isoformat()}"


def cut_is_ready(location: str, source: Source) -> bool:
    """True when the cut folder exists and holds its ready marker (an empty file)."""
    folder = open_folder(location)
    name = source.ready_marker
    return bool(with_retries(lambda: folder.fs.isfile(folder.child(name)), folder.uri(name),
                             source))


def list_cut_dates(root: str, source: Source | None = None) -> list[date]:
    """The cutoff dates of the cut folders (named YYYY-MM-DD) under `root`, oldest first.
    With `source`, a read error of the source is retried as it says."""
    folder = open_folder(root)
    try:
        entries = list_entries(folder, source)
    except FileNotFoundError:
        raise BadInputError(f"data-cut root not found: {root}") from None
    dates = []
    for name, kind in entries.items():
        if kind == "directory" and CUT_FOLDER.match(name):
            try:
                dates.append(date.fromisoformat(name))
            except ValueError:
                continue   # looks like a date but is none (2026-02-30): not a cut folder
    return sorted(dates)


def _domain_files(entries: dict[str, str], marker: str,
                  location: str) -> tuple[dict[str, str], list[Finding]]:
    """Domain -> file name, and a warning for each entry that is not read."""
    by_domain: dict[str, list[str]] = {}
    ignored: list[Finding] = []
    for name, kind in sorted(entries.items()):
        if name == marker:
            continue
        fmt = file_format(name) if kind == "file" else None
        stem = name[: -len(fmt)].lower() if fmt else ""
        if fmt and DOMAIN_NAME.match(stem):
            by_domain.setdefault(stem, []).append(name)
        else:
            ignored.append(Finding(
                "warning", "cut: file not read", f"{name} in {location} is not a domain file "
                f"(lowercase domain code with {', '.join(FORMATS)}): not read", file=name))
    twice = {domain: names for domain, names in by_domain.items() if len(names) > 1}
    if twice:
        listed = "; ".join(f"{d.upper()}: {', '.join(n)}" for d, n in twice.items())
        raise BadInputError(f"{location}: more than one file for one domain ({listed}); "
                            "keep exactly one file per domain")
    return _order(by_domain), ignored


def _order(by_domain: dict[str, list[str]]) -> dict[str, str]:
    known = [*REQUIRED_DOMAINS, *OPTIONAL_DOMAINS]
    rank = {domain: i for i, domain in enumerate(known)}
    ordered = sorted(by_domain, key=lambda d: (rank.get(d.removeprefix("supp"), len(known)), d))
    return {domain: by_domain[domain][0] for domain in ordered}


def _require_domains(files: dict[str, str], location: str, ready: bool, marker: str) -> None:
    missing = [domain for domain in REQUIRED_DOMAINS if domain not in files]
    if missing:
        expected = ", ".join(f"{missing[0]}{fmt}" for fmt in FORMATS)
        note = "" if ready else f" (the cut has no {marker} marker: it may still be being written)"
        raise BadInputError(f"{location}: required domain file(s) missing: "
                            f"{', '.join(d.upper() for d in missing)} (expected e.g. "
                            f"{expected}){note}")


def _folder_date(location: str, cutoff: date) -> list[Finding]:
    folder_name = location.rstrip("/").rsplit("/", 1)[-1]
    if CUT_FOLDER.match(folder_name) and folder_name != cutoff.isoformat():
        return [Finding("warning", "cut: folder date", f"the cut folder is named {folder_name} but "
                        f"the cutoff applied is {cutoff.isoformat()}")]
    return []


def _check_domain_column(frame: pd.DataFrame, domain: str, name: str) -> None:
    """DOMAIN (RDOMAIN for supp--) must name the domain the file is named for."""
    column, expected = ("RDOMAIN", domain[4:].upper()) if domain.startswith("supp") \
        else ("DOMAIN", domain.upper())
    if column not in frame.columns:
        return
    wrong = frame.index[frame[column] != expected]
    if len(wrong):
        first = wrong[0]
        more = f" and {len(wrong) - 1} more rows" if len(wrong) > 1 else ""
        raise BadInputError(
            f"{name}: column {column} holds '{frame.at[first, column]}' (row {first + 1}{more}) "
            f"but the file is named for domain {expected}")

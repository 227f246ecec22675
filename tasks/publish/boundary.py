"""The open/closed boundary of a published version (docs/delivery.md): nothing in `open/` (text,
attachments, metadata, XMP, bookmarks) may hold a closed result or the sha256 of a file outside
`open/`; report-open.pdf embeds exactly open-results.json and open-manifest.json.

The closed side is read from the version itself: results.json (efficacy, monitoring, changes
since the previous cut, and safety unless the config lets the open report show it pooled) and
manifest.json (the sha256 of every closed file and input). Every text the open package holds is
searched for them."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from tasks.pdf_text import page_texts
from tasks.publish.canonical import sha256_file
from tasks.publish.layout import (
    MANIFEST_NAME,
    OPEN_ATTACHMENTS,
    OPEN_DIR,
    OPEN_MANIFEST_NAME,
    OPEN_PDF,
    OPEN_RESULTS_NAME,
    RESULTS_NAME,
)
from tasks.publish.manifest import file_hashes
from tasks.report import formatting as fmt
from tasks.report.rtf_text import rtf_pages

# results.json parts that only the closed session sees; "safety" too unless the open report may
# show it pooled (safety.open_report_pooled_safety).
CLOSED_PARTS = ("efficacy", "monitoring", "changes", "attention")
# Keys that open-results.json legitimately shares with the closed parts of results.json (a new
# one is a decision: add it here only if its open value says nothing of a closed result).
SHARED_KEYS = frozenset({"cutoff", "study", "version", "n", "N", "subjects", "pct", "records",
                         "planned", "enrolled", "median", "mean", "sd", "min", "max", "reason"})
# What open/ may hold: these files and the open report's tables as CSV and RTF, nothing else.
OPEN_FILES = re.compile(rf"^(?:{re.escape(OPEN_PDF)}|{re.escape(OPEN_RESULTS_NAME)}|"
                        rf"{re.escape(OPEN_MANIFEST_NAME)}|tables/[A-Za-z0-9_.-]+\.csv|"
                        r"tables/rtf/[A-Za-z0-9_.-]+\.rtf)$")
OPEN_TABLE = re.compile(rf"^{OPEN_DIR}/tables/(?:rtf/)?[^/]+\.(?:csv|rtf)$")
_SHA256 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
_MIN_DIGITS = 6   # an unrounded value this precise is no coincidence


@dataclass(frozen=True)
class ClosedFingerprints:
    """What must never be found in the open package."""
    file_hashes: dict[str, str]      # sha256 -> what it is the hash of (closed files, inputs)
    values: frozenset[str]           # unrounded closed numbers as results.json writes them
    phrases: frozenset[str]          # closed results as the PDF prints them; verdicts
    keys: frozenset[str]             # results.json keys of the closed parts only


def _walk(value: Any) -> Iterator[tuple[str | None, Any]]:
    """(key, value) of every member of a JSON value, depth first (key None inside lists)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield None, item
            yield from _walk(item)


def _printed(part: dict) -> list[str]:
    """A result with its interval as the report prints it ('23.3 (9.9, 42.3)')."""
    if {"rate", "ci_low", "ci_high"} <= part.keys():
        return [fmt.rate_ci(part["rate"], part["ci_low"], part["ci_high"])]
    if {"median", "median_ci_low", "median_ci_high"} <= part.keys() and part["median"] is not None:
        return [fmt.estimate_ci(part["median"], part["median_ci_low"], part["median_ci_high"])]
    return []


def closed_fingerprints(version_dir: Path) -> ClosedFingerprints:
    """The closed side of a version. A file outside open/ whose bytes are also a file of open/
    (a table both reports show) is not closed: its hash says nothing the open package does not."""
    manifest = json.loads((version_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    results = json.loads((version_dir / RESULTS_NAME).read_text(encoding="utf-8"))
    files = manifest.get("files", {})
    shared = {digest for path, digest in files.items() if path.startswith(f"{OPEN_DIR}/")}
    hashes = {digest: path for path, digest in files.items()
              if not path.startswith(f"{OPEN_DIR}/") and digest not in shared}
    hashes.update({i["sha256"]: f"input {i['name']}" for i in manifest.get("inputs", [])})
    hashes[sha256_file(version_dir / MANIFEST_NAME)] = MANIFEST_NAME
    if manifest.get("previous"):
        hashes[manifest["previous"]["manifest_sha256"]] = "the previous version's manifest.json"
    pooled_safety = ((manifest.get("config") or {}).get("safety", {})
                     .get("open_report_pooled_safety"))
    # Safety, when closed, is fingerprinted by its keys only: its percentages are counts over the
    # same population as the open baseline table's, so equal values there are no leak.
    names = (*CLOSED_PARTS, *(() if pooled_safety else ("safety",)))
    values: set[str] = set()
    phrases: set[str] = set()
    keys = set(names)
    for name in names:
        for key, value in _walk(results.get(name)):
            if key is not None:
                keys.add(key)
            if name != "safety" and isinstance(value, float) and not value.is_integer() and \
                    len(re.sub(r"\D", "", repr(value)).lstrip("0")) >= _MIN_DIGITS:
                values.add(repr(value))
            if isinstance(value, dict):
                phrases.update(p for p in _printed(value) if p != fmt.NOT_ESTIMABLE)
            if key in ("verdict", "text") and isinstance(value, str) and value:
                phrases.add(value)            # a verdict; an item for the DSMB's attention
    return ClosedFingerprints(hashes, frozenset(values), frozenset(phrases),
                              frozenset(keys - SHARED_KEYS))


@dataclass(frozen=True)
class OpenText:
    """One text of the open package. `exact`: a text that writes numbers unrounded (JSON,
    metadata, bookmarks), searched for closed values too; page text and tables print numbers
    rounded, where an equal unrounded value (a duration in months, say) is no leak."""
    where: str
    text: str
    exact: bool


def _outline_titles(outline: list) -> Iterator[str]:
    for item in outline:
        yield from _outline_titles(item) if isinstance(item, list) else [str(item.title)]


def _pdf_texts(path: Path, name: str) -> Iterator[OpenText]:
    """Every text a PDF holds: pages, document information, XMP, bookmarks, attachments."""
    for number, text in enumerate(page_texts(path), start=1):
        yield OpenText(f"{name} page {number}", text, exact=False)
    reader = PdfReader(path)
    yield OpenText(f"{name} metadata",
                   " ".join(f"{k} {v}" for k, v in (reader.metadata or {}).items()), exact=True)
    xmp = reader.root_object.get("/Metadata")
    if xmp is not None:
        yield OpenText(f"{name} XMP", xmp.get_object().get_data().decode("utf-8", "replace"),
                       exact=True)
    yield OpenText(f"{name} bookmarks", "\n".join(_outline_titles(reader.outline)), exact=True)
    for attached, contents in reader.attachments.items():
        yield OpenText(f"{name} attachment names", attached, exact=True)
        for data in contents:
            yield OpenText(f"{name} attachment {attached}", data.decode("utf-8", "replace"),
                           exact=True)


def open_texts(open_dir: Path) -> Iterator[OpenText]:
    """Everything the open package holds, as text (an RTF table as its reader sees it)."""
    for path in sorted(p for p in open_dir.rglob("*") if p.is_file()):
        where = path.relative_to(open_dir.parent).as_posix()
        if path.suffix.lower() == ".pdf":
            try:
                yield from _pdf_texts(path, where)
            except (PdfReadError, OSError, ValueError) as exc:     # UnreadablePdf too
                yield OpenText(where, f"unreadable PDF ({exc})", exact=False)
        elif path.suffix.lower() == ".rtf":
            yield OpenText(where, "\n".join(rtf_pages(path.read_bytes())), exact=False)
        else:
            yield OpenText(where, path.read_bytes().decode("utf-8", "replace"),
                           exact=path.suffix.lower() != ".csv")


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def leaks_in(item: OpenText, closed: ClosedFingerprints, allowed_hashes: set[str]) -> list[str]:
    """Every closed fingerprint in one text of the open package."""
    where, text, flat = item.where, item.text, _normal(item.text)
    found = []
    for digest in sorted(set(_SHA256.findall(text)) - allowed_hashes):
        found.append(f"{where}: sha256 {digest[:12]}... of "
                     f"{closed.file_hashes.get(digest, 'a file outside open/')}")
    if item.exact:
        found += [f"{where}: closed value {v}" for v in sorted(closed.values)
                  if re.search(rf"(?<![\d.]){re.escape(v)}(?!\d)", flat)]
    found += [f"{where}: closed result or verdict {p!r}" for p in sorted(closed.phrases)
              if re.search(rf"(?<![A-Za-z0-9]){re.escape(_normal(p))}(?![A-Za-z0-9])", flat)]
    found += [f"{where}: closed key {k!r}" for k in sorted(closed.keys)
              if re.search(rf'"{re.escape(k)}"\s*:', text)]
    return found


def table_problems(texts: list[OpenText]) -> list[str]:
    """Each open/tables/<id>.csv (and tables/rtf/<id>.rtf) is a table, figure or listing that
    report-open.pdf shows (its number among the PDF's captions): a closed table cannot be
    slipped in beside them."""
    pages = " ".join(t.text for t in texts if t.where.startswith(f"{OPEN_DIR}/{OPEN_PDF} page "))
    shown = set(re.findall(r"(?:Table|Figure|Listing) (\d+(?:\.\d+)*)", pages))
    problems = []
    for where in (t.where for t in texts if OPEN_TABLE.match(t.where)):
        number = re.match(r"^[a-z]+_(\d+(?:_\d+)*)", Path(where).stem)
        if number is None or number[1].replace("_", ".") not in shown:
            problems.append(f"{where} is not the data of a table, figure or listing of {OPEN_PDF}")
    return problems


def attachment_problems(version_dir: Path) -> list[str]:
    """report-open.pdf embeds exactly open-results.json and open-manifest.json, as in open/."""
    open_dir = version_dir / OPEN_DIR
    try:
        attached = PdfReader(open_dir / OPEN_PDF).attachments
    except (PdfReadError, OSError, ValueError) as exc:
        return [f"{OPEN_DIR}/{OPEN_PDF} cannot be read ({exc})"]
    problems = [f"{OPEN_DIR}/{OPEN_PDF} embeds {name}, which is not one of "
                f"{', '.join(OPEN_ATTACHMENTS)}"
                for name in sorted(set(attached) - set(OPEN_ATTACHMENTS))]
    for name in OPEN_ATTACHMENTS:
        if name not in attached:
            problems.append(f"{OPEN_DIR}/{OPEN_PDF} does not embed {name}")
        elif attached[name] != [(open_dir / name).read_bytes()]:
            problems.append(f"{OPEN_DIR}/{OPEN_PDF}: embedded {name} differs from "
                            f"{OPEN_DIR}/{name}")
    return problems


def open_package_leaks(version_dir: Path) -> list[str]:
    """Every way the open package of a version crosses the boundary; empty: it holds nothing
    closed (or the version has no open package)."""
    version_dir = Path(version_dir)
    open_dir = version_dir / OPEN_DIR
    if (version_dir / OPEN_PDF).exists():
        return [f"{OPEN_PDF} lies outside {OPEN_DIR}/ (the layout before the open package): it "
                "embeds the closed results and must not be delivered"]
    if not open_dir.exists():
        return []                        # nothing open to leak (and nothing to deliver to it)
    if not (open_dir / OPEN_PDF).is_file():
        return [f"{OPEN_DIR}/{OPEN_PDF} is missing"]
    closed = closed_fingerprints(version_dir)
    config_digest = (json.loads((version_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
                     .get("config_digest"))
    open_files = file_hashes(open_dir)
    problems = [f"{OPEN_DIR}/{path} does not belong in the open package (only {OPEN_PDF}, "
                f"{OPEN_RESULTS_NAME}, {OPEN_MANIFEST_NAME}, tables/*.csv and tables/rtf/*.rtf)"
                for path in open_files if not OPEN_FILES.match(path)]
    allowed = set(open_files.values()) | {config_digest}
    texts = list(open_texts(open_dir))
    problems += attachment_problems(version_dir) + table_problems(texts)
    for item in texts:
        problems += leaks_in(item, closed, allowed)
    return problems

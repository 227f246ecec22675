"""What goes into a version folder besides the PDFs: ADaM, tables and figures as data (CSV,
and every table as RTF), results.json, validation.json, the record snapshot, and the open
package `open/` with its own results and manifest. Same inputs give the same bytes."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from tasks.cache import cached_folder
from tasks.model import ADAM_DATASETS, Figure, Finding, Profile, Table
from tasks.publish.canonical import canonical_json, write_json
from tasks.publish.layout import (
    MANIFEST_NAME,
    OPEN_DIR,
    OPEN_MANIFEST_NAME,
    OPEN_PDF,
    OPEN_RESULTS_NAME,
    RESULTS_NAME,
    VALIDATION_NAME,
)
from tasks.publish.manifest import file_hashes
from tasks.publish.rtf_process import RtfJob, make_rtf, rtf_jobs, rtf_made_beside
from tasks.publish.snapshot import SNAPSHOT_PATH
from tasks.report.document import MARKINGS
from tasks.results.run import OpenResults, Results


def copy_adam(adam_folder: Path, folder: Path) -> None:
    """The ADaM files of the derivation cache (tasks.adam.build.save_adam), as they are."""
    (folder / "adam").mkdir(parents=True, exist_ok=True)
    for name in ADAM_DATASETS:
        shutil.copyfile(adam_folder / f"{name}.parquet", folder / "adam" / f"{name}.parquet")


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d").encode("utf-8")


def _csvs(frames: list[pd.DataFrame]) -> list[bytes]:
    """_csv of each frame. Frames of one layout (columns and types: the patient profiles, by the
    thousand in a large trial) are written as one CSV and cut at their row counts, as to_csv's
    cost per call dwarfs a profile's rows; when a value holds a line break (the CSV has more
    lines than rows: a row is more than one line) each frame is written alone."""
    made: dict[int, bytes] = {}
    layouts: dict[tuple, list[int]] = {}
    for i, frame in enumerate(frames):
        layouts.setdefault((tuple(frame.columns), tuple(map(str, frame.dtypes))), []).append(i)
    for members in layouts.values():
        if len(members) == 1:
            made[members[0]] = _csv(frames[members[0]])
            continue
        whole = pd.concat([frames[i] for i in members], ignore_index=True)
        header, *lines = _csv(whole).split(b"\n")[:-1]
        if len(lines) != len(whole):
            made.update((i, _csv(frames[i])) for i in members)
            continue
        start = 0
        for i in members:
            rows = lines[start:start + len(frames[i])]
            start += len(frames[i])
            made[i] = b"\n".join([header, *rows]) + b"\n"
    return [made[i] for i in range(len(frames))]


def copy_data_files(folder: Path, closed: list[Table | Figure], open_: list[Table | Figure],
                    key: str | None) -> None:
    """write_data_files into `folder`, made once per `key` (the analysis's, which names their
    content) in the cache (tasks.cache) and copied: a re-run of an unchanged cut of 20,000
    subjects copies their 21,600 files (387 MB) in 1.5 s instead of writing them again in 12 s.
    Without a key (an analysis not kept) they are written in place."""
    if key is None:
        write_data_files(folder, closed, open_)
        return
    kept = cached_folder("data-files", key,
                         lambda partial: write_data_files(partial, closed, open_))
    for sub in sorted(path for path in kept.iterdir() if path.is_dir()):
        shutil.copytree(sub, folder / sub.name, copy_function=shutil.copyfile, dirs_exist_ok=True)


def write_data_files(folder: Path, closed: list[Table | Figure],
                     open_: list[Table | Figure]) -> None:
    """The closed tables' and figures' data in tables/ and figures/, the open ones' in
    open/tables/ (write_blocks)."""
    write_blocks(closed, folder / "tables", folder / "figures")
    write_blocks(open_, folder / OPEN_DIR / "tables", None)


def write_blocks(blocks: list[Table | Figure], tables: Path, figures: Path | None) -> None:
    """<tables>/<id>.csv for every table and figure (the figure's plotted data), <figures>/<id>.svg
    unless `figures` is None; a patient profile's two files in the profiles/ subfolders. Not
    fsynced one by one: publishing fsyncs the whole staging folder before its rename."""
    for block, csv in zip(blocks, _csvs([block.data for block in blocks])):
        sub = Profile.folder if isinstance(block, Profile) else ""
        (tables / sub).mkdir(parents=True, exist_ok=True)
        (tables / sub / f"{block.id}.csv").write_bytes(csv)
        if isinstance(block, Figure) and figures is not None:
            (figures / sub).mkdir(parents=True, exist_ok=True)
            (figures / sub / f"{block.id}.svg").write_text(block.svg, encoding="utf-8")


def write_rtf_files(jobs: list[RtfJob], tables: Path) -> None:
    """<tables>/rtf/<id>.rtf for every job's table, made once per rtf_key and kept (tasks.cache):
    a re-run of an unchanged cut does not make its RTF again, nor does the flow make what
    rtf_made_beside has."""
    for job in jobs:
        (tables / "rtf").mkdir(parents=True, exist_ok=True)
        (tables / "rtf" / f"{job.table.id}.rtf").write_bytes(make_rtf(job).read_bytes())


def validation_document(findings: list[Finding]) -> dict:
    return {"errors": sum(f.severity == "error" for f in findings),
            "warnings": sum(f.severity == "warning" for f in findings),
            "findings": [f.as_dict() for f in findings]}


def open_manifest(folder: Path, cutoff: str, version: int) -> dict[str, Any]:
    """open-manifest.json: the sha256 of the files of open/ only. report-open.pdf is not listed
    (a PDF cannot hold its own hash; the version's manifest.json and the delivery log have it)."""
    files = {path: digest for path, digest in file_hashes(folder / OPEN_DIR).items()
             if path not in (OPEN_PDF, OPEN_MANIFEST_NAME)}
    return {"cutoff": cutoff, "version": version, "files": files}


def write_contents(folder: Path, adam: Path, closed: list[Table | Figure],
                   open_: list[Table | Figure], results: Results, open_results: OpenResults,
                   findings: list[Finding], snapshot: Path, data_key: str | None) -> None:
    """Everything but the PDFs and manifest.json; the open package is complete when this returns
    (open-manifest.json written last). `results` and `open_results` carry the version number;
    `adam` is the ADaM's cache folder, `snapshot` the record snapshot's file, both copied;
    `data_key` the analysis's key (copy_data_files)."""
    if results.version is None or open_results.version != results.version:
        raise ValueError("results to publish need the version number (Results.published_as)")
    closed_rtf, open_rtf = (rtf_jobs([(block, MARKINGS[kind]) for block in blocks
                                      if isinstance(block, Table)])
                            for kind, blocks in (("closed", closed), ("open", open_)))
    open_dir = folder / OPEN_DIR
    with rtf_made_beside(closed_rtf + open_rtf) as rtf_made:   # RTF last: a process may make them
        copy_adam(adam, folder)
        copy_data_files(folder, closed, open_, data_key)
        write_json(folder / RESULTS_NAME, results)
        write_json(folder / VALIDATION_NAME, validation_document(findings))
        (folder / SNAPSHOT_PATH).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(snapshot, folder / SNAPSHOT_PATH)
        write_json(open_dir / OPEN_RESULTS_NAME, open_results)
        rtf_made()
        write_rtf_files(closed_rtf, folder / "tables")
        write_rtf_files(open_rtf, open_dir / "tables")
    write_json(open_dir / OPEN_MANIFEST_NAME,
               open_manifest(folder, results.cutoff, results.version))


def closed_attachments(folder: Path, files: dict[str, str], manifest_extra: dict[str, Any],
                       cutoff: str, version: int) -> dict[str, bytes]:
    """What report-closed.pdf embeds: results.json and a manifest of the inputs and of every other
    file of the version written so far (`files`: their file_hashes; the PDFs cannot be in it)."""
    manifest = {**manifest_extra, "cutoff": cutoff, "version": version, "files": files}
    return {RESULTS_NAME: (folder / RESULTS_NAME).read_bytes(),
            MANIFEST_NAME: canonical_json(manifest).encode()}


def open_attachments(folder: Path) -> dict[str, bytes]:
    """What report-open.pdf embeds: open-results.json and open-manifest.json, byte for byte."""
    open_dir = folder / OPEN_DIR
    return {name: (open_dir / name).read_bytes()
            for name in (OPEN_RESULTS_NAME, OPEN_MANIFEST_NAME)}

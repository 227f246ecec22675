"""What goes into a version folder besides the PDFs: ADaM, tables and figures as data,
results.json, validation.json and the record snapshot. Same inputs give the same bytes."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from tasks.model import Adam, Figure, Finding, Table
from tasks.publish.canonical import write_json
from tasks.publish.changes import write_snapshot

RESULTS_NAME = "results.json"
VALIDATION_NAME = "validation.json"


def write_adam(adam: Adam, folder: Path) -> None:
    (folder / "adam").mkdir(parents=True, exist_ok=True)
    for name, frame in adam.frames().items():
        frame.to_parquet(folder / "adam" / f"{name}.parquet", index=False)


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d").encode("utf-8")


def write_tables(blocks: list[Table | Figure], tables: Path, figures: Path) -> None:
    """<tables>/<id>.csv for every table and figure (the figure's plotted data); <figures>/<id>.svg.
    Not fsynced one by one: publishing fsyncs the whole staging folder before its rename."""
    for block in blocks:
        tables.mkdir(parents=True, exist_ok=True)
        (tables / f"{block.id}.csv").write_bytes(_csv(block.data))
        if isinstance(block, Figure):
            figures.mkdir(parents=True, exist_ok=True)
            (figures / f"{block.id}.svg").write_text(block.svg, encoding="utf-8")


def validation_document(findings: list[Finding]) -> dict:
    return {"errors": sum(f.severity == "error" for f in findings),
            "warnings": sum(f.severity == "warning" for f in findings),
            "findings": [f.as_dict() for f in findings]}


def write_contents(folder: Path, adam: Adam, closed: list[Table | Figure], open_: list[Table | Figure],
                   results: dict, findings: list[Finding], snapshot: pd.DataFrame) -> None:
    write_adam(adam, folder)
    write_tables(closed, folder / "tables", folder / "figures")
    closed_data = {block.id: _csv(block.data) for block in closed}
    # The open report's pooled tables that differ from the closed ones go to tables/open/.
    differing = [b for b in open_ if closed_data.get(b.id) != _csv(b.data)]
    write_tables(differing, folder / "tables" / "open", folder / "figures" / "open")
    write_json(folder / RESULTS_NAME, results)
    write_json(folder / VALIDATION_NAME, validation_document(findings))
    write_snapshot(snapshot, folder)

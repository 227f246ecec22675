"""The names of a published version folder REPORTS/YYYY-MM-DD/vN/ (../shared/CONTRACT.md).

The closed side is the folder itself; the open package is its `open/` subfolder and nothing
else reaches the open session (docs/delivery.md)."""
from __future__ import annotations

from pathlib import Path

MANIFEST_NAME = "manifest.json"
RESULTS_NAME = "results.json"
VALIDATION_NAME = "validation.json"
CLOSED_PDF = "report-closed.pdf"

OPEN_DIR = "open"
OPEN_PDF = "report-open.pdf"
OPEN_RESULTS_NAME = "open-results.json"
OPEN_MANIFEST_NAME = "open-manifest.json"
# What report-open.pdf embeds: exactly these files of open/, byte for byte.
OPEN_ATTACHMENTS = (OPEN_RESULTS_NAME, OPEN_MANIFEST_NAME)
# What report-closed.pdf embeds.
CLOSED_ATTACHMENTS = (RESULTS_NAME, MANIFEST_NAME)


def report_path(version_dir: Path, kind: str) -> Path:
    """Where the closed or the open report of a version folder is."""
    return version_dir / CLOSED_PDF if kind == "closed" else version_dir / OPEN_DIR / OPEN_PDF

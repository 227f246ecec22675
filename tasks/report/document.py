"""The report as the renderer receives it: title-page facts, marking and the ordered Sections."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

from tasks.model import Section
from tasks.report.glance_page import Glance

CLOSED_MARKING = "CONFIDENTIAL - CLOSED SESSION - FOR DSMB MEMBERS ONLY"
OPEN_MARKING = "OPEN SESSION"
MARKINGS = {"closed": CLOSED_MARKING, "open": OPEN_MARKING}


@dataclass
class ReportDocument:
    """One DSMB report (closed or open session). Every value is final: the renderer only lays it
    out. `generated_at` is given by the caller (the flow's run time), so two renders of the same
    document are the same; it must be timezone-aware and is kept in UTC."""
    study_id: str
    study_title: str
    cutoff: date
    version: int
    status: Literal["DRAFT", "FINAL"]
    reason: str
    generated_at: datetime
    kind: Literal["closed", "open"]
    sections: list[Section]
    marking: str = ""                                   # "" = the standard marking of `kind`
    # e.g. ["interim 0.1.0 (git 1a2b3c4)", "Python 3.11.2"]
    software: list[str] = field(default_factory=list)
    glance: Glance | None = None                        # page 2 of the closed report

    def __post_init__(self) -> None:
        if self.kind not in MARKINGS:
            raise ValueError(f"report kind must be 'closed' or 'open', not {self.kind!r}")
        if self.status not in ("DRAFT", "FINAL"):
            raise ValueError(f"report status must be 'DRAFT' or 'FINAL', not {self.status!r}")
        if self.version < 1:
            raise ValueError(f"report version must be 1 or more, not {self.version}")
        if self.generated_at.tzinfo is None:
            raise ValueError("generated_at must be timezone-aware (the report prints it in UTC)")
        self.generated_at = self.generated_at.astimezone(UTC)
        if not self.marking:
            self.marking = MARKINGS[self.kind]
        if self.glance is not None and self.kind != "closed":
            raise ValueError("the DSMB-at-a-glance page is closed-session content")

    @property
    def version_label(self) -> str:
        """'v3 DRAFT'."""
        return f"v{self.version} {self.status}"

    @property
    def generated_label(self) -> str:
        """'2025-06-01 06:00 UTC', as printed on the title page and in the footer."""
        return self.generated_at.strftime("%Y-%m-%d %H:%M UTC")

    @property
    def generated_w3c(self) -> str:
        """'2025-06-01T06:00:00Z': the PDF's creation and modification date (dcterms)."""
        return self.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")

"""The objects passed between stages: a data cut, validation findings, report blocks."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import ClassVar, Literal

import numpy as np
import pandas as pd

from tasks.errors import InterimError

REQUIRED_DOMAINS = ("dm", "ds", "ex", "ae", "rs")
OPTIONAL_DOMAINS = ("tu", "tr", "lb", "mh", "cm", "vs", "sv", "dv")


@dataclass(frozen=True)
class SourceFile:
    """One file of a cut as it was read: its sha256 is taken from the bytes read."""
    domain: str          # lowercase domain code: dm, ae, suppae ...
    name: str            # file name inside the cut folder, e.g. ae.csv.gz
    uri: str             # full path or URL
    sha256: str
    rows: int


# The dtype of every column of a Cut: Arrow-backed strings with NaN semantics (pandas 3's "str"),
# a fraction of the memory of Python string objects; comparisons give plain numpy booleans.
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


@dataclass
class Cut:
    """An SDTM data cut. Every column is TEXT (missing = ""), as in the file; the index of each
    frame is the 0-based data-row number in its file, so a finding can name its row."""
    cutoff: date
    location: str
    domains: dict[str, pd.DataFrame]
    files: dict[str, SourceFile]
    ready: bool = True
    # Warnings met while reading and cutting the data (no _READY marker, files not read, records
    # without a date kept by the cutoff); validate_cut returns them with its own findings.
    findings: list[Finding] = field(default_factory=list)
    # Domains let go once no later step reads them (let_go): reading one again is an error, not
    # an absent domain.
    released: set[str] = field(default_factory=set)

    def has(self, domain: str) -> bool:
        self._not_released(domain)
        return domain in self.domains

    def get(self, domain: str) -> pd.DataFrame | None:
        self._not_released(domain)
        return self.domains.get(domain)

    def __getitem__(self, domain: str) -> pd.DataFrame:
        self._not_released(domain)
        return self.domains[domain]

    def view(self) -> Cut:
        """The same cut with a dict of frames of its own: a reader that keeps the frames while
        another step lets them go from this one."""
        return replace(self, domains=dict(self.domains))

    def let_go(self, domains: Iterable[str]) -> None:
        """Drop these domains' frames (their memory goes with the last reference to them)."""
        gone = set(domains)
        for domain in gone:
            self.domains.pop(domain, None)
        self.released = self.released | gone      # a new set: a replace()'d copy shares the old

    def _not_released(self, domain: str) -> None:
        if domain in self.released:
            raise InterimError(f"{domain.upper()} of the cut {self.location} was let go when no "
                               "later step was to read it, and cannot be read again (run again)")

    def file_name(self, domain: str) -> str:
        src = self.files.get(domain)
        return src.name if src else domain


@dataclass(frozen=True)
class Finding:
    """One validation finding. `row` is the 1-based data row in `file` (header not counted)."""
    severity: Literal["error", "warning"]
    rule: str
    message: str
    file: str | None = None
    row: int | None = None
    usubjid: str | None = None
    column: str | None = None
    value: str | None = None

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in
                ("severity", "rule", "file", "row", "usubjid", "column", "value", "message")}


@dataclass
class CutoffResult:
    """A cut with the cutoff applied, and what the cutoff set aside or changed."""
    cut: Cut
    log: pd.DataFrame        # domain, reason, records: counts for the report and tables/
    removed: pd.DataFrame    # domain, row, USUBJID, variable, value, reason: every record touched


@dataclass
class Paragraph:
    text: str
    style: Literal["body", "note", "verdict", "warning"] = "body"


NO_ROWS = "None: no record meets the definition of this table at this cut."


@dataclass
class Table:
    """A report table. `data` is tidy and unrounded (written to tables/<id>.csv); `display` is the
    same table formatted for the PDF by tasks.report.formatting (strings only). A table whose
    `display` has no rows prints its `empty_text` in words instead of a bare header (PDF, RTF)."""
    id: str
    number: str
    title: str
    population: str
    data: pd.DataFrame
    display: pd.DataFrame
    footnotes: list[str] = field(default_factory=list)
    source: str = ""                 # ADaM datasets the table reads, e.g. "ADSL, ADRS"
    landscape: bool = False
    header_groups: list[tuple[str, int]] | None = None   # spanning header: (label, n columns)
    csv_only: bool = False           # a long listing: in tables/ only, referenced in the PDF
    links: list[str] | None = None   # per display row: the anchor its first cell links to ("" none)
    empty_text: str = NO_ROWS        # what an empty table says: "None: no subject had ..."

    @property
    def is_empty(self) -> bool:
        return len(self.display) == 0

    def as_listing(self, limit: int | None) -> Table:
        """This table as a listing: in tables/<id>.csv only when it has more rows than `limit`
        (report.max_listing_rows_in_pdf; None: always in the PDF). The one place of that rule."""
        self.csv_only = limit is not None and len(self.data) > limit
        return self


@dataclass
class Figure:
    """A report figure: SVG (vector) for the PDF and its plotted data for tables/<id>.csv."""
    id: str
    number: str
    title: str
    svg: str
    data: pd.DataFrame
    footnotes: list[str] = field(default_factory=list)
    source: str = ""
    landscape: bool = False


@dataclass
class Profile(Figure):
    """A patient profile: one page with its timeline (the figure) and a narrative made from the
    data; listings link to it by `anchor`. Its files are figures/profiles/<id>.svg and
    tables/profiles/<id>.csv (`id`: the subject's file name); one not `in_pdf` has files only."""
    narrative: str = ""
    anchor: str = ""
    in_pdf: bool = True

    folder: ClassVar[str] = "profiles"


Block = Paragraph | Table | Figure


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block]


ADAM_DATASETS = ("adsl", "adrs", "adtte", "adae", "adex", "adlb", "adtr", "adexrec", "adcm")


@dataclass
class Adam:
    """The analysis datasets of one cut (CDISC ADaM variable names). Optional ones may be empty."""
    adsl: pd.DataFrame
    adrs: pd.DataFrame
    adtte: pd.DataFrame
    adae: pd.DataFrame
    adex: pd.DataFrame
    adlb: pd.DataFrame
    adtr: pd.DataFrame
    adexrec: pd.DataFrame = field(default_factory=pd.DataFrame)   # EX record by record
    adcm: pd.DataFrame = field(default_factory=pd.DataFrame)      # medications

    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in ADAM_DATASETS}


@dataclass
class PreviousCut:
    """The published version of the previous cut, as the comparison needs it: its ADaM and record
    snapshot (None where that version has none, with the reason in `notes`)."""
    version: str                          # e.g. "2026-09-30/v2"
    adsl: pd.DataFrame | None
    adrs: pd.DataFrame | None
    adae: pd.DataFrame | None
    records: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)

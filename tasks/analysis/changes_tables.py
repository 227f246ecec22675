"""The report blocks of "Changes since the previous cut": tables 16.4.1-16.4.8 from CutChanges."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from tasks.model import Block, Paragraph, Table
from tasks.report import formatting as fmt

if TYPE_CHECKING:
    from tasks.analysis.changes import CutChanges

FIRST_CUT = "This is the first data cut; there is no earlier cut to compare with."
NOT_COMPARED = "not compared"
_KEY_NOTE = ("Records are matched by domain, subject and record key: --SEQ where the domain has "
             "it, else its identifying variables (category, topic, link and group ids, evaluator, "
             "visit, epoch, time point, date); a record whose identifying variables were "
             "corrected appears as removed plus new. Content is compared over every variable "
             "(an empty value counts as absent), so CHANGED includes updates such as an end "
             "date recorded since, as well as corrections.")
_CUTOFF_NOTE = ("Both cuts are compared after their cutoff was applied: a record set aside by a "
                "cutoff is not counted as removed.")


def first_cut_blocks() -> list[Block]:
    return [Paragraph(FIRST_CUT)]


def _display(data: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
    """Printed strings (dates ISO 8601, missing empty)."""
    return pd.DataFrame({
        header: (data[column].map(fmt.iso_date)
                 if pd.api.types.is_datetime64_any_dtype(data[column])
                 else data[column].map(fmt.text))
        for column, header in headers.items()})


def _listing(id_: str, number: str, title: str, population: str, data: pd.DataFrame,
             headers: dict[str, str], source: str, footnotes: list[str],
             max_rows: int | None, empty_text: str) -> Table:
    data = data.reindex(columns=list(headers)).reset_index(drop=True)
    return Table(id=id_, number=number, title=title, population=population, data=data,
                 display=_display(data, headers), footnotes=footnotes, source=source,
                 empty_text=empty_text).as_listing(max_rows)


_ARM = {"USUBJID": "Subject", "TRT01A": "Arm"}
# id, number, title, population, CutChanges attribute, columns -> headers, source, footnote,
# what the listing says when empty
_SUBJECT_LISTINGS = (
    ("t_16_4_2_new_subjects", "16.4.2", "New subjects since the previous cut", "All subjects in DM",
     "new_subjects", {"USUBJID": "Subject", "SITEID": "Site", "TRT01A": "Arm",
                      "RFICDT": "Informed consent", "TRTSDT": "First dose"},
     "ADSL", "A new subject is in DM of this cut and was not in DM of the previous cut.",
     "None: no subject is new since the previous cut."),
    ("t_16_4_3_new_deaths", "16.4.3", "New deaths since the previous cut", "All subjects",
     "new_deaths", {**_ARM, "DTHDT": "Date of death", "DTHCAUS": "Cause"},
     "ADSL", "Subjects with DTHFL = Y in this cut and not in the previous cut.",
     "None: no subject died since the previous cut."),
    ("t_16_4_4_new_saes", "16.4.4", "New serious adverse events since the previous cut",
     "All adverse events", "new_saes",
     {**_ARM, "AESEQ": "AE no.", "AEBODSYS": "System organ class", "AEDECOD": "Preferred term",
      "AETOXGR": "Grade", "ASTDT": "Onset"},
     "ADAE, ADSL", "Serious (AESER = Y) in this cut; the same AE (subject, AESEQ) was absent or "
                   "not serious in the previous cut.",
     "None: no subject had a new serious adverse event since the previous cut."),
    ("t_16_4_5_new_responses", "16.4.5",
     "New confirmed responses (CR or PR) since the previous cut",
     "Subjects with a confirmed best overall response", "new_responses",
     {**_ARM, "PREVAVALC": "Previous CBOR", "AVALC": "CBOR", "ADT": "Date"},
     "ADRS, ADSL", "Confirmed best overall response (CBOR) CR or PR in this cut and not in the "
                   "previous cut; an empty previous CBOR: the subject had none then.",
     "None: no subject had a new confirmed response since the previous cut."),
    ("t_16_4_6_new_progressions", "16.4.6", "New progressions since the previous cut",
     "Subjects with an overall response of PD", "new_progressions",
     {**_ARM, "ADT": "Date of first PD"},
     "ADRS, ADSL", "Subjects with an overall response (OVR) of PD in this cut and none in the "
                   "previous cut.",
     "None: no subject had a first progression since the previous cut."),
)
_SUMMARY_ITEMS = (
    ("new_subjects", "New subjects"), ("new_deaths", "New deaths"),
    ("new_saes", "New serious adverse events"),
    ("new_responses", "New confirmed responses (CR/PR)"),
    ("new_progressions", "New progressions (PD)"),
)
_RECORD_ITEMS = (("NEW", "SDTM records new"), ("CHANGED", "SDTM records changed"),
                 ("REMOVED", "SDTM records removed"))


def _summary(changes: CutChanges, by_domain: pd.DataFrame | None) -> Table:
    rows = [(label, len(getattr(changes, attr)) if len(getattr(changes, attr).columns) else None)
            for attr, label in _SUMMARY_ITEMS]
    rows += [(label, int(by_domain[kind].sum()) if by_domain is not None else None)
             for kind, label in _RECORD_ITEMS]
    data = pd.DataFrame(rows, columns=["item", "n"]).astype({"n": "Int64"})
    display = pd.DataFrame({"Change": data["item"],
                            "n": [NOT_COMPARED if pd.isna(n) else fmt.count(n) for n in data["n"]]})
    return Table(id="t_16_4_1_changes_summary", number="16.4.1",
                 title="Summary of changes since the previous cut", population="All subjects",
                 data=data, display=display, source="ADSL, ADAE, ADRS, SDTM",
                 footnotes=[f"Previous cut: report {changes.previous}.", _CUTOFF_NOTE])


def _record_tables(records: pd.DataFrame, by_domain: pd.DataFrame,
                   max_rows: int | None) -> list[Block]:
    counts = Table(
        id="t_16_4_7_record_changes_by_domain", number="16.4.7",
        title="SDTM records new, changed and removed since the previous cut, by domain",
        population="All SDTM records after the cutoff", data=by_domain,
        display=_display(by_domain, {"domain": "Domain", "NEW": "New", "CHANGED": "Changed",
                                     "REMOVED": "Removed"}),
        source="SDTM", footnotes=[_KEY_NOTE, _CUTOFF_NOTE],
        empty_text="None: neither cut holds an SDTM record after its cutoff.")
    corrected = records[records["change"].isin(["CHANGED", "REMOVED"])]
    listing = _listing("t_16_4_8_records_changed_removed", "16.4.8",
                       "SDTM records changed or removed since the previous cut",
                       "All SDTM records of the previous cut", corrected,
                       {"domain": "Domain", "USUBJID": "Subject", "key": "Record key",
                        "change": "Change"}, "SDTM", [_KEY_NOTE], max_rows,
                       "None: no SDTM record of the previous cut was changed or removed.")
    return [counts, listing]


def changes_blocks(changes: CutChanges, max_listing_rows: int | None = None) -> list[Block]:
    """The section's blocks: an introduction, notes on what could not be compared, the summary,
    the subject listings and the record changes."""
    by_domain = changes.by_domain
    blocks: list[Block] = [
        Paragraph(f"This cut is compared with the previous cut, report {changes.previous} (the "
                  f"latest published version of the most recent earlier cutoff). {_CUTOFF_NOTE}"),
        *(Paragraph(note, style="warning") for note in changes.notes),
        _summary(changes, by_domain),
    ]
    for id_, number, title, population, attr, headers, source, note, empty in _SUBJECT_LISTINGS:
        data = getattr(changes, attr)
        if len(data.columns):
            blocks.append(_listing(id_, number, title, population, data, headers, source,
                                   [note], max_listing_rows, empty))
    if changes.records is not None and by_domain is not None:
        blocks += _record_tables(changes.records, by_domain, max_listing_rows)
    return blocks

"""What each SDTM domain must hold: required and expected variables, controlled terms, numbers."""
from __future__ import annotations

from dataclasses import dataclass, field

# SDTM controlled terminology used by the checks (CDISC CT: SEX, NY, AESEV; CTCAE grades).
SEX = ("F", "M", "U", "UNDIFFERENTIATED")
NY = ("N", "Y")
AESEV = ("MILD", "MODERATE", "SEVERE")
CTCAE_GRADES = ("1", "2", "3", "4", "5")


@dataclass(frozen=True)
class DomainSpec:
    """The table-like rules of one domain. Every rule is an error unless it says otherwise."""
    required: tuple[str, ...]                 # the column must exist
    filled: tuple[str, ...] = ()              # ... and hold a value in every row
    expected: dict[str, str] = field(default_factory=dict)   # missing column: warning (why)
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)   # when not empty
    terms_label: dict[str, str] = field(default_factory=dict)  # how a rule names the terms
    numeric: tuple[str, ...] = ()             # a number when not empty
    non_negative: tuple[str, ...] = ()        # ... and >= 0
    missing_warns: dict[str, str] = field(default_factory=dict)   # empty value: warning (why)
    key: tuple[str, ...] | None = None        # unique per row (default USUBJID + --SEQ)


SPECS: dict[str, DomainSpec] = {
    "dm": DomainSpec(
        required=("STUDYID", "USUBJID", "SUBJID", "SITEID", "SEX", "ARMCD", "ARM", "ACTARMCD",
                  "ACTARM"),
        filled=("STUDYID", "USUBJID"),
        terms={"SEX": SEX, "DTHFL": ("Y",)},
        numeric=("AGE",), non_negative=("AGE",),
        key=("USUBJID",)),
    "ds": DomainSpec(
        required=("STUDYID", "USUBJID", "DSTERM", "DSDECOD", "DSSTDTC"),
        filled=("USUBJID", "DSDECOD")),
    "ex": DomainSpec(
        required=("STUDYID", "USUBJID", "EXTRT", "EXDOSE", "EXSTDTC"),
        filled=("USUBJID", "EXTRT"),
        numeric=("EXDOSE",), non_negative=("EXDOSE",)),
    "ae": DomainSpec(
        required=("STUDYID", "USUBJID", "AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "AESTDTC"),
        filled=("USUBJID", "AESEQ", "AETERM"),
        expected={"AETOXGR": "CTCAE grades are shown as Missing (AESEV is used where present)"},
        terms={"AETOXGR": CTCAE_GRADES, "AESER": NY, "AESDTH": NY, "AESEV": AESEV},
        terms_label={"AETOXGR": "1-5", "AESER": "Y/N", "AESDTH": "Y/N"},
        missing_warns={"AETOXGR": "no CTCAE grade: shown as Missing"}),
    "rs": DomainSpec(
        required=("STUDYID", "USUBJID", "RSTESTCD", "RSSTRESC", "RSEVAL", "RSDTC"),
        filled=("USUBJID", "RSTESTCD")),
    "tu": DomainSpec(
        required=("STUDYID", "USUBJID", "TULNKID", "TUTESTCD", "TUSTRESC"),
        filled=("USUBJID", "TULNKID", "TUTESTCD")),
    "tr": DomainSpec(
        required=("STUDYID", "USUBJID", "TRLNKID", "TRTESTCD", "TRSTRESC", "TRSTRESN"),
        filled=("USUBJID", "TRLNKID", "TRTESTCD"),
        numeric=("TRSTRESN",)),
    "lb": DomainSpec(
        required=("STUDYID", "USUBJID", "LBTESTCD", "LBSTRESN", "LBDTC"),
        filled=("USUBJID", "LBTESTCD"),
        expected={"LBSTNRLO": "liver tests cannot be graded against the normal range",
                  "LBSTNRHI": "liver tests cannot be graded against the normal range"},
        numeric=("LBSTRESN", "LBSTNRLO", "LBSTNRHI")),
    "mh": DomainSpec(required=("USUBJID", "MHTERM"), filled=("USUBJID",)),
    "cm": DomainSpec(required=("USUBJID", "CMTRT"), filled=("USUBJID",)),
    "vs": DomainSpec(required=("USUBJID", "VSTESTCD"), filled=("USUBJID", "VSTESTCD"),
                     numeric=("VSSTRESN",)),
    "sv": DomainSpec(required=("USUBJID", "SVSTDTC"), filled=("USUBJID",)),
    "dv": DomainSpec(required=("USUBJID", "DVTERM"), filled=("USUBJID",)),
}
SUPP = DomainSpec(required=("USUBJID", "RDOMAIN", "IDVAR", "IDVARVAL", "QNAM", "QVAL"),
                  filled=("USUBJID", "QNAM"), key=())
OTHER = DomainSpec(required=())


def spec_for(domain: str) -> DomainSpec:
    if domain.startswith("supp"):
        return SUPP
    return SPECS.get(domain, OTHER)

"""Tiny hand-made SDTM cuts for tests: a valid three-subject cut as text frames, helpers to change
it, and writers to a folder (local path or any fsspec URL) as csv, csv.gz, parquet or xpt.

    from cutkit import tiny_domains, with_rows, write_cut, make_cut, tiny_config, tiny_source
    domains = with_rows(tiny_domains(), "ae", [{"USUBJID": subject(1), "AESEQ": "9", ...}])
    location = write_cut(tmp_path / "2026-10-15", domains)          # files + _READY
    cut = make_cut(domains)                                          # in memory, no files

The tiny cut passes validation with the trial config with no finding at all, so a test can add
one fault and assert exactly the finding it gives.
"""
from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import fsspec
import pandas as pd

from tasks.config import TrialConfig, load_config, load_settings
from tasks.model import TEXT, Cut, SourceFile
from tasks.operation import Source

STUDY = "TQB2868-HAIC-201"
CUTOFF = date(2026, 10, 15)
ARM = {"ARMCD": "HAIC-TQB-RAM", "ARM": "HAIC + TQB2868 + ramucirumab",
       "ACTARMCD": "HAIC-TQB-RAM", "ACTARM": "HAIC + TQB2868 + ramucirumab"}


def subject(n: int) -> str:
    return f"{STUDY}-001-{n:04d}"


def frame(rows: list[dict], columns: list[str] | None = None) -> pd.DataFrame:
    """A text frame as a cut holds it: every value a string, missing = ""."""
    out = pd.DataFrame(rows, columns=columns, dtype=object)
    return out.fillna("").astype(str).reset_index(drop=True)


def _dm(n: int, consent: str, death: str = "") -> dict:
    return {"STUDYID": STUDY, "DOMAIN": "DM", "USUBJID": subject(n), "SUBJID": f"{n:04d}",
            "SITEID": "001", "RFICDTC": consent, "DTHDTC": death, "DTHFL": "Y" if death else "",
            "AGE": "61", "SEX": "M", "COUNTRY": "CHN", **ARM}


def tiny_domains() -> dict[str, pd.DataFrame]:
    """Three subjects consented 2026-01-05, 2026-02-01 and 2026-03-01; subject 2 died 2026-09-01."""
    s1, s2, s3 = subject(1), subject(2), subject(3)
    base = {"STUDYID": STUDY}
    return {
        "dm": frame([_dm(1, "2026-01-05"), _dm(2, "2026-02-01", "2026-09-01"),
                     _dm(3, "2026-03-01")]),
        "ds": frame([
            {**base, "DOMAIN": "DS", "USUBJID": s, "DSSEQ": "1",
             "DSTERM": "INFORMED CONSENT OBTAINED", "DSDECOD": "INFORMED CONSENT OBTAINED",
             "DSCAT": "PROTOCOL MILESTONE", "DSSTDTC": d}
            for s, d in ((s1, "2026-01-05"), (s2, "2026-02-01"), (s3, "2026-03-01"))]
            + [{**base, "DOMAIN": "DS", "USUBJID": s2, "DSSEQ": "2",
                "DSTERM": "DISEASE PROGRESSION", "DSDECOD": "DEATH", "DSCAT": "DISPOSITION EVENT",
                "DSSTDTC": "2026-09-01"}]),
        "ex": frame([
            {**base, "DOMAIN": "EX", "USUBJID": s, "EXSEQ": str(seq), "EXTRT": "TQB2868",
             "EXDOSE": "10", "EXDOSU": "mg/kg", "EXSTDTC": d, "EXENDTC": d}
            for s, seq, d in ((s1, 1, "2026-01-10"), (s1, 2, "2026-01-31"), (s2, 1, "2026-02-05"),
                              (s3, 1, "2026-03-05"))]),
        "ae": frame([
            {**base, "DOMAIN": "AE", "USUBJID": s1, "AESEQ": "1", "AETERM": "Nausea",
             "AEDECOD": "NAUSEA", "AEBODSYS": "GASTROINTESTINAL DISORDERS", "AETOXGR": "1",
             "AESEV": "MILD", "AESER": "N", "AESDTH": "N", "AESTDTC": "2026-01-12",
             "AEENDTC": "2026-01-20"},
            {**base, "DOMAIN": "AE", "USUBJID": s2, "AESEQ": "1", "AETERM": "Fatigue",
             "AEDECOD": "FATIGUE", "AEBODSYS": "GENERAL DISORDERS", "AETOXGR": "2",
             "AESEV": "MODERATE", "AESER": "N", "AESDTH": "N", "AESTDTC": "2026-02-10",
             "AEENDTC": "2026-02-20"}]),
        "suppae": frame([{**base, "RDOMAIN": "AE", "USUBJID": s1, "IDVAR": "AESEQ", "IDVARVAL": "1",
                          "QNAM": "AERELTQB", "QLABEL": "Related to TQB2868", "QVAL": "RELATED"}]),
        "suppdm": frame([{**base, "RDOMAIN": "DM", "USUBJID": s, "IDVAR": "", "IDVARVAL": "",
                          "QNAM": "ECOG", "QLABEL": "ECOG", "QVAL": "0"} for s in (s1, s2, s3)]),
        "rs": frame([
            {**base, "DOMAIN": "RS", "USUBJID": s, "RSSEQ": str(seq), "RSTESTCD": "OVRLRESP",
             "RSSTRESC": r, "RSEVAL": "INVESTIGATOR", "RSDTC": d}
            for s, seq, r, d in ((s1, 1, "SD", "2026-02-21"), (s1, 2, "PR", "2026-04-04"),
                                 (s3, 1, "SD", "2026-04-16"))]),
        "tu": frame([{**base, "DOMAIN": "TU", "USUBJID": s1, "TUSEQ": "1", "TULNKID": "T01",
                      "TUTESTCD": "TUMIDENT", "TUSTRESC": "TARGET", "TUDTC": "2026-01-06"}]),
        "tr": frame([
            {**base, "DOMAIN": "TR", "USUBJID": s1, "TRSEQ": str(seq), "TRLNKID": "T01",
             "TRTESTCD": "LDIAM", "TRSTRESC": v, "TRSTRESN": v, "TRDTC": d}
            for seq, v, d in ((1, "30", "2026-01-06"), (2, "20", "2026-02-21"))]),
        "lb": frame([{**base, "DOMAIN": "LB", "USUBJID": s1, "LBSEQ": "1", "LBTESTCD": "ALT",
                      "LBSTRESN": "30", "LBSTNRLO": "0", "LBSTNRHI": "40", "LBDTC": "2026-01-08"}]),
    }


def with_rows(domains: dict[str, pd.DataFrame], domain: str,
              rows: list[dict]) -> dict[str, pd.DataFrame]:
    """A copy of `domains` with rows appended to one domain (columns it lacks are added, empty)."""
    out = dict(domains)
    old = out.get(domain, frame([]))
    new = frame(rows)
    out[domain] = pd.concat([old, new], ignore_index=True).fillna("").astype(str)
    return out


def with_values(domains: dict[str, pd.DataFrame], domain: str, row: int,
                **values: str) -> dict[str, pd.DataFrame]:
    """A copy of `domains` with values set in one row (0-based index) of one domain."""
    out = dict(domains)
    changed = out[domain].copy()
    for column, value in values.items():
        if column not in changed.columns:
            changed[column] = ""
        changed.loc[row, column] = value
    out[domain] = changed
    return out


def make_cut(domains: dict[str, pd.DataFrame], cutoff: date = CUTOFF) -> Cut:
    """A cut in memory, as read_cut would return it from <domain>.csv files."""
    files = {d: SourceFile(domain=d, name=f"{d}.csv", uri=f"memory://tiny/{d}.csv",
                           sha256=hashlib.sha256(f.to_csv(index=False).encode()).hexdigest(),
                           rows=len(f)) for d, f in domains.items()}
    return Cut(cutoff=cutoff, location="memory://tiny",
               domains={d: f.astype(TEXT) for d, f in domains.items()}, files=files)


def write_cut(location: str | Path, domains: dict[str, pd.DataFrame], fmt: str = "csv",
              ready: bool = True) -> str:
    """Write each domain as <domain>.<fmt> (csv, csv.gz, parquet, xpt) and the _READY marker."""
    location = str(location)
    fs, path = fsspec.core.url_to_fs(location)
    fs.makedirs(path, exist_ok=True)
    for domain, data in domains.items():
        write_bytes(location, f"{domain}.{fmt}", to_bytes(data, fmt))
    if ready:
        write_bytes(location, "_READY", b"")
    return location


def to_bytes(data: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "csv":
        return data.to_csv(index=False).encode()
    if fmt == "csv.gz":
        import gzip
        return gzip.compress(data.to_csv(index=False).encode(), mtime=0)
    if fmt == "parquet":
        return data.to_parquet(index=False)
    if fmt == "xpt":
        import tempfile

        import pyreadstat
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "data.xpt"
            pyreadstat.write_xport(data, str(target))
            return target.read_bytes()
    raise ValueError(f"unknown format {fmt}")


def write_bytes(location: str, name: str, data: bytes) -> None:
    with fsspec.open(f"{location.rstrip('/')}/{name}", "wb") as fh:
        fh.write(data)


def folder_hashes(path: Path) -> dict[str, str]:
    """sha256 of every file under a local folder (to show the input is never changed)."""
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def tiny_config(**validation: object) -> TrialConfig:
    """The trial's analysis config, validation keys overridden."""
    cfg = load_config()
    return cfg.model_copy(update={"validation": cfg.validation.model_copy(update=validation)})


def tiny_source(**keys: object) -> Source:
    """The configured source: with no delay between read retries, keys overridden."""
    source = load_settings().operation.source
    return source.model_copy(update={"read_retry_delay_seconds": 0, **keys})


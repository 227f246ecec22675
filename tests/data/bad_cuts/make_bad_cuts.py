"""Write the bad-input corpus: a tiny consistent base cut (3 subjects) and, from it, one cut per
fault under tests/data/bad_cuts/<fault>/2026-10-31/, each with exactly one fault.

    .venv/bin/python tests/data/bad_cuts/make_bad_cuts.py             # rewrites the committed
    corpus
    .venv/bin/python tests/data/bad_cuts/make_bad_cuts.py --base ROOT # the clean base cut only

The 10 MB single-line cut is not committed: tests generate it with `write_cut_of(fault, root)`.
The base is written by hand here (not by the simulator) so that the corpus stays a few KB per
cut and does not change when the simulator does; tests check that the committed corpus is what
this script writes.
"""
from __future__ import annotations

import copy
import csv
import gzip
import io
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

HERE = Path(__file__).resolve().parent
CUTOFF = date(2026, 10, 31)
STUDY = "TQB2868-HAIC-201"
ARM = ("HAIC-TQB-RAM", "HAIC + TQB2868 + ramucirumab")
READY = "_READY"
LONG_LINE_BYTES = 10 * 1024 * 1024

Frame = dict[str, list]          # column -> values (text), all columns the same length
Files = dict[str, bytes]         # file name in the cut folder -> bytes


def _subject(site: str, n: int) -> str:
    return f"{STUDY}-{site}-{n:04d}"


S1, S2, S3 = _subject("001", 1), _subject("001", 2), _subject("002", 3)
#                 consent       first dose    death         birth        age sex
SUBJECTS = {S1: ("2025-06-02", "2025-06-10", "", "1961-04-17", "64", "M"),
            S2: ("2025-07-01", "2025-07-08", "2026-03-15", "1955-11-02", "69", "M"),
            S3: ("2025-08-05", "2025-08-12", "", "1970-01-23", "55", "F")}
DRUGS = [("OXALIPLATIN", "85", "mg/m2", "INTRA-ARTERIAL"),
         ("RALTITREXED", "3", "mg/m2", "INTRA-ARTERIAL"), ("TQB2868", "10", "mg/kg", "INTRAVENOUS"),
         ("RAMUCIRUMAB", "8", "mg/kg", "INTRAVENOUS")]
CYCLE_DAYS = (1, 22)   # study days of the two cycles given (q21 days)


def _rows(columns: list[str], rows: list[tuple]) -> Frame:
    return {c: [str(r[i]) for r in rows] for i, c in enumerate(columns)}


def _plus(day: str, days: int) -> str:
    return date.fromordinal(date.fromisoformat(day).toordinal() + days).isoformat()


def base_cut() -> dict[str, Frame]:
    """The clean base: DM, SUPPDM, DS, EX, AE, RS, TU, TR, LB of three treated subjects."""
    dm, suppdm, ds, ex, ae, rs, tu, tr, lb = ([] for _ in range(9))
    responses = {S1: ["PR", "PR", "PR"], S2: ["SD", "PD"], S3: ["SD", "SD", "NE"]}
    diameters = {S1: ["52", "31", "29", "28"], S2: ["40", "41", "55"], S3: ["35", "33", "34", "34"]}
    for usubjid, (consent, first, death, birth, age, sex) in SUBJECTS.items():
        last = _plus(first, CYCLE_DAYS[-1] - 1)
        site, subjid = usubjid.split("-")[-2:]
        dm.append((STUDY, "DM", usubjid, subjid, site, consent, first, last, first, last, death,
                   "Y" if death else "", birth, age, "YEARS", sex, "ASIAN",
                   "NOT HISPANIC OR LATINO", "CHN", *ARM, *ARM))
        for qnam, qval in (("ECOG", "1" if usubjid == S2 else "0"), ("BCLC", "C"),
                           ("CHILDPUG", "A"), ("ETIOLOGY", "HBV"), ("MVI", "N"), ("EHS", "Y"),
                           ("PRIORREG", "LENVATINIB")):
            suppdm.append((STUDY, "DM", usubjid, "", "", qnam, qval))
        ds.append((STUDY, "DS", usubjid, "INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED",
                   "PROTOCOL MILESTONE", "SCREENING", consent))
        for cycle, study_day in enumerate(CYCLE_DAYS, start=1):
            day = _plus(first, study_day - 1)
            for extrt, dose, unit, route in DRUGS:
                ex.append((STUDY, "EX", usubjid, extrt, dose, unit, route, day, day,
                           f"CYCLE {cycle} DAY 1"))
        for i, (day, result) in enumerate(zip(range(42, 200, 42), responses[usubjid]), start=1):
            rs.append((STUDY, "RS", usubjid, "OVRLRESP", "Overall Response", result, result,
                       "INVESTIGATOR", _plus(first, day - 1), f"WEEK {6 * i}", str(i + 1)))
        tu.append((STUDY, "TU", usubjid, "T01", "TUMIDENT", "TARGET", "LIVER", "INVESTIGATOR",
                   _plus(first, -6), "SCREENING"))
        for i, diameter in enumerate(diameters[usubjid]):
            day = _plus(first, -6) if i == 0 else _plus(first, 42 * i - 1)
            tr.append((STUDY, "TR", usubjid, "T01", "TARGET", "LDIAM", "Longest Diameter", diameter,
                       diameter, "mm", "INVESTIGATOR", day,
                       "SCREENING" if i == 0 else f"WEEK {6 * i}"))
        for testcd, value, unit, low, high in (("ALT", "32", "U/L", "7", "40"),
                                               ("BILI", "15", "umol/L", "3.4", "20.5"),
                                               ("AFP", "512", "ng/mL", "0", "7")):
            lb.append((STUDY, "LB", usubjid, testcd, value, value, unit, low, high,
                       _plus(first, -3), "SCREENING", "Y"))
    ds += [(STUDY, "DS", S2, "PROGRESSIVE DISEASE", "PROGRESSIVE DISEASE", "DISPOSITION EVENT",
            "TREATMENT", "2025-09-30"),
           (STUDY, "DS", S2, "Hepatocellular carcinoma progression", "DEATH", "DISPOSITION EVENT",
            "FOLLOW-UP", "2026-03-15")]
    ae = [(STUDY, "AE", S1, 1, "Rash", "Rash", "Skin and subcutaneous tissue disorders", "2",
           "MODERATE", "N", "N", "2025-06-20", "2025-07-02"),
          (STUDY, "AE", S1, 2, "ALT increased", "Alanine aminotransferase increased",
           "Investigations", "3", "SEVERE", "N", "N", "2025-07-15", "2025-07-29"),
          (STUDY, "AE", S2, 1, "Fatigue", "Fatigue", "General disorders and administration site "
           "conditions", "1", "MILD", "N", "N", "2025-07-12", ""),
          (STUDY, "AE", S3, 1, "Abdominal pain", "Abdominal pain", "Gastrointestinal disorders",
           "3", "SEVERE", "Y", "N", "2025-09-01", "2025-09-08")]
    return {
        "dm": _rows(["STUDYID", "DOMAIN", "USUBJID", "SUBJID", "SITEID", "RFICDTC", "RFSTDTC",
                     "RFENDTC", "RFXSTDTC", "RFXENDTC", "DTHDTC", "DTHFL", "BRTHDTC", "AGE", "AGEU",
                     "SEX", "RACE", "ETHNIC", "COUNTRY", "ARMCD", "ARM", "ACTARMCD", "ACTARM"], dm),
        "suppdm": _rows(["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QVAL"],
                        suppdm),
        "ds": _rows(["STUDYID", "DOMAIN", "USUBJID", "DSTERM", "DSDECOD", "DSCAT", "EPOCH",
                     "DSSTDTC"], ds),
        "ex": _rows(["STUDYID", "DOMAIN", "USUBJID", "EXTRT", "EXDOSE", "EXDOSU", "EXROUTE",
                     "EXSTDTC", "EXENDTC", "VISIT"], ex),
        "ae": _rows(["STUDYID", "DOMAIN", "USUBJID", "AESEQ", "AETERM", "AEDECOD", "AEBODSYS",
                     "AETOXGR", "AESEV", "AESER", "AESDTH", "AESTDTC", "AEENDTC"], ae),
        "rs": _rows(["STUDYID", "DOMAIN", "USUBJID", "RSTESTCD", "RSTEST", "RSORRES", "RSSTRESC",
                     "RSEVAL", "RSDTC", "VISIT", "VISITNUM"], rs),
        "tu": _rows(["STUDYID", "DOMAIN", "USUBJID", "TULNKID", "TUTESTCD", "TUSTRESC", "TULOC",
                     "TUEVAL", "TUDTC", "VISIT"], tu),
        "tr": _rows(["STUDYID", "DOMAIN", "USUBJID", "TRLNKID", "TRGRPID", "TRTESTCD", "TRTEST",
                     "TRSTRESC", "TRSTRESN", "TRSTRESU", "TREVAL", "TRDTC", "VISIT"], tr),
        "lb": _rows(["STUDYID", "DOMAIN", "USUBJID", "LBTESTCD", "LBORRES", "LBSTRESN", "LBSTRESU",
                     "LBSTNRLO", "LBSTNRHI", "LBDTC", "VISIT", "LBBLFL"], lb),
    }


def to_csv(frame: Frame, columns: list[str] | None = None, delimiter: str = ",") -> bytes:
    columns = columns or list(frame)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    n = len(next(iter(frame.values()))) if frame else 0
    writer.writerows([frame[c][i] for c in columns] for i in range(n))
    return out.getvalue().encode("utf-8")


def files_of(cut: dict[str, Frame]) -> Files:
    return {f"{domain}.csv": to_csv(frame) for domain, frame in cut.items()}


# ---- the faults: each takes the base cut (a deep copy) and returns the files of the bad cut ----

def _set(domain: str, column: str, row: int, value: str) -> Callable[[dict[str, Frame]], Files]:
    def fault(cut: dict[str, Frame]) -> Files:
        cut[domain][column][row] = value
        return files_of(cut)
    return fault


def _append_copy(domain: str, row: int, **changes: str) -> Callable[[dict[str, Frame]], Files]:
    """A copy of one record with some values changed, added at the end of the domain."""
    def fault(cut: dict[str, Frame]) -> Files:
        for column, values in cut[domain].items():
            values.append(changes.get(column, values[row]))
        return files_of(cut)
    return fault


def _missing_domain(cut: dict[str, Frame]) -> Files:
    files = files_of(cut)
    del files["rs.csv"]
    return files


def _truncated_gzip(cut: dict[str, Frame]) -> Files:
    files = files_of(cut)
    packed = gzip.compress(files.pop("ae.csv"), mtime=0)
    return {**files, "ae.csv.gz": packed[: len(packed) // 2]}


def _corrupt_parquet(cut: dict[str, Frame]) -> Files:
    files = files_of(cut)
    del files["rs.csv"]
    return {**files, "rs.parquet": b"PAR1" + bytes(range(7, 200)) + b"PAR1"}


def _drop_column(domain: str, column: str) -> Callable[[dict[str, Frame]], Files]:
    def fault(cut: dict[str, Frame]) -> Files:
        del cut[domain][column]
        return files_of(cut)
    return fault


def _replace_file(name: str, data: bytes) -> Callable[[dict[str, Frame]], Files]:
    def fault(cut: dict[str, Frame]) -> Files:
        return {**files_of(cut), name: data}
    return fault


def _semicolons(cut: dict[str, Frame]) -> Files:
    return {**files_of(cut), "ae.csv": to_csv(cut["ae"], delimiter=";")}


def _latin1(cut: dict[str, Frame]) -> Files:
    cut["ae"]["AETERM"][0] = "Fièvre"
    text = to_csv(cut["ae"]).decode("utf-8")
    return {**files_of(cut), "ae.csv": b"\xef\xbb\xbf" + text.encode("latin-1")}


def _duplicate_column(cut: dict[str, Frame]) -> Files:
    ae = cut["ae"]
    columns = list(ae)
    header = ",".join([*columns, "AETERM"])
    rows = [",".join(csv_field(ae[c][i]) for c in [*columns, "AETERM"])
            for i in range(len(ae["AETERM"]))]
    return {**files_of(cut), "ae.csv": ("\n".join([header, *rows]) + "\n").encode("utf-8")}


def csv_field(value: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([value])
    return out.getvalue()


def _long_line(cut: dict[str, Frame]) -> Files:
    files = files_of(cut)
    header = files["ae.csv"].split(b"\n", 1)[0]
    return {**files, "ae.csv": header + b"\n" + b"x" * LONG_LINE_BYTES + b"\n"}


def _unsafe_usubjid(cut: dict[str, Frame]) -> Files:
    """The third subject renamed everywhere (consistently): only the identifier is wrong."""
    for frame in cut.values():
        frame["USUBJID"] = ["../../etc/passwd" if s == S3 else s for s in frame["USUBJID"]]
    return files_of(cut)


def _future_onset(cut: dict[str, Frame]) -> Files:
    cut["ae"]["AESTDTC"][0], cut["ae"]["AEENDTC"][0] = "2099-03-14", ""
    return files_of(cut)


HTML_TEXT = '<b>Rash</b> <script>alert("x")</script> & <img src=x onerror=1>'


def _html(cut: dict[str, Frame]) -> Files:
    cut["ae"]["AETERM"][0] = cut["ae"]["AEDECOD"][0] = HTML_TEXT
    return files_of(cut)


@dataclass(frozen=True)
class Fault:
    """One fault: the cut it makes, and what `interim validate` / `interim run` must say."""
    name: str
    what: str
    make: Callable[[dict[str, Frame]], Files]
    severity: Literal["error", "warning", "none"]   # none: not a finding at all (HTML text)
    file: str                 # the file the message names
    column: str | None        # the column it names (None: a fault of the whole file)
    committed: bool = True    # False: generated at test time (too large for the repository)


FAULTS = [
    Fault("missing_required_domain", "rs.csv absent", _missing_domain, "error", "rs.csv", None),
    Fault("unreadable_gzip", "ae.csv.gz cut off half-way", _truncated_gzip, "error", "ae.csv.gz",
          None),
    Fault("unreadable_parquet", "rs.parquet is not Parquet", _corrupt_parquet, "error",
          "rs.parquet", None),
    Fault("missing_column", "AE without AEDECOD", _drop_column("ae", "AEDECOD"), "error", "ae.csv",
          "AEDECOD"),
    Fault("wrong_type_age", 'AGE "abc"', _set("dm", "AGE", 1, "abc"), "error", "dm.csv", "AGE"),
    Fault("wrong_type_exdose", 'EXDOSE "ten"', _set("ex", "EXDOSE", 5, "ten"), "error", "ex.csv",
          "EXDOSE"),
    Fault("impossible_date", "AESTDTC 2026-02-30", _set("ae", "AESTDTC", 2, "2026-02-30"), "error",
          "ae.csv", "AESTDTC"),
    Fault("duplicate_key", "USUBJID + AESEQ twice", _set("ae", "AESEQ", 1, "1"), "error", "ae.csv",
          "AESEQ"),
    Fault("subject_not_in_dm", "an AE of a subject not in DM",
          _append_copy("ae", 0, USUBJID=_subject("003", 9), AESEQ="1"), "error", "ae.csv",
          "USUBJID"),
    Fault("response_not_in_terms", 'RSSTRESC "VGPR"', _set("rs", "RSSTRESC", 1, "VGPR"), "error",
          "rs.csv", "RSSTRESC"),
    Fault("assessment_before_baseline", "a response dated before first dose (warning: not used)",
          _append_copy("rs", 0, RSDTC="2025-06-05", VISIT="SCREENING", VISITNUM="1"), "warning",
          "rs.csv", "RSDTC"),
    Fault("two_responses_one_date", "PR and PD on one date by one evaluator",
          _append_copy("rs", 1, RSORRES="PD", RSSTRESC="PD"), "error", "rs.csv", "RSSTRESC"),
    Fault("negative_diameter", "TRSTRESN -12", _set("tr", "TRSTRESN", 2, "-12"), "error", "tr.csv",
          "TRSTRESN"),
    Fault("missing_diameter", "a target lesion without its diameter (warning)",
          _set("tr", "TRSTRESN", 2, ""), "warning", "tr.csv", "TRSTRESN"),
    Fault("lesion_not_in_tu", "TR lesion T02 not identified in TU", _set("tr", "TRLNKID", 3, "T02"),
          "error", "tr.csv", "TRLNKID"),
    Fault("grade_out_of_range", "AETOXGR 7", _set("ae", "AETOXGR", 0, "7"), "error", "ae.csv",
          "AETOXGR"),
    Fault("missing_grade", "AETOXGR empty (warning: shown as Missing)",
          _set("ae", "AETOXGR", 0, ""), "warning", "ae.csv", "AETOXGR"),
    Fault("ae_end_before_start", "AEENDTC before AESTDTC", _set("ae", "AEENDTC", 0, "2025-06-01"),
          "error", "ae.csv", "AEENDTC"),
    Fault("lab_value_not_numeric", 'LBSTRESN "n.d."', _set("lb", "LBSTRESN", 1, "n.d."), "error",
          "lb.csv", "LBSTRESN"),
    Fault("missing_normal_range", "ALT without LBSTNRHI (warning: not graded)",
          _set("lb", "LBSTNRHI", 0, ""), "warning", "lb.csv", "LBSTNRHI"),
    Fault("empty_file", "ae.csv of 0 bytes", _replace_file("ae.csv", b""), "error", "ae.csv", None),
    Fault("binary_garbage", "ae.csv holds binary bytes",
          _replace_file("ae.csv", bytes(range(256)) * 4), "error", "ae.csv", None),
    Fault("wrong_delimiter", "ae.csv separated by ';'", _semicolons, "error", "ae.csv", None),
    Fault("bom_latin1", "ae.csv: a UTF-8 BOM, then latin-1 bytes (Fi\\xe8vre)", _latin1, "error",
          "ae.csv", "AETERM"),
    Fault("long_line", "ae.csv: one line of 10 MB (generated at test time)", _long_line, "error",
          "ae.csv", None, committed=False),
    Fault("duplicate_columns", "AETERM twice in the header", _duplicate_column, "error", "ae.csv",
          "AETERM"),
    Fault("excel_serial_date", "AESTDTC 45123 (an Excel day number)",
          _set("ae", "AESTDTC", 1, "45123"), "error", "ae.csv", "AESTDTC"),
    Fault("future_date", "an ongoing AE with AESTDTC 2099-03-14 (after the cut was extracted)",
          _future_onset, "error", "ae.csv", "AESTDTC"),
    Fault("path_in_usubjid", 'USUBJID "../../etc/passwd"', _unsafe_usubjid, "error", "dm.csv",
          "USUBJID"),
    Fault("control_characters", "AETERM with ESC and BEL characters",
          _set("ae", "AETERM", 0, "Rash\x1b[31m\x07"), "error", "ae.csv", "AETERM"),
    Fault("brackets_in_message", 'DOMAIN "[/x]" in ae.csv (the value is quoted in the message)',
          _set("ae", "DOMAIN", 0, "[/x]"), "error", "ae.csv", "DOMAIN"),
    Fault("html_in_free_text", "AETERM and AEDECOD holding HTML (must render as text)",
          _html, "none", "ae.csv", "AETERM"),
]
BY_NAME = {fault.name: fault for fault in FAULTS}


def write_files(files: Files, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(files.items()):
        (folder / name).write_bytes(data)
    (folder / READY).write_bytes(b"")
    return folder


def write_base(root: Path) -> Path:
    """The clean base cut in ROOT/2026-10-31/."""
    return write_files(files_of(base_cut()), Path(root) / CUTOFF.isoformat())


def write_cut_of(fault: Fault, root: Path) -> Path:
    """The fault's cut in ROOT/2026-10-31/ (ROOT is the data-cut root to pass as --source)."""
    return write_files(fault.make(copy.deepcopy(base_cut())), Path(root) / CUTOFF.isoformat())


def main(root: Path = HERE) -> None:
    for fault in FAULTS:
        target = root / fault.name
        shutil.rmtree(target, ignore_errors=True)
        if fault.committed:
            write_cut_of(fault, target)
    print(f"{sum(f.committed for f in FAULTS)} bad cuts written under {root}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--base"] and len(sys.argv) == 3:
        print(write_base(Path(sys.argv[2])))
    elif len(sys.argv) <= 2:
        main(Path(sys.argv[1]) if len(sys.argv) == 2 else HERE)
    else:
        sys.exit(__doc__)

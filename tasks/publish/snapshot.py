"""The record snapshot of a cut: one row per SDTM record (domain, USUBJID, record key, sha256 of
its content), kept in each version as provenance/records.parquet so that the next cut can tell
which records are new, changed or removed.

A record is matched across cuts by (domain, USUBJID, key). The key is the domain's natural key:
`--SEQ` where the domain has it on every record; for DM the subject alone; for SUPP-- domains
RDOMAIN, IDVAR, IDVARVAL, QNAM; otherwise the identifying variables of SDTMIG that the domain
holds (IDENTIFYING_VARIABLES: category, topic, link/group ids, evaluator, sponsor id, visit,
epoch, time point, date). Without --SEQ, a corrected identifying variable makes a record REMOVED
plus NEW rather than CHANGED. A key that repeats within a subject is numbered "#2", "#3" in file
order so that no record is merged away. The content hash is the sha256 of "NAME=value" for every
non-empty variable in sorted name order, so a variable added empty changes nothing.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tasks.model import Cut

SNAPSHOT_PATH = Path("provenance") / "records.parquet"
SNAPSHOT_COLUMNS = ["domain", "USUBJID", "key", "sha256"]
RECORD_KEY = ["domain", "USUBJID", "key"]
# SDTMIG identifying variables, "--" standing for the domain prefix; in each group the first
# variable the domain holds is used.
IDENTIFYING_VARIABLES = (
    ("--CAT",), ("--SCAT",), ("--TESTCD", "--TRT", "--DECOD", "--TERM"), ("--LNKID",),
    ("--GRPID",), ("--EVAL",), ("--SPID",), ("VISITNUM", "VISIT"), ("EPOCH",), ("--TPTNUM",),
    ("--STDTC", "--DTC"),
)
SUPP_KEY = ("RDOMAIN", "IDVAR", "IDVARVAL", "QNAM")
_FIELD_END = "\x1e"


def key_variables(domain: str, frame: pd.DataFrame) -> list[str]:
    """The variables whose values make the record key of `domain` (see the module docstring)."""
    code = domain.upper()
    if code == "DM":
        return []
    if code.startswith("SUPP"):
        return [v for v in SUPP_KEY if v in frame.columns]
    seq = f"{code}SEQ"
    if seq in frame.columns and frame[seq].astype(str).ne("").all():
        return [seq]
    chosen = []
    for group in IDENTIFYING_VARIABLES:
        names = [v.replace("--", code) for v in group]
        chosen += next(([n] for n in names if n in frame.columns), [])
    return chosen


_HASH_CHUNK_ROWS = 100_000


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].fillna("").astype(str)


def _record_keys(domain: str, frame: pd.DataFrame, usubjid: pd.Series) -> pd.Series:
    key = pd.Series("", index=frame.index, dtype=object)
    for i, var in enumerate(key_variables(domain, frame)):
        key = key + ("|" if i else "") + var + "=" + _text(frame, var)
    repeat = pd.DataFrame({"u": usubjid, "k": key}).groupby(["u", "k"], sort=False).cumcount() + 1
    return key.where(repeat.eq(1), key + "#" + repeat.astype(str))


def _content_hashes(frame: pd.DataFrame) -> list[str]:
    """sha256 of each row's "NAME=value<RS>" pieces of non-empty values, names sorted (the text
    is assembled by Arrow kernels: a million records take a few seconds), in chunks of rows so
    that the assembled text of a large domain never sits in memory whole."""
    return [digest for start in range(0, len(frame), _HASH_CHUNK_ROWS)
            for digest in _chunk_hashes(frame.iloc[start:start + _HASH_CHUNK_ROWS])]


def _chunk_hashes(frame: pd.DataFrame) -> list[str]:
    text = pa.large_string()
    nothing, end, joined = pa.scalar(None, text), pa.scalar(_FIELD_END, text), pa.scalar("", text)
    pieces = []
    for column in sorted(frame.columns):
        values = pa.array(_text(frame, column).to_numpy(dtype=object), type=text)
        values = pc.if_else(pc.equal(values, ""), nothing, values)   # null: the piece is left out
        pieces.append(pc.binary_join_element_wise(pa.scalar(column + "=", text), values, end, joined))
    if not pieces:
        return [hashlib.sha256(b"").hexdigest()] * len(frame)
    content = pc.binary_join_element_wise(*pieces, joined, null_handling="skip")  # last: separator
    sha256 = hashlib.sha256
    return [sha256(row).hexdigest() for row in
            content.cast(pa.large_binary()).to_numpy(zero_copy_only=False)]


def record_snapshot(cut: Cut) -> pd.DataFrame:
    """One row per SDTM record of the cut: domain, USUBJID, key, sha256 of its content."""
    parts = []
    for domain in sorted(cut.domains):
        frame = cut.domains[domain]
        usubjid = _text(frame, "USUBJID") if "USUBJID" in frame.columns else \
            pd.Series("", index=frame.index, dtype=object)
        parts.append(pd.DataFrame({"domain": domain.upper(), "USUBJID": usubjid.to_numpy(),
                                   "key": _record_keys(domain, frame, usubjid).to_numpy(),
                                   "sha256": _content_hashes(frame)}, columns=SNAPSHOT_COLUMNS,
                                  dtype=object))
    if not parts:
        return pd.DataFrame(columns=SNAPSHOT_COLUMNS, dtype=object)
    return pd.concat(parts, ignore_index=True)


def write_snapshot(snapshot: pd.DataFrame, version_path: Path) -> Path:
    """Write the snapshot into a (staging) version folder as provenance/records.parquet."""
    path = Path(version_path) / SNAPSHOT_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = pa.schema([(name, pa.string()) for name in SNAPSHOT_COLUMNS])
    pq.write_table(pa.Table.from_pandas(snapshot[SNAPSHOT_COLUMNS], schema=schema,
                                        preserve_index=False), path)
    return path

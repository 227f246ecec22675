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
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tasks.model import TEXT, Cut
from tasks.publish.row_digests import HexDigests, hex_digests, row_hasher

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


_HASH_CHUNK_ROWS = 50_000
TEXT_TYPE = pa.large_string()       # the storage of model.TEXT columns: taken without a copy
def _text(frame: pd.DataFrame, column: str) -> pa.ChunkedArray:
    """A column as Arrow text, missing as "" (zero-copy for model.TEXT columns)."""
    values = frame[column]
    if values.dtype != TEXT:
        values = values.fillna("").astype(str).astype(TEXT)
    return pc.fill_null(pa.chunked_array(pa.array(values, type=TEXT_TYPE)), "")


def _repeated(value: str, rows: int) -> pa.ChunkedArray:
    return pa.chunked_array([pa.repeat(pa.scalar(value, TEXT_TYPE), rows)])


def _record_keys(domain: str, frame: pd.DataFrame, usubjid: pa.ChunkedArray) -> pa.ChunkedArray:
    """"VAR=value|VAR=value" of the key variables; a key that repeats within a subject gets
    "#2", "#3" in file order."""
    pieces: list = []
    for i, var in enumerate(key_variables(domain, frame)):
        pieces += [pa.scalar(("|" if i else "") + var + "=", TEXT_TYPE), _text(frame, var)]
    key = pc.binary_join_element_wise(*pieces, pa.scalar("", TEXT_TYPE)) if pieces else \
        _repeated("", len(frame))
    keys = pd.Series(key, dtype=TEXT)
    repeat = pd.DataFrame({"u": pd.Series(usubjid, dtype=TEXT), "k": keys}) \
        .groupby(["u", "k"], sort=False).cumcount().to_numpy() + 1
    again = np.flatnonzero(repeat > 1)
    if not len(again):
        return key
    numbered = keys.to_numpy(dtype=object)
    numbered[again] = [f"{k}#{n}" for k, n in zip(numbered[again], repeat[again])]
    return pa.chunked_array([pa.array(numbered, TEXT_TYPE)])


def _chunk_digests(columns: dict[str, pa.ChunkedArray], rows: int,
                   hasher: HexDigests) -> pa.Array:
    """The sha256 of each of `rows` rows as 64-character lowercase hex text (one Arrow buffer)."""
    nothing, end, joined = (pa.scalar(None, TEXT_TYPE), pa.scalar(_FIELD_END, TEXT_TYPE),
                            pa.scalar("", TEXT_TYPE))
    pieces = []
    for column, values in columns.items():
        values = pc.if_else(pc.equal(values, ""), nothing, values)   # null: the piece is left out
        pieces.append(pc.binary_join_element_wise(pa.scalar(column + "=", TEXT_TYPE), values, end,
                                                  joined))
    if pieces:
        content = pc.binary_join_element_wise(*pieces, joined, null_handling="skip")  # separator
        text = hasher(*_offsets_and_data(content.combine_chunks().cast(pa.large_binary())))
    else:
        text = hashlib.sha256(b"").hexdigest().encode("ascii") * rows
    offsets = np.arange(0, 64 * (rows + 1), 64, dtype=np.int64)
    return pa.Array.from_buffers(TEXT_TYPE, rows, [None, pa.py_buffer(offsets),
                                                   pa.py_buffer(text)])


def _offsets_and_data(content: pa.Array) -> tuple[memoryview, memoryview]:
    """A large_binary array (no nulls) as its rows' int64 offsets from 0 and their bytes."""
    if content.null_count:
        raise ValueError("a record's content is never null")
    offsets = np.frombuffer(content.buffers()[1], dtype=np.int64)[
        content.offset:content.offset + len(content) + 1]
    data = content.buffers()[2]
    start, stop = int(offsets[0]), int(offsets[-1])
    return (memoryview((offsets - start).tobytes()).cast("q"),
            memoryview(data)[start:stop] if data is not None else memoryview(b""))


def _snapshot_pieces(domains: Iterable[tuple[str, pd.DataFrame]],
                     hasher: HexDigests = hex_digests) -> Iterator[pa.Table]:
    """The snapshot's rows (SNAPSHOT_COLUMNS, TEXT_TYPE) of each (domain, frame), in chunks of
    rows: the text of a large domain's values, assembled per row to be hashed, never sits in
    memory whole, nor do the digests of the whole cut."""
    for domain, frame in domains:
        usubjid = _text(frame, "USUBJID") if "USUBJID" in frame.columns else \
            _repeated("", len(frame))
        keys = _record_keys(domain, frame, usubjid)
        names = sorted(frame.columns)
        for start in range(0, len(frame), _HASH_CHUNK_ROWS):
            rows = frame.iloc[start:start + _HASH_CHUNK_ROWS]
            digests = _chunk_digests({name: _text(rows, name) for name in names}, len(rows),
                                     hasher)
            yield pa.table({"domain": _repeated(domain.upper(), len(rows)),
                            "USUBJID": usubjid.slice(start, len(rows)),
                            "key": keys.slice(start, len(rows)), "sha256": digests})


def record_snapshot(cut: Cut) -> pd.DataFrame:
    """One row per SDTM record of the cut: domain, USUBJID, key, sha256 of its content (TEXT)."""
    pieces = list(_snapshot_pieces(sorted(cut.domains.items())))
    if not pieces:
        return pd.DataFrame({column: pd.Series([], dtype=TEXT) for column in SNAPSHOT_COLUMNS})
    return pa.concat_tables(pieces).to_pandas(types_mapper={TEXT_TYPE: TEXT}.get)


def write_snapshot(cut: Cut, version_path: Path, last: Collection[str] = ()) -> Path:
    """Write the record snapshot of `cut` into a (staging) version folder as
    provenance/records.parquet, piece by piece (the rows of record_snapshot; the domains in name
    order, those of `last` at the end). Each domain is let go from `cut` once hashed: given a view
    of the flow's cut (Cut.view) beside a derivation that lets the same frames go, `last` being
    the domains the derivation reads last, no frame is held longer than one of the two needs it."""
    path = Path(version_path) / SNAPSHOT_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = pa.schema([(name, pa.string()) for name in SNAPSHOT_COLUMNS])
    order = sorted(cut.domains, key=lambda domain: (domain in last, domain))
    records = sum(len(frame) for frame in cut.domains.values())
    with pq.ParquetWriter(path, schema) as writer, row_hasher(records) as hasher:
        for piece in _snapshot_pieces(_handed_on(cut, order), hasher):
            writer.write_table(piece.cast(schema))
    return path


def _handed_on(cut: Cut, order: list[str]) -> Iterator[tuple[str, pd.DataFrame]]:
    """(domain, frame) in `order`, each let go from `cut` as it is handed on (freed once the
    reader asks for the next)."""
    for domain in order:
        frame = cut.domains[domain]
        cut.let_go([domain])
        yield domain, frame
        del frame


def read_snapshot(path: Path) -> pd.DataFrame:
    """A snapshot file (provenance/records.parquet) as written, its columns TEXT (a row per SDTM
    record: as Python strings they would take most of the memory)."""
    return pq.read_table(path).to_pandas(types_mapper={pa.string(): TEXT, TEXT_TYPE: TEXT}.get)

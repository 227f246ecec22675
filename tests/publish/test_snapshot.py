"""The record snapshot hashed in Arrow gives the hashes of the earlier implementation (Python
strings joined per row): a previous version's provenance/records.parquet must compare equal."""
from __future__ import annotations

import hashlib
from datetime import date

import pandas as pd
import pyarrow.parquet as pq

from tasks.ingest.parse import parse_table
from tasks.model import TEXT, Cut
from tasks.publish.snapshot import read_snapshot, record_snapshot, write_snapshot

CSV = {
    "ae": "STUDYID,DOMAIN,USUBJID,AESEQ,AETERM,AEDECOD,AETOXGR,AESTDTC,AEENDTC\n"
          "S,AE,S-01-0001,1,Fièvre,PYREXIA,2,2026-01-03,\n"
          "S,AE,S-01-0001,2,\"Rash, mild\",RASH,1,2026-01-05,2026-01-09\n",
    "rs": "STUDYID,DOMAIN,USUBJID,RSTESTCD,RSSTRESC,RSEVAL,VISITNUM,RSDTC\n"
          "S,RS,S-01-0001,OVRLRESP,SD,INVESTIGATOR,2,2026-02-01\n"
          "S,RS,S-01-0001,OVRLRESP,PR,INVESTIGATOR,2,2026-02-01\n"
          "S,RS,S-01-0002,OVRLRESP,PD,,3,2026-03-01\n",
    "dm": "STUDYID,DOMAIN,USUBJID,AGE,SEX\nS,DM,S-01-0001,61,F\nS,DM,S-01-0002,,M\n",
    "suppae": "STUDYID,RDOMAIN,USUBJID,IDVAR,IDVARVAL,QNAM,QVAL\n"
              "S,AE,S-01-0001,AESEQ,1,AERELHAI,RELATED\n",
}
RS_KEY = "RSTESTCD=OVRLRESP|RSEVAL=INVESTIGATOR|VISITNUM=2|RSDTC=2026-02-01"
# Made by the implementation before Arrow (commit b082e39) from the same four files.
EARLIER = [
    ("AE", "S-01-0001", "AESEQ=1",
     "4d57c575ff4d80561f94c119c20f7e54a00341b974a911a5328ccb88377d1800"),
    ("AE", "S-01-0001", "AESEQ=2",
     "0d1a3fd79d1b9b8d085de946f70975af22196bfa6df5db1715dbcf971c86990c"),
    ("DM", "S-01-0001", "", "5e448d508cfbc9d289e8a2fb5b4e10b0024696d764be0ca6ebcdc750f04845cf"),
    ("DM", "S-01-0002", "", "f648df2b9f6b01a5310d65936dfd88285d7099266f2e50835a27f1abc92b8ccd"),
    ("RS", "S-01-0001", RS_KEY, "541a4ce19f2f21d94cd41e88b82280d5f673d713808a253666ebf5529026f3c0"),
    ("RS", "S-01-0001", RS_KEY + "#2",
     "3cf7fe6e7055f164a61e95e715f852bebc84f8bb2efa49d509a5e3a5cb001d02"),
    ("RS", "S-01-0002", "RSTESTCD=OVRLRESP|RSEVAL=|VISITNUM=3|RSDTC=2026-03-01",
     "1fee7ead97cd1a29efc5f40bdde4fa5022dbf9eb1fda507df5aadd95e081c5dd"),
    ("SUPPAE", "S-01-0001", "RDOMAIN=AE|IDVAR=AESEQ|IDVARVAL=1|QNAM=AERELHAI",
     "c941bdb59c0e5fad6ac1a872b58dc10c4c3eb42992bb10b16f7a47182c4a5cda"),
]


def _cut(domains: dict[str, pd.DataFrame]) -> Cut:
    return Cut(cutoff=date(2026, 3, 31), location="memory", domains=domains, files={})


def _read(name: str) -> pd.DataFrame:
    return parse_table(CSV[name].encode(), f"{name}.csv", 1 << 20, "utf-8")


def test_arrow_hashes_equal_the_earlier_implementations():
    snapshot = record_snapshot(_cut({name: _read(name) for name in CSV}))
    assert [tuple(row) for row in snapshot.itertuples(index=False)] == EARLIER
    assert all(snapshot[column].dtype == TEXT for column in snapshot.columns)


def test_the_hash_is_sha256_of_the_sorted_non_empty_name_value_pieces():
    pieces = ["AEDECOD=PYREXIA", "AESEQ=1", "AESTDTC=2026-01-03", "AETERM=Fièvre", "AETOXGR=2",
              "DOMAIN=AE", "STUDYID=S", "USUBJID=S-01-0001"]          # AEENDTC is empty: left out
    assert hashlib.sha256("".join(p + "\x1e" for p in pieces).encode()).hexdigest() == EARLIER[0][3]


def test_object_text_and_arrow_text_hash_alike():
    as_objects = {name: _read(name).astype(object) for name in CSV}
    snapshot = record_snapshot(_cut(as_objects))
    assert [tuple(row) for row in snapshot.itertuples(index=False)] == EARLIER


def test_rows_are_hashed_across_chunk_boundaries(monkeypatch):
    import tasks.publish.snapshot as snapshot_module

    monkeypatch.setattr(snapshot_module, "_HASH_CHUNK_ROWS", 2)    # the 3 RS rows: two chunks
    snapshot = record_snapshot(_cut({name: _read(name) for name in CSV}))
    assert [tuple(row) for row in snapshot.itertuples(index=False)] == EARLIER


def test_the_written_snapshot_is_the_snapshot_in_chunks(monkeypatch, tmp_path):
    import tasks.publish.snapshot as snapshot_module

    monkeypatch.setattr(snapshot_module, "_HASH_CHUNK_ROWS", 2)    # RS is written in two pieces
    path = write_snapshot(_cut({name: _read(name) for name in CSV}), tmp_path)
    assert path == tmp_path / "provenance" / "records.parquet"
    written = read_snapshot(path)
    assert [tuple(row) for row in written.itertuples(index=False)] == EARLIER
    assert pq.ParquetFile(path).metadata.num_row_groups == 5        # AE, DM, RS twice, SUPPAE
    empty = read_snapshot(write_snapshot(_cut({}), tmp_path / "none"))
    assert list(empty.columns) == ["domain", "USUBJID", "key", "sha256"] and empty.empty


def test_written_domains_are_let_go_as_hashed_and_those_named_last_come_last(monkeypatch,
                                                                             tmp_path):
    """In the flow the snapshot reads a view of the cut beside the derivation: a frame hashed is
    not held while the next is hashed, and the domains the derivation reads last wait to the
    end (those it lets go early go early from both)."""
    import weakref

    import tasks.publish.snapshot as snapshot_module

    cut = _cut({name: _read(name) for name in CSV})
    frames = {name: weakref.ref(frame) for name, frame in cut.domains.items()}
    alive_while_hashing: list[list[str]] = []
    digests = snapshot_module._chunk_digests

    def watched(columns, rows, hasher):
        alive_while_hashing.append(sorted(name for name, ref in frames.items()
                                           if ref() is not None))
        return digests(columns, rows, hasher)
    monkeypatch.setattr(snapshot_module, "_chunk_digests", watched)
    written = read_snapshot(write_snapshot(cut, tmp_path, last=("ae", "suppae")))
    assert written["domain"].drop_duplicates().tolist() == ["DM", "RS", "AE", "SUPPAE"]
    assert sorted(map(tuple, written.itertuples(index=False))) == sorted(EARLIER)
    assert alive_while_hashing == [["ae", "dm", "rs", "suppae"], ["ae", "rs", "suppae"],
                                   ["ae", "suppae"], ["suppae"]]
    assert cut.domains == {} and cut.released == set(CSV)

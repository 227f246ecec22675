"""The rows' sha256 made in the hashing process are hashlib's, row for row; the record snapshot
made with the process is the snapshot made without it, byte for byte; a process that dies is
reported, and one whose rows are all sent ends when its stdin closes."""
from __future__ import annotations

import hashlib

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tasks.publish.row_digests as row_digests
from tasks.errors import InterimError
from tasks.publish.row_digests import hex_digests, row_hasher
from tasks.publish.snapshot import write_snapshot
from tests.publish.test_snapshot import CSV, EARLIER, _cut, _read


def _parts(rows: list[bytes]) -> tuple[memoryview, memoryview]:
    offsets = np.concatenate([[0], np.cumsum([len(row) for row in rows])]).astype(np.int64)
    return memoryview(offsets).cast("B").cast("q"), memoryview(b"".join(rows))


def _expected(rows: list[bytes]) -> bytes:
    return "".join(hashlib.sha256(row).hexdigest() for row in rows).encode("ascii")


@given(st.lists(st.binary(max_size=40), max_size=30))
def test_hex_digests_are_each_rows_sha256(rows):
    assert hex_digests(*_parts(rows)) == _expected(rows)


def test_the_process_answers_each_request_as_hashlib(monkeypatch):
    monkeypatch.setattr(row_digests, "BESIDE_FROM", 1)
    batches = [[b"", b"AESEQ=1\x1e", "Fièvre".encode()], [], [bytes(range(256)) * 40] * 3]
    with row_hasher(10) as hasher:
        assert hasher is not hex_digests
        process = hasher.process                      # type: ignore[attr-defined]
        assert [hasher(*_parts(rows)) for rows in batches] == [_expected(r) for r in batches]
    assert process.returncode == 0                  # stdin closed: it ended by itself
    with row_hasher(row_digests.BESIDE_FROM - 1) as hasher:
        assert hasher is hex_digests                # a small cut: no process


def test_the_snapshot_made_beside_is_the_same_file(tmp_path, monkeypatch):
    cut = {name: _read(name) for name in CSV}
    plain = tmp_path / "plain"
    write_snapshot(_cut(dict(cut)), plain)
    monkeypatch.setattr(row_digests, "BESIDE_FROM", 1)
    beside = write_snapshot(_cut(dict(cut)), tmp_path / "beside")
    assert beside.read_bytes() == (plain / beside.relative_to(tmp_path / "beside")).read_bytes()
    written = pq.read_table(beside).to_pylist()
    assert sorted(tuple(row.values()) for row in written) == sorted(EARLIER)


def test_a_process_that_died_is_reported(monkeypatch):
    monkeypatch.setattr(row_digests, "BESIDE_FROM", 1)
    with pytest.raises(InterimError, match="hashing process ended"), row_hasher(10) as hasher:
        hasher.process.kill()                        # type: ignore[attr-defined]
        hasher.process.wait()                        # type: ignore[attr-defined]
        hasher(*_parts([b"a row"]))

"""The sha256 of many short byte strings (the record snapshot's rows), as lowercase hex: in the
calling process for a small cut, in a process of its own for a large one. Hashing row by row
holds the GIL (a call per row: 20,000 subjects' 5.8 million records, about 9 s of the snapshot's
17), and the snapshot runs in a thread beside the derivation, which then waits for it: in a
process of its own the other core hashes. The process is `python -m tasks.publish.row_digests`
(stdlib only: it starts in a few tens of milliseconds); each request on its stdin is a header
(rows, bytes), the rows' int64 offsets and their bytes; its answer on stdout is 64 hex
characters a row."""
from __future__ import annotations

import contextlib
import hashlib
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, cast

from tasks.child_process import module_env
from tasks.errors import InterimError

BESIDE_FROM = 500_000        # rows of a cut: below, the process's start costs more than it saves
_HEADER = struct.Struct("<qq")
HexDigests = Callable[[memoryview, memoryview], bytes]


def hex_digests(offsets: memoryview, data: memoryview) -> bytes:
    """The sha256 of each row, data[offsets[i]:offsets[i + 1]], as 64 hex characters a row;
    `offsets` holds int64 (format "q"), one more than there are rows."""
    sha256 = hashlib.sha256
    return b"".join([sha256(data[offsets[i]:offsets[i + 1]]).digest()
                     for i in range(len(offsets) - 1)]).hex().encode("ascii")


@contextmanager
def row_hasher(rows: int) -> Iterator[HexDigests]:
    """What hashes the rows of a cut of `rows` records: hex_digests itself, or from BESIDE_FROM
    rows a process started now (and ended on leaving)."""
    if rows < BESIDE_FROM:
        yield hex_digests
        return
    beside = _DigestsBeside()
    try:
        yield beside
    finally:
        beside.close()


class _DigestsBeside:
    """The hashing process; called as hex_digests, it sends the rows and returns the answer."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", __name__], env=module_env(),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.requests = cast(IO[bytes], self.process.stdin)      # PIPE: never None
        self.answers = cast(IO[bytes], self.process.stdout)
        self.failed = False          # reported by __call__ already

    def __call__(self, offsets: memoryview, data: memoryview) -> bytes:
        rows = len(offsets) - 1
        try:
            self.requests.write(_HEADER.pack(rows, len(data)))
            self.requests.write(offsets)
            self.requests.write(data)
            self.requests.flush()
            answer = self.answers.read(64 * rows)
        except OSError:
            answer = b""
        if len(answer) != 64 * rows:
            self.process.kill()
            self.failed = True
            raise InterimError("the record snapshot's hashing process ended (exit code "
                               f"{self.process.wait()})")
        return answer

    def close(self) -> None:
        """End the process (its stdin closed: it ends when it has read everything)."""
        with contextlib.suppress(OSError):
            self.requests.close()
        self.answers.close()
        if self.process.wait() != 0 and not self.failed:
            raise InterimError(f"the record snapshot's hashing process failed (exit code "
                               f"{self.process.returncode})")


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError(f"{len(data)} of {size} bytes")
    return data


def _serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The process: each request answered until stdin closes."""
    while header := requests.read(_HEADER.size):
        if len(header) != _HEADER.size:
            raise EOFError(f"a request header of {len(header)} bytes")
        rows, size = _HEADER.unpack(header)
        offsets = memoryview(_read_exactly(requests, 8 * (rows + 1))).cast("q")
        data = memoryview(_read_exactly(requests, size))
        try:
            answers.write(hex_digests(offsets, data))
            answers.flush()
        except BrokenPipeError:     # the flow's process ended (killed): nobody to answer
            return


if __name__ == "__main__":
    _serve(sys.stdin.buffer, sys.stdout.buffer)

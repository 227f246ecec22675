"""parse._longest_line: the longest line's length and number, the same whether the data is
searched in one block or in blocks smaller than a line."""
from __future__ import annotations

import pytest

from tasks.ingest import parse

CASES = [(b"", (0, 1)), (b"abc", (3, 1)), (b"\n", (0, 1)), (b"ab\nabcd\nabc\n", (4, 2)),
         (b"ab\nabc", (3, 2)), (b"abc\nabc\n", (3, 1)), (b"\n\n\nxx", (2, 4)),
         (b"a\r\nbbbbbb\r\ncc", (7, 2))]


@pytest.mark.parametrize("block", [1 << 24, 1, 2, 3, 5])
def test_longest_line_by_blocks(monkeypatch, block):
    monkeypatch.setattr(parse, "_LINE_BLOCK", block)
    assert [parse._longest_line(data) for data, _ in CASES] == [want for _, want in CASES]

"""The content-keyed cache folders (tasks/cache.py): written whole or not at all, and a complete
folder is never replaced under a run that may be reading it."""
from __future__ import annotations

from pathlib import Path

import pytest

from tasks.cache import COMPLETE_MARKER, is_complete, write_folder


def _writer(text: str):
    return lambda partial: (partial / "data.txt").write_text(text)


def test_a_second_writer_of_a_key_keeps_the_first_complete_folder(tmp_path):
    folder = tmp_path / "adam" / "key"
    write_folder(folder, _writer("first"))
    inode = folder.stat().st_ino
    # another run of the same cut finishes its derivation later (same key, same content)
    write_folder(folder, _writer("second"))
    assert folder.stat().st_ino == inode and (folder / "data.txt").read_text() == "first"
    assert is_complete(folder)
    assert sorted(p.name for p in folder.parent.iterdir()) == ["key"]    # no partial left


def test_an_incomplete_folder_is_replaced(tmp_path):
    folder = tmp_path / "adam" / "key"
    folder.mkdir(parents=True)
    (folder / "data.txt").write_text("half")         # no marker: left by older code
    write_folder(folder, _writer("whole"))
    assert (folder / "data.txt").read_text() == "whole" and (folder / COMPLETE_MARKER).is_file()
    assert sorted(p.name for p in folder.parent.iterdir()) == ["key"]


def test_a_failed_write_leaves_no_folder(tmp_path):
    folder = tmp_path / "adam" / "key"

    def fail(partial: Path) -> None:
        (partial / "data.txt").write_text("half")
        raise OSError("disk full")
    with pytest.raises(OSError, match="disk full"):
        write_folder(folder, fail)
    assert not folder.exists()

"""write_cut: ROOT/YYYY-MM-DD/<domain>.csv, the ready marker last, byte-identical, no overwrite."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tasks.errors import BadInputError
from tasks.simulate import DOMAINS, simulate_cut, write_cut

CUTOFF = date(2026, 10, 31)


@pytest.fixture(scope="module")
def small(cfg, simulation):
    return simulate_cut(cfg, simulation, CUTOFF, 40, 20261)


def test_writes_every_domain_then_the_ready_marker_last(small, tmp_path, monkeypatch):
    marker = "_COMPLETE"
    written = []
    original = pd.DataFrame.to_csv

    def spy(frame, path, *args, **kwargs):
        written.append((Path(path).name, (Path(path).parent / marker).exists()))
        return original(frame, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", spy)
    folder = write_cut(small, tmp_path, CUTOFF, marker)
    assert folder == tmp_path / "2026-10-31"
    assert len(written) == len(DOMAINS) and not any(ready for _, ready in written)
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([f"{d}.csv" for d in DOMAINS] + [marker])
    assert (folder / marker).stat().st_size == 0


def test_same_seed_and_cutoff_give_byte_identical_files(small, cfg, simulation, tmp_path):
    first = write_cut(small, tmp_path / "a", CUTOFF)
    second = write_cut(simulate_cut(cfg, simulation, CUTOFF, 40, 20261), tmp_path / "b", CUTOFF)
    for domain in DOMAINS:
        assert (first / f"{domain}.csv").read_bytes() == (second / f"{domain}.csv").read_bytes()
    assert b"\r\n" not in (first / "ae.csv").read_bytes()


def test_written_files_read_back_as_the_frames(small, tmp_path):
    folder = write_cut(small, tmp_path, CUTOFF)
    for domain in DOMAINS:
        back = pd.read_csv(folder / f"{domain}.csv", dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(back, small[domain], check_dtype=False, obj=domain)


def test_refuses_to_overwrite_a_complete_cut_unless_told(small, tmp_path):
    folder = write_cut(small, tmp_path, CUTOFF)
    (folder / "extra.csv").write_text("stale\n")
    before = (folder / "dm.csv").read_bytes()
    with pytest.raises(BadInputError, match="already there"):
        write_cut(small, tmp_path, CUTOFF)
    assert (folder / "dm.csv").read_bytes() == before
    write_cut(small, tmp_path, CUTOFF, overwrite=True)
    assert not (folder / "extra.csv").exists() and (folder / "_READY").exists()


def test_an_incomplete_folder_without_marker_is_completed(small, tmp_path):
    folder = tmp_path / "2026-10-31"
    folder.mkdir()
    (folder / "dm.csv").write_text("half written")
    write_cut(small, tmp_path, CUTOFF)
    assert (folder / "dm.csv").read_text().startswith("STUDYID,DOMAIN,USUBJID")

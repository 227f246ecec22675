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

    def spy(frame, file, *args, **kwargs):        # an open file: its name is the partial file's
        path = Path(file.name)
        written.append((path.name, (path.parent / marker).exists()))
        return original(frame, file, *args, **kwargs)

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


def test_a_large_trial_is_simulated_and_written_in_parts(cfg, simulation, tmp_path, monkeypatch):
    import tasks.simulate as simulate

    monkeypatch.setattr(simulate, "CHUNK_SUBJECTS", 20)
    parts = list(simulate.simulate_parts(cfg, simulation, CUTOFF, 50, 20261))
    assert len(parts) == 3
    # part 0 is the trial of its 20 subjects with the seed itself
    alone = simulate.simulate_cut(cfg, simulation, CUTOFF, 20, 20261)
    for domain in DOMAINS:
        pd.testing.assert_frame_equal(parts[0][domain], alone[domain])
    subjects = [part["dm"]["USUBJID"] for part in parts]
    assert sum(map(len, subjects)) == len(set(pd.concat(subjects))) > 40   # no subject twice
    # each site numbers on from the parts before: 1, 2, ... over the whole trial
    dm = pd.concat([part["dm"] for part in parts], ignore_index=True)
    numbers = dm["SUBJID"].str.rsplit("-", n=1).str[1].astype(int)
    for _, site in numbers.groupby(dm["SITEID"]):
        assert sorted(site) == list(range(1, len(site) + 1))
    # written part after part: the files of the parts as one
    folder = simulate.write_parts(iter(parts), tmp_path / "parts", CUTOFF)
    whole = simulate.write_cut(simulate.simulate_cut(cfg, simulation, CUTOFF, 50, 20261),
                               tmp_path / "whole", CUTOFF)
    for domain in DOMAINS:
        assert (folder / f"{domain}.csv").read_bytes() == (whole / f"{domain}.csv").read_bytes()
    assert (folder / "lb.csv").read_bytes().count(b"\n") == sum(len(p["lb"]) for p in parts) + 1

"""The version's files besides the PDFs (tasks.publish.contents): every table's RTF twin, made
once per content and kept for a re-run."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tasks.report.rtf
from tasks.cache import is_complete
from tasks.errors import InterimError
from tasks.model import Profile, Table
from tasks.publish import contents, rtf_process
from tasks.report.rtf import table_rtf

MARKING = "CONFIDENTIAL - CLOSED SESSION - FOR DSMB MEMBERS ONLY"


def _listing(rows: int) -> Table:
    display = pd.DataFrame({"Subject": [f"S-{k}" for k in range(rows)],
                            "Onset day": [str(k) for k in range(rows)]})
    return Table(id="t_14_3_5_2_sae_listing", number="14.3.5.2", title="Listing of SAEs",
                 population="All subjects with an SAE", data=display, display=display)


def test_an_unchanged_table_is_not_made_again(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    made: list[str] = []

    def counted(table: Table, marking: str) -> bytes:
        made.append(table.id)
        return table_rtf(table, marking)
    monkeypatch.setattr(tasks.report.rtf, "table_rtf", counted)     # read when a table is written
    for folder in ("v1", "v2"):          # a run and its re-run
        contents.write_rtf_files(rtf_process.rtf_jobs([(_listing(60), MARKING)]),
                                 tmp_path / folder / "tables")
    contents.write_rtf_files(rtf_process.rtf_jobs([(_listing(61), MARKING)]),
                             tmp_path / "v3" / "tables")
    assert made == ["t_14_3_5_2_sae_listing"] * 2                  # v1 and v3, not v2
    rtf = [(tmp_path / v / "tables" / "rtf" / "t_14_3_5_2_sae_listing.rtf").read_bytes()
           for v in ("v1", "v2", "v3")]
    assert rtf[0] == rtf[1] == table_rtf(_listing(60), MARKING) != rtf[2]
    assert b"S-60" in rtf[2] and b"S-60" not in rtf[0]


_TEXT = st.text(alphabet=st.sampled_from(list("ab ,\"'\r\n\x1eé")), max_size=6)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.tuples(_TEXT, st.one_of(st.none(), st.floats(-1e6, 1e6))),
                         max_size=4), min_size=2, max_size=6))
def test_frames_of_one_layout_written_together_give_each_frame_its_own_csv(parts):
    """The patient profiles' CSVs are cut from one CSV of them all (contents._csvs): each must be
    the bytes it would have alone, whatever its text holds (line breaks, quotes, commas)."""
    frames = [pd.DataFrame({"TERM": pd.Series([t for t, _ in rows], dtype=object),
                            "AVAL": pd.Series([v for _, v in rows], dtype="float64")})
              for rows in parts]
    assert contents._csvs(frames) == [contents._csv(frame) for frame in frames]


def test_the_rtf_made_beside_are_the_flows_own_and_a_rerun_starts_no_process(tmp_path: Path,
                                                                              monkeypatch) -> None:
    """From BESIDE_FROM cells the tables' RTF are made in a process of their own into the cache:
    the same bytes as table_rtf here; with them all cached (a re-run) no process is started."""
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(rtf_process, "BESIDE_FROM", 100)
    tables = [(_listing(60), MARKING), (_listing(61), "OPEN SESSION")]
    jobs = rtf_process.rtf_jobs(tables)
    with rtf_process.rtf_made_beside(jobs) as made:
        process = made.__self__.process                     # type: ignore[attr-defined]
        made()
    assert process.returncode == 0
    for job, (table, marking) in zip(jobs, tables):
        assert is_complete(job.folder)
        assert (job.folder / "table.rtf").read_bytes() == table_rtf(table, marking)
    with rtf_process.rtf_made_beside(rtf_process.rtf_jobs(tables)) as made:
        assert not hasattr(made, "__self__")                # nothing to make: no process
        made()


def test_an_error_in_the_rtf_process_is_raised_in_the_flow(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(rtf_process, "BESIDE_FROM", 1)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    # its cache folder cannot be made
    job = rtf_process.RtfJob(blocked / "rtf" / "key", _listing(3), MARKING)
    with pytest.raises(NotADirectoryError), rtf_process.rtf_made_beside([job]) as made:
        made()
    with pytest.raises(InterimError, match="RTF tables' process ended"), \
            rtf_process.rtf_made_beside([job]) as made:
        made.__self__.process.kill()                        # type: ignore[attr-defined]
        made()


def _files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_the_data_files_are_made_once_per_analysis_key_and_copied(tmp_path: Path,
                                                                 monkeypatch) -> None:
    """A re-run of a kept analysis copies its tables' and figures' files from the cache: the
    same files, byte for byte, as written in place, in the same places (closed and open)."""
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    profile = Profile(id="S-7", number="16.2.1", title="Subject S-7", svg="<svg>S-7</svg>",
                      data=pd.DataFrame({"ADY": [1, 8]}), narrative="Seen twice.")
    closed = [_listing(60), profile]
    open_ = [_listing(2)]
    made: list[Path] = []
    write = contents.write_data_files
    monkeypatch.setattr(contents, "write_data_files",
                        lambda folder, *blocks: (made.append(folder), write(folder, *blocks)))
    for version in ("v1", "v2"):
        contents.copy_data_files(tmp_path / version, closed, open_, "analysis-key")
    contents.copy_data_files(tmp_path / "in-place", closed, open_, None)
    assert len(made) == 2 and made[1] == tmp_path / "in-place"     # v2 copied what v1 made
    assert _files(tmp_path / "v1") == _files(tmp_path / "v2") == _files(tmp_path / "in-place")
    assert sorted(_files(tmp_path / "v2")) == [
        "figures/profiles/S-7.svg", "open/tables/t_14_3_5_2_sae_listing.csv",
        "tables/profiles/S-7.csv", "tables/t_14_3_5_2_sae_listing.csv"]
    assert _files(tmp_path / "v2")["open/tables/t_14_3_5_2_sae_listing.csv"] == (
        b"Subject,Onset day\nS-0,0\nS-1,1\n")

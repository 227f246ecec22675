"""The version's files besides the PDFs (tasks.publish.contents): every table's RTF twin, made
once per content and kept for a re-run."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tasks.report.rtf
from tasks.errors import InterimError
from tasks.model import Table
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
        contents.write_rtf_files([_listing(60)], tmp_path / folder / "tables", MARKING)
    contents.write_rtf_files([_listing(61)], tmp_path / "v3" / "tables", MARKING)
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
    with rtf_process.rtf_made_beside(tables) as made:
        process = made.__self__.process                     # type: ignore[attr-defined]
        made()
    assert process.returncode == 0
    for job, (table, marking) in zip(rtf_process.rtf_jobs(tables, missing_only=False), tables):
        assert job[0].is_dir() and (job[0] / "table.rtf").read_bytes() == table_rtf(table, marking)
    assert rtf_process.rtf_jobs(tables) == []
    with rtf_process.rtf_made_beside(tables) as made:
        assert not hasattr(made, "__self__")                # nothing to make: no process
        made()


def test_an_error_in_the_rtf_process_is_raised_in_the_flow(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(rtf_process, "BESIDE_FROM", 1)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    job = (blocked / "rtf" / "key", _listing(3), MARKING)      # its cache folder cannot be made
    monkeypatch.setattr(rtf_process, "rtf_jobs", lambda tables: [job])
    with pytest.raises(NotADirectoryError), rtf_process.rtf_made_beside([]) as made:
        made()
    with pytest.raises(InterimError, match="RTF tables' process ended"), \
            rtf_process.rtf_made_beside([]) as made:
        made.__self__.process.kill()                        # type: ignore[attr-defined]
        made()

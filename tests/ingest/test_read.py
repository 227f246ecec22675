"""read_cut: formats, fsspec locations, checksums, the ready marker, missing and duplicate files."""
from __future__ import annotations

import hashlib
import uuid
from datetime import date

import fsspec
import numpy as np
import pandas as pd
import pytest
from cutkit import CUTOFF, folder_hashes, tiny_domains, to_bytes, write_bytes, write_cut

from tasks.errors import BadInputError, CutNotReadyError
from tasks.ingest import apply_cutoff, cut_is_ready, cut_location, list_cut_dates, read_cut
from tasks.validate import validate_cut


@pytest.fixture
def memory_location():
    location = f"memory://cuts-{uuid.uuid4().hex}/2026-10-15"
    yield location
    fs = fsspec.filesystem("memory")
    fs.rm(location.removeprefix("memory://").split("/")[0], recursive=True)


@pytest.mark.parametrize("fmt", ["csv", "csv.gz", "parquet", "xpt"])
def test_each_format_reads_as_the_same_text(tmp_path, cfg, source, fmt):
    location = write_cut(tmp_path / "2026-10-15", tiny_domains(), fmt=fmt)
    cut = read_cut(location, CUTOFF, cfg, source, require_ready=True)
    for domain, expected in tiny_domains().items():
        pd.testing.assert_frame_equal(cut[domain], expected, check_dtype=False)
        assert list(cut[domain].index) == list(range(len(expected)))
    assert cut.ready and cut.findings == []
    assert cut.file_name("ae") == f"ae.{fmt}"


def test_checksum_is_of_the_bytes_in_the_file(tmp_path, cfg, source):
    location = write_cut(tmp_path / "2026-10-15", tiny_domains(), fmt="csv.gz")
    cut = read_cut(location, CUTOFF, cfg, source, require_ready=True)
    raw = (tmp_path / "2026-10-15" / "ae.csv.gz").read_bytes()
    assert cut.files["ae"].sha256 == hashlib.sha256(raw).hexdigest()
    assert cut.files["ae"].rows == 2
    assert cut.files["ae"].uri == f"{location}/ae.csv.gz"


def test_memory_filesystem_url(memory_location, cfg, source):
    write_cut(memory_location, tiny_domains())
    cut = read_cut(memory_location, CUTOFF, cfg, source, require_ready=True)
    assert cut.files["dm"].uri == f"{memory_location}/dm.csv"
    assert cut["dm"]["USUBJID"].tolist() == tiny_domains()["dm"]["USUBJID"].tolist()
    assert cut_is_ready(memory_location, source)


def test_parquet_typed_values_become_text_like_csv(tmp_path, cfg, source):
    domains = tiny_domains()
    write_cut(tmp_path / "2026-10-15", domains)
    typed = pd.DataFrame({
        "STUDYID": ["S", "S", "S"], "DOMAIN": ["LB"] * 3, "USUBJID": ["A", "B", None],
        "LBSEQ": np.array([1, 2, 3], dtype="int64"),
        "LBSTRESN": [1.0, 2.5, np.nan],
        "VISITNUM": pd.array([1, None, 3], dtype="Int64"),
        "LBDTC": pd.to_datetime(["2026-01-05", "2026-01-05 10:30", None], format="ISO8601"),
        "LBDT": [date(2026, 1, 5), None, date(2026, 2, 1)],
    })
    (tmp_path / "2026-10-15" / "lb.csv").unlink()
    typed.to_parquet(tmp_path / "2026-10-15" / "lb.parquet")
    lb = read_cut(str(tmp_path / "2026-10-15"), CUTOFF, cfg, source, require_ready=True)["lb"]
    assert lb["USUBJID"].tolist() == ["A", "B", ""]
    assert lb["LBSEQ"].tolist() == ["1", "2", "3"]
    assert lb["LBSTRESN"].tolist() == ["1", "2.5", ""]
    assert lb["VISITNUM"].tolist() == ["1", "", "3"]
    assert lb["LBDTC"].tolist() == ["2026-01-05", "2026-01-05T10:30:00", ""]
    assert lb["LBDT"].tolist() == ["2026-01-05", "", "2026-02-01"]


def test_xpt_numbers_without_trailing_zero(tmp_path, cfg, source):
    import pyreadstat
    write_cut(tmp_path / "2026-10-15", tiny_domains())
    ex = pd.DataFrame({"STUDYID": ["S", "S"], "DOMAIN": ["EX", "EX"], "USUBJID": ["A", "B"],
                       "EXSEQ": [1.0, 2.0], "EXDOSE": [2.5, np.nan]})
    (tmp_path / "2026-10-15" / "ex.csv").unlink()
    pyreadstat.write_xport(ex, str(tmp_path / "2026-10-15" / "ex.xpt"))
    read = read_cut(str(tmp_path / "2026-10-15"), CUTOFF, cfg, source, require_ready=True)["ex"]
    assert read["EXSEQ"].tolist() == ["1", "2"]
    assert read["EXDOSE"].tolist() == ["2.5", ""]


def test_missing_ready_marker_is_an_error_when_required(tmp_path, cfg, source):
    location = write_cut(tmp_path / "2026-10-15", tiny_domains(), ready=False)
    with pytest.raises(CutNotReadyError, match="_READY"):
        read_cut(location, CUTOFF, cfg, source, require_ready=True)
    assert not cut_is_ready(location, source)


def test_missing_ready_marker_is_a_warning_on_a_manual_run(tmp_path, cfg, source):
    location = write_cut(tmp_path / "2026-10-15", tiny_domains(), ready=False)
    cut = read_cut(location, CUTOFF, cfg, source, require_ready=False)
    assert not cut.ready
    [finding] = cut.findings
    assert finding.severity == "warning" and "_READY" in finding.message
    assert finding in validate_cut(cut, cfg)


def test_missing_cut_folder_names_it(tmp_path, cfg, source):
    location = cut_location(f"{tmp_path}/", CUTOFF)
    assert location == f"{tmp_path}/2026-10-15"
    with pytest.raises(CutNotReadyError, match="2026-10-15 \\(no such folder\\)"):
        read_cut(location, CUTOFF, cfg, source, require_ready=False)
    assert not cut_is_ready(location, source)


def test_folder_named_for_another_date_is_a_warning(tmp_path, cfg, source):
    location = write_cut(tmp_path / "2026-09-30", tiny_domains())
    [finding] = read_cut(location, CUTOFF, cfg, source, require_ready=True).findings
    assert finding.rule == "cut: folder date" and "2026-09-30" in finding.message


def test_missing_required_domain_names_it(tmp_path, cfg, source):
    domains = tiny_domains()
    del domains["rs"]
    location = write_cut(tmp_path / "2026-10-15", domains)
    with pytest.raises(BadInputError, match=r"required domain file\(s\) missing: RS"):
        read_cut(location, CUTOFF, cfg, source, require_ready=True)


def test_required_domain_may_have_no_rows(tmp_path, cfg, source):
    domains = tiny_domains()
    domains["rs"] = domains["rs"].iloc[0:0]
    location = write_cut(tmp_path / "2026-10-15", domains)
    assert read_cut(location, CUTOFF, cfg, source, require_ready=True)["rs"].shape == (0, 8)


def test_two_files_for_one_domain(tmp_path, cfg, source):
    location = write_cut(tmp_path / "2026-10-15", tiny_domains())
    write_bytes(location, "ae.parquet", to_bytes(tiny_domains()["ae"], "parquet"))
    with pytest.raises(BadInputError, match="AE: ae.csv, ae.parquet"):
        read_cut(location, CUTOFF, cfg, source, require_ready=True)


def test_other_files_are_listed_not_read(tmp_path, cfg, source):
    location = write_cut(tmp_path / "2026-10-15", tiny_domains())
    write_bytes(location, "notes.txt", b"hello")
    cut = read_cut(location, CUTOFF, cfg, source, require_ready=True)
    [finding] = cut.findings
    assert finding.file == "notes.txt" and finding.rule == "cut: file not read"


def test_read_error_is_retried_then_succeeds(memory_location, cfg, source, monkeypatch):
    write_cut(memory_location, tiny_domains())
    fs_class = type(fsspec.filesystem("memory"))
    real = fs_class.cat_file
    failures = {"left": 2}
    sleeps = []

    def flaky(self, path, *args, **kwargs):
        if path.endswith("ae.csv") and failures["left"]:
            failures["left"] -= 1
            raise OSError("connection reset")
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(fs_class, "cat_file", flaky)
    monkeypatch.setattr("tasks.ingest.source.time.sleep", sleeps.append)
    slow = source.model_copy(update={"read_retries": 3, "read_retry_delay_seconds": 1.5})
    cut = read_cut(memory_location, CUTOFF, cfg, slow, require_ready=True)
    assert len(cut["ae"]) == 2 and sleeps == [1.5, 1.5]


def test_read_error_fails_clearly_after_the_retries(memory_location, cfg, source, monkeypatch):
    write_cut(memory_location, tiny_domains())
    fs_class = type(fsspec.filesystem("memory"))

    def broken(self, path, *args, **kwargs):
        raise OSError("input/output error")

    monkeypatch.setattr(fs_class, "cat_file", broken)
    with pytest.raises(BadInputError, match=r"could not read .*dm\.csv after 4 attempts: "
                                            "input/output error"):
        read_cut(memory_location, CUTOFF, cfg, source, require_ready=True)


def test_input_files_are_never_modified(tmp_path, cfg, source):
    folder = tmp_path / "2026-10-15"
    domains = tiny_domains()
    domains["ae"].loc[1, "AESTDTC"] = "2026-11-01"    # something for the cutoff to remove
    write_cut(folder, {k: v for k, v in domains.items() if k not in ("lb", "tr")})
    write_bytes(str(folder), "lb.parquet", to_bytes(domains["lb"], "parquet"))
    write_bytes(str(folder), "tr.xpt", to_bytes(domains["tr"], "xpt"))
    before = folder_hashes(folder)
    cut = read_cut(str(folder), CUTOFF, cfg, source, require_ready=True)
    result = apply_cutoff(cut, cfg)
    validate_cut(result.cut, cfg)
    assert len(result.removed) == 1
    assert folder_hashes(folder) == before


def test_list_cut_dates(tmp_path):
    for name in ("2026-10-31", "2026-09-30", "2026-02-30", "notes"):
        (tmp_path / name).mkdir()
    (tmp_path / "2026-08-31").write_text("a file, not a cut folder")
    assert list_cut_dates(str(tmp_path)) == [date(2026, 9, 30), date(2026, 10, 31)]
    with pytest.raises(BadInputError, match="root not found"):
        list_cut_dates(str(tmp_path / "missing"))


def test_the_statisticians_summary_in_the_cut_folder_is_no_input(tmp_path, cfg, source):
    # narrative.md is read beside the cut (tasks.ingest.narrative): no domain, no warning, no
    # input hash, so the derivations' cache key stays the same with or without it.
    from flows.steps import derivation_cache_key

    without = read_cut(write_cut(tmp_path / "a" / "2026-10-15", tiny_domains()), CUTOFF, cfg,
                       source, require_ready=True)
    location = write_cut(tmp_path / "b" / "2026-10-15", tiny_domains())
    write_bytes(location, "narrative.md", b"The DSMB should look at **deaths**.")
    with_summary = read_cut(location, CUTOFF, cfg, source, require_ready=True)
    assert with_summary.findings == [] and set(with_summary.files) == set(without.files)
    assert derivation_cache_key(None, {"cut": with_summary, "cfg": cfg}) == \
        derivation_cache_key(None, {"cut": without, "cfg": cfg})

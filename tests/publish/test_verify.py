"""The manifest's provenance, and `verify_version`: every changed, missing or added file and a
broken manifest chain."""
from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from tasks.config import load_settings
from tasks.model import Cut, SourceFile
from tasks.publish.manifest import code_version, provenance
from tasks.publish.verify import verify_version
from tasks.publish.versions import reserve_version

JAN = date(2026, 1, 31)
FEB = date(2026, 2, 28)


def publish(root: Path, cutoff: date) -> Path:
    with reserve_version(root, cutoff) as r:
        (r.path / "tables").mkdir()
        (r.path / "tables" / "t_14_2_1_bor.csv").write_text("AVALC,n\nCR,1\n")
        (r.path / "results.json").write_text(f'{{"version": {r.version}}}\n')
        return r.publish({"flow_run_id": "abc"})


def test_an_intact_version_has_no_problems(tmp_path):
    publish(tmp_path, JAN)
    assert verify_version(publish(tmp_path, JAN)) == []


def test_a_changed_byte_is_found(tmp_path):
    v1 = publish(tmp_path, JAN)
    table = v1 / "tables" / "t_14_2_1_bor.csv"
    data = bytearray(table.read_bytes())
    data[-2] ^= 0x01                                           # "1" -> "0"
    table.write_bytes(bytes(data))
    assert verify_version(v1) == [
        "changed: tables/t_14_2_1_bor.csv does not match its sha256 in the manifest"]


def test_a_removed_file_is_found(tmp_path):
    v1 = publish(tmp_path, JAN)
    (v1 / "results.json").unlink()
    assert verify_version(v1) == [
        "missing: results.json is listed in the manifest but not in the folder"]


def test_an_added_file_is_found_even_in_a_subfolder(tmp_path):
    v1 = publish(tmp_path, JAN)
    (v1 / "tables" / "extra.csv").write_text("x\n")
    (v1 / ".hidden").write_text("")
    assert verify_version(v1) == ["added: .hidden is not listed in the manifest",
                                  "added: tables/extra.csv is not listed in the manifest"]


def test_a_changed_previous_manifest_breaks_the_chain(tmp_path):
    jan = publish(tmp_path, JAN)
    feb = publish(tmp_path, FEB)
    m = json.loads((jan / "manifest.json").read_text())
    m["flow_run_id"] = "rewritten"
    (jan / "manifest.json").write_text(json.dumps(m))
    problems = verify_version(feb)
    assert problems == ["broken chain: 2026-01-31/v1/manifest.json has changed since this "
                        "version was published"]


def test_a_vanished_previous_version_breaks_the_chain(tmp_path):
    jan = publish(tmp_path, JAN)
    v2 = publish(tmp_path, JAN)
    shutil.rmtree(jan)
    assert verify_version(v2) == [
        "broken chain: the previous version 2026-01-31/v1 (or its manifest.json) is missing"]


def test_a_missing_or_unreadable_manifest_is_a_problem(tmp_path):
    v1 = publish(tmp_path, JAN)
    (v1 / "manifest.json").write_text("{not json")
    [problem] = verify_version(v1)
    assert "manifest.json cannot be read" in problem
    (v1 / "manifest.json").unlink()
    assert verify_version(v1) == [f"{v1}: manifest.json is missing"]
    assert (verify_version(tmp_path / "nowhere")
            == [f"{tmp_path / 'nowhere'}: no such version folder"])


def test_a_renamed_version_folder_is_found(tmp_path):
    v1 = publish(tmp_path, JAN)
    moved = v1.rename(v1.parent / "v7")
    assert (verify_version(moved)
            == ["folder 2026-01-31/v7 does not match its manifest (2026-01-31/v1)"])


def test_code_version_names_the_git_commit_or_the_package():
    code = code_version()
    assert set(code) == {"git_commit", "dirty", "package_version"}
    assert code["git_commit"] is None or len(code["git_commit"]) == 40
    assert code["git_commit"] is not None or code["package_version"] is not None


def test_provenance_records_inputs_config_parameters_code_and_run():
    files = {d: SourceFile(d, f"{d}.csv", f"/cuts/2026-01-31/{d}.csv", sha * 64, rows)
             for d, sha, rows in (("rs", "b", 3), ("ae", "a", 5))}
    cut = Cut(JAN, "/cuts/2026-01-31", {}, files)
    settings = load_settings()
    cfg, operation = settings.analysis, settings.operation
    when = datetime(2026, 2, 1, 6, 0, tzinfo=UTC)
    extra = provenance(cut, cfg, operation, {"cutoff": "2026-01-31", "final": False}, "run-42",
                       when)
    assert extra["inputs"] == [
        {"domain": "ae", "name": "ae.csv", "uri": "/cuts/2026-01-31/ae.csv", "sha256": "a" * 64,
         "rows": 5},
        {"domain": "rs", "name": "rs.csv", "uri": "/cuts/2026-01-31/rs.csv", "sha256": "b" * 64,
         "rows": 3}]
    assert extra["config_digest"] == cfg.digest()
    assert extra["config"]["study"]["id"] == cfg.study.id
    # the analysis config and how the run was operated, apart: only the first is in the digest
    assert "source" not in extra["config"] and "simulation" not in extra["config"]
    assert extra["operation"]["source"]["root"] == operation.source.root == "data/cuts"
    assert set(extra["operation"]) == {"source", "reports", "schedule", "delivery"}
    assert (extra["flow_run_id"], extra["run_time"]) == ("run-42", "2026-02-01T06:00:00+00:00")
    assert extra["parameters"] == {"cutoff": "2026-01-31", "final": False}
    assert extra["software"]["pandas"] == pd.__version__

"""A run killed with SIGKILL at any stage publishes nothing and leaves nothing that blocks the next
run; two concurrent runs of one cutoff publish two distinct versions. Each run is its own process
(tests/faults/faulty_run.py) on the session's Prefect API."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.faults.faulty_run import stub_render

pytestmark = pytest.mark.e2e
PYTHON = sys.executable
FAULTY_RUN = str(Path(__file__).with_name("faulty_run.py"))
CUTOFF = "2026-10-31"
runner = CliRunner()


def _interim_args(source: Path, reports: Path, reason: str) -> list[str]:
    return ["--", "run", "--cutoff", CUTOFF, "--source", str(source), "--reports", str(reports),
            "--reason", reason]


def _versions(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("v*")) if folder.exists() else []


def _staging(folder: Path) -> list[Path]:
    return sorted(folder.glob(".staging-*")) if folder.exists() else []


def _killed_at(stages: tuple[str, ...], source: Path, reports: Path,
               env: dict[str, str]) -> list[int]:
    """Runs killed at these stages, at the same time; the pid of each. A run killed at rendering
    or publishing has placeholder PDFs: the layout takes seconds and is not what is tested there
    (a worker laying out the closed report would hold the killed run's stderr open until done)."""
    processes = [subprocess.Popen([PYTHON, FAULTY_RUN, "--kill-at", stage,
                                   *(["--stub-render"] if stage in ("render", "publish") else []),
                                   *_interim_args(source, reports, f"killed at {stage}")],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
                 for stage in stages]
    for stage, process in zip(stages, processes):
        out, err = process.communicate(timeout=180)
        assert process.returncode == -signal.SIGKILL, f"{stage}: {err[-3000:]}"
        assert out.strip() == "", "a killed run must not print a version folder"
    return [p.pid for p in processes]


def test_a_run_killed_at_any_stage_publishes_nothing_and_the_next_run_succeeds(clean_root, tmp_path,
                                                                               api_env, monkeypatch,
                                                                               prefect_harness):
    reports = tmp_path / "reports"
    folder = reports / CUTOFF
    _killed_at(("ingest", "derive"), clean_root, reports, api_env)
    assert (_versions(folder) == []
            and _staging(folder) == []), "nothing is reserved before the analysis"
    for stage in ("render", "publish"):
        pid, = _killed_at((stage,), clean_root, reports, api_env)
        assert _versions(folder) == [], stage
        # What the killed run left: its own staging folder only (the one the run killed before it
        # left was removed by this run's reservation), named for its dead owner process.
        staging = _staging(folder)
        assert len(staging) == 1 and f"_{pid}_" in staging[0].name, staging
        if stage == "render":
            assert (staging[0] / "report-closed.pdf").read_bytes().endswith(b"half a report")
        else:
            assert json.loads((staging[0] / "manifest.json").read_text())["version"] == 1

    stub_render(monkeypatch.setattr)        # the next run's PDFs are not what is tested here
    result = runner.invoke(app, ["run", "--cutoff", CUTOFF, "--source", str(clean_root),
                                 "--reports", str(reports), "--reason", "after the killed runs"])
    assert result.exit_code == 0, result.output
    published = Path(result.stdout.strip().splitlines()[-1])
    assert published == folder / "v1"
    assert _staging(folder) == [], "the next run removes what killed runs left"
    assert runner.invoke(app, ["verify", str(published)]).exit_code == 0


def test_two_concurrent_runs_of_one_cutoff_publish_distinct_versions(clean_root, tmp_path, api_env):
    """Both runs hold a reservation at the same time (they meet before reserving and again before
    publishing), so the numbering cannot come from a folder listing alone. Placeholder PDFs: the
    layout is not what is tested here."""
    reports, meeting = tmp_path / "reports", tmp_path / "rendezvous"
    processes = [subprocess.Popen([PYTHON, FAULTY_RUN, "--rendezvous", str(meeting), "--parties",
                                   "2", "--stub-render",
                                   *_interim_args(clean_root, reports, f"concurrent run {i}")],
                                  env=api_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
                 for i in (1, 2)]
    outputs = [p.communicate(timeout=240) for p in processes]
    for process, (_, err) in zip(processes, outputs):
        assert process.returncode == 0, err[-3000:]
    published = sorted(Path(out.strip().splitlines()[-1]).name for out, _ in outputs)
    assert published == ["v1", "v2"]
    folder = reports / CUTOFF
    assert _versions(folder) == ["v1", "v2"] and _staging(folder) == []
    reasons = {json.loads((folder / v / "manifest.json").read_text())["reason"] for v in published}
    assert reasons == {"concurrent run 1", "concurrent run 2"}
    for version in published:
        result = runner.invoke(app, ["verify", str(folder / version)])
        assert result.exit_code == 0, result.output

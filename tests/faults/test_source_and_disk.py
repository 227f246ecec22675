"""A read error of the source is retried (source.read_retries), then fails naming the file; a full
disk while a version is written or published leaves no version and no staging folder."""
from __future__ import annotations

import errno
import subprocess
from pathlib import Path

import fsspec
import pytest
import yaml
from fsspec.implementations.local import LocalFileSystem
from typer.testing import CliRunner

from flows.cli import app
from tests.faults.faulty_run import stub_render

CUTOFF = "2026-10-31"
runner = CliRunner()


class FlakyFileSystem(LocalFileSystem):
    """The local file system behind `flaky://`, whose reads of file contents fail (EIO) as often
    as `failures` says before they work again."""
    protocol = "flaky"
    failures = 0
    reads = 0

    def cat_file(self, path, start=None, end=None, **kwargs):
        type(self).reads += 1
        if type(self).failures > 0:
            type(self).failures -= 1
            raise OSError(errno.EIO, "Input/output error (injected)")
        return super().cat_file(path, start=start, end=end, **kwargs)


@pytest.fixture
def flaky(monkeypatch):
    fsspec.register_implementation("flaky", FlakyFileSystem, clobber=True)
    monkeypatch.setattr(FlakyFileSystem, "reads", 0)
    monkeypatch.setattr(FlakyFileSystem, "failures", 0)
    return FlakyFileSystem


@pytest.fixture
def quick_retries(tmp_path) -> Path:
    path = tmp_path / "retries.yaml"
    path.write_text(yaml.safe_dump({"source": {"read_retries": 3,
                                               "read_retry_delay_seconds": 0.01}}))
    return path


def _domain_files(root: Path) -> int:
    return sum(1 for p in (root / CUTOFF).iterdir() if p.suffix == ".csv")


def test_a_passing_read_error_is_retried_and_the_cut_is_read(clean_root, flaky, quick_retries):
    # read_retries: 3 -> the 4th attempt of the first file works
    flaky.failures = 3
    result = runner.invoke(app,
                           ["validate", f"flaky://{clean_root}/{CUTOFF}", "--config",
                            str(quick_retries)])
    assert result.exit_code == 0, result.output
    assert flaky.reads == _domain_files(clean_root) + 3


@pytest.mark.e2e
def test_a_lasting_read_error_fails_the_run_naming_the_file(clean_root, flaky, quick_retries,
                                                            tmp_path, prefect_harness):
    flaky.failures = 10**6
    reports = tmp_path / "reports"
    result = runner.invoke(app, ["run", "--cutoff", CUTOFF, "--source", f"flaky://{clean_root}",
                                 "--config", str(quick_retries), "--reports", str(reports)])
    assert result.exit_code == 1, result.output
    message = " ".join(result.stderr.split())
    assert (f"could not read flaky://{clean_root}/{CUTOFF}/" in message
            and "after 4 attempts" in message)
    assert "Input/output error" in message
    assert flaky.reads == 4, "one file: tried once and retried 3 times, then the run stops"
    assert not reports.exists()


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.e2e
@pytest.mark.parametrize("where", ["render", "publish"])
def test_disk_full_while_publishing_leaves_no_half_version(where, clean_root, tmp_path, monkeypatch,
                                                          prefect_harness):
    """ENOSPC while a PDF is written into the staging folder, or at the fsync before the rename
    (then with placeholder PDFs: their layout takes seconds and is not what is tested, so the
    closed report is not laid out either)."""
    import flows.steps
    import tasks.publish.versions

    stub_render(monkeypatch.setattr)

    def render_pdfs(jobs):
        for job in jobs:
            job.path.write_bytes(b"%PDF-1.7\n% " + (b"the disk filled up here" if where == "render"
                                                    else b"placeholder"))
            if where == "render":
                _no_space()
    monkeypatch.setattr(flows.steps, "render_pdfs", render_pdfs)
    if where == "publish":
        monkeypatch.setattr(tasks.publish.versions, "_fsync_tree", _no_space)
    reports = tmp_path / "reports"
    result = runner.invoke(app, ["run", "--cutoff", CUTOFF, "--source", str(clean_root),
                                 "--reports", str(reports), "--reason", f"disk full at {where}"])
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.stderr and "nothing was published" in result.stderr
    assert [p.name for p in (reports / CUTOFF).iterdir() if p.name != ".lock"] == []


@pytest.fixture
def small_disk(tmp_path):
    """A real 600 KiB file system (tmpfs): needs root and mount; skipped where that is refused."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


@pytest.mark.e2e
def test_a_really_full_disk_leaves_no_half_version(clean_root, small_disk, prefect_harness):
    """A version takes about 1 MB: the 600 KiB disk fills up while it is written."""
    reports = small_disk / "reports"
    result = runner.invoke(app, ["run", "--cutoff", CUTOFF, "--source", str(clean_root),
                                 "--reports", str(reports), "--reason", "small disk"])
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.stderr and "nothing was published" in result.stderr
    assert [p.name for p in (reports / CUTOFF).iterdir() if p.name != ".lock"] == []

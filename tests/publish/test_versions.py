"""Report versions: numbered per cutoff, published in one rename, never overwritten or
half-written."""
from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
from datetime import date
from pathlib import Path

import pytest

from tasks.errors import PublishError
from tasks.publish import canonical
from tasks.publish.versions import (
    _fsync_tree,
    check_final_rules,
    latest_version,
    predecessor,
    previous_cut_version,
    reserve_version,
)

JAN = date(2026, 1, 31)
FEB = date(2026, 2, 28)
# fresh interpreters: the session may run Prefect threads
PROCESSES = multiprocessing.get_context("spawn")


def publish(root: Path, cutoff: date, final: bool = False, reason: str | None = None,
            content: str = "{}") -> Path:
    with reserve_version(root, cutoff, final=final, reason=reason) as r:
        (r.path / "results.json").write_text(content)
        return r.publish({"flow_run_id": "run"})


def entries(root: Path, cutoff: date) -> list[str]:
    return sorted(p.name for p in (root / cutoff.isoformat()).iterdir() if p.name != ".lock")


def manifest(version_dir: Path) -> dict:
    return json.loads((version_dir / "manifest.json").read_text())


def test_versions_are_numbered_per_cutoff_and_never_overwritten(tmp_path):
    v1 = publish(tmp_path, JAN, content='{"run": 1}')
    v2 = publish(tmp_path, JAN, content='{"run": 2}')
    other = publish(tmp_path, FEB)
    assert (v1.name, v2.name, other.name) == ("v1", "v2", "v1")
    assert (v1 / "results.json").read_text() == '{"run": 1}'
    assert entries(tmp_path, JAN) == ["v1", "v2"]          # no staging debris
    assert manifest(v2)["version"] == 2 and manifest(v2)["cutoff"] == "2026-01-31"
    assert latest_version(tmp_path, JAN) == v2
    assert latest_version(tmp_path, date(2025, 12, 31)) is None


def test_manifest_lists_every_file_recursively_with_sha256(tmp_path):
    with reserve_version(tmp_path, JAN) as r:
        (r.path / "adam").mkdir()
        (r.path / "adam" / "adsl.parquet").write_bytes(b"abc")
        (r.path / "results.json").write_text("{}")
        v1 = r.publish({"parameters": {"cutoff": "2026-01-31"}, "version": 99})
    m = manifest(v1)
    assert m["files"] == {
        "adam/adsl.parquet": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "results.json": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}
    assert m["parameters"] == {"cutoff": "2026-01-31"}
    assert m["version"] == 1                               # what the reservation says wins
    assert (m["final"], m["reason"], m["previous"]) == (False, None, None)


def test_a_version_number_held_by_a_foreign_folder_is_skipped(tmp_path):
    (tmp_path / "2026-01-31" / "v1").mkdir(parents=True)
    assert publish(tmp_path, JAN).name == "v2"


def test_publish_never_renames_over_an_existing_folder(tmp_path):
    with pytest.raises(PublishError,
                       match="never overwritten"), reserve_version(tmp_path, JAN) as r:
        (r.path / "results.json").write_text("{}")
        (tmp_path / "2026-01-31" / "v1").mkdir()        # appears while the run works
        r.publish({})
    assert entries(tmp_path, JAN) == ["v1"]
    assert list((tmp_path / "2026-01-31" / "v1").iterdir()) == []


def test_leaving_the_block_with_an_exception_abandons_the_version(tmp_path):
    with pytest.raises(ZeroDivisionError), reserve_version(tmp_path, JAN) as r:
        (r.path / "results.json").write_text("{}")
        raise ZeroDivisionError("the run fails inside the block")
    assert entries(tmp_path, JAN) == []
    assert publish(tmp_path, JAN).name == "v1"


def test_leaving_the_block_without_publishing_abandons_the_version(tmp_path):
    with reserve_version(tmp_path, JAN) as r:
        (r.path / "results.json").write_text("{}")
    assert entries(tmp_path, JAN) == []


def _disk_full_after(n_bytes: int):
    def write_bytes(path: Path, data: bytes) -> None:
        path.write_bytes(data[:n_bytes])
        raise OSError(errno.ENOSPC, "No space left on device")
    return write_bytes


def test_disk_full_while_writing_the_manifest_publishes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(canonical, "write_bytes", _disk_full_after(10))
    with (pytest.raises(PublishError, match="No space left on device"),
          reserve_version(tmp_path, JAN) as r):
        (r.path / "report-closed.pdf").write_bytes(b"%PDF")
        r.publish({})
    assert entries(tmp_path, JAN) == []


def test_disk_full_while_writing_results_publishes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(canonical, "write_bytes", _disk_full_after(3))
    with (pytest.raises(PublishError, match="nothing was published"),
          reserve_version(tmp_path, JAN) as r):
        canonical.write_json(r.path / "results.json", {"cutoff": "2026-01-31"})
        r.publish({})
    assert entries(tmp_path, JAN) == []


def _reserve_then_publish(root, barrier, versions):
    with reserve_version(root, JAN) as r:
        versions.put(r.version)
        barrier.wait(timeout=20)        # both reservations are live at the same time
        (r.path / "results.json").write_text(str(r.version))
        r.publish({})


def test_concurrent_reservations_of_one_cutoff_get_distinct_versions(tmp_path):
    barrier, versions = PROCESSES.Barrier(3), PROCESSES.Queue()
    workers = [PROCESSES.Process(target=_reserve_then_publish, args=(tmp_path, barrier, versions))
               for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    assert sorted(versions.get(timeout=5) for _ in workers) == [1, 2, 3]
    assert entries(tmp_path, JAN) == ["v1", "v2", "v3"]
    for n in (1, 2, 3):
        assert (tmp_path / "2026-01-31" / f"v{n}" / "results.json").read_text() == str(n)


def _reserve_and_hang(root, reserved):
    r = reserve_version(root, JAN)
    (r.path / "report-closed.pdf").write_bytes(b"%PDF half")
    reserved.set()
    signal.pause()


def test_a_killed_run_leaves_nothing_that_blocks_the_next(tmp_path):
    reserved = PROCESSES.Event()
    child = PROCESSES.Process(target=_reserve_and_hang, args=(tmp_path, reserved))
    child.start()
    assert reserved.wait(timeout=20)
    [staging] = entries(tmp_path, JAN)
    assert staging.startswith(".staging-v1-")
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=10)

    assert publish(tmp_path, JAN).name == "v1"
    assert entries(tmp_path, JAN) == ["v1"]                 # the dead run's folder is gone


def test_a_live_reservation_is_kept_and_its_number_not_reused(tmp_path):
    held = reserve_version(tmp_path, JAN)
    assert held.version == 1
    assert publish(tmp_path, JAN).name == "v2"
    assert held.path.is_dir()
    assert held.publish({}).name == "v1"
    assert entries(tmp_path, JAN) == ["v1", "v2"]


def test_staging_folders_of_a_reused_pid_or_unknown_form_are_removed(tmp_path):
    folder = tmp_path / "2026-01-31"
    held = reserve_version(tmp_path, JAN)
    host, pid, start, _ = held.path.name.split("-", 2)[2].rsplit("_", 3)
    reused = folder / f".staging-v5-{host}_{pid}_{int(start) + 1}_00ff"   # this pid, other start
    other_host = folder / f".staging-v7-elsewhere_{pid}_{start}_00ff"
    for p in (reused, other_host, folder / ".staging-garbage"):
        p.mkdir()
    assert reserve_version(tmp_path, JAN).version == 8       # 7: another host's, kept
    assert not reused.exists() and other_host.exists()
    assert not (folder / ".staging-garbage").exists()


def test_a_final_version_needs_a_reason_for_another(tmp_path):
    publish(tmp_path, JAN, final=True)
    with pytest.raises(PublishError, match=r"2026-01-31 v1 is final.*needs a reason"):
        publish(tmp_path, JAN)
    with pytest.raises(PublishError, match="needs a reason"):
        check_final_rules(tmp_path, JAN, final=True, reason="  ")
    assert entries(tmp_path, JAN) == ["v1"]
    v2 = publish(tmp_path, JAN, reason="corrected AE coding at site 003")
    assert ((manifest(v2)["final"], manifest(v2)["reason"])
            == (False, "corrected AE coding at site 003"))
    assert publish(tmp_path, FEB).name == "v1"              # another cutoff is not affected


def test_drafts_follow_drafts_without_a_reason(tmp_path):
    publish(tmp_path, JAN)
    check_final_rules(tmp_path, JAN, final=True, reason=None)
    v2 = publish(tmp_path, JAN, final=True)
    assert manifest(v2)["final"] is True


def test_a_final_version_published_meanwhile_stops_a_reserved_run(tmp_path):
    with pytest.raises(PublishError, match="is final"), reserve_version(tmp_path, JAN) as late:
        publish(tmp_path, JAN, final=True)
        late.publish({})
    assert entries(tmp_path, JAN) == ["v2"]


def test_the_previous_cut_is_the_latest_version_of_the_most_recent_earlier_cutoff(tmp_path):
    publish(tmp_path, date(2025, 12, 31))
    publish(tmp_path, JAN)
    jan2 = publish(tmp_path, JAN)
    (tmp_path / "2026-02-15").mkdir()                       # a cutoff never published
    feb1 = publish(tmp_path, FEB)
    assert previous_cut_version(tmp_path, FEB) == jan2
    assert previous_cut_version(tmp_path, FEB) == previous_cut_version(tmp_path, FEB)
    publish(tmp_path, FEB)
    assert previous_cut_version(tmp_path, FEB) == jan2      # both Feb versions: same comparison
    assert previous_cut_version(tmp_path, date(2025, 12, 31)) is None
    assert predecessor(tmp_path, FEB, 1) == jan2 and feb1.name == "v1"


def test_the_manifest_chains_to_the_version_published_before(tmp_path):
    jan1 = publish(tmp_path, JAN)
    jan2 = publish(tmp_path, JAN)
    feb1 = publish(tmp_path, FEB)
    assert manifest(jan1)["previous"] is None
    assert manifest(jan2)["previous"] == {
        "cutoff": "2026-01-31", "version": 1,
        "manifest_sha256": canonical.sha256_file(jan1 / "manifest.json")}
    assert manifest(feb1)["previous"]["version"] == 2
    assert manifest(feb1)["previous"]["manifest_sha256"] == \
        canonical.sha256_file(jan2 / "manifest.json")


def _spy_on_fsync(monkeypatch) -> list[str]:
    """The paths os.fsync is called on, in order (and synced)."""
    synced: list[str] = []
    real = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)
    monkeypatch.setattr(os, "fsync", spy)
    return synced


def _full_disk_at(monkeypatch, name: str) -> None:
    """os.fsync fails with ENOSPC on the file called `name` (as a full disk shows at fsync)."""
    def full(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(name):
            raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fsync", full)


def test_every_file_and_folder_is_fsynced_and_a_failure_is_raised(tmp_path, monkeypatch):
    for k in range(40):
        (tmp_path / "v1" / f"d{k % 3}").mkdir(parents=True, exist_ok=True)
        (tmp_path / "v1" / f"d{k % 3}" / f"f{k}.csv").write_text(str(k))
    synced = _spy_on_fsync(monkeypatch)
    _fsync_tree(tmp_path / "v1")
    files = {str(p) for p in (tmp_path / "v1").rglob("*.csv")}
    folders = {str(tmp_path / "v1"), *(str(tmp_path / "v1" / f"d{k}") for k in range(3))}
    assert sorted(synced) == sorted(files | folders)

    _full_disk_at(monkeypatch, "f7.csv")
    with pytest.raises(OSError, match="No space left"):
        _fsync_tree(tmp_path / "v1")


def test_files_synced_while_the_pdfs_render_are_synced_once_and_their_failure_is_raised(
        tmp_path, monkeypatch):
    synced = _spy_on_fsync(monkeypatch)
    with reserve_version(tmp_path, JAN) as r:
        for k in range(30):
            (r.path / "tables").mkdir(exist_ok=True)
            (r.path / "tables" / f"t{k}.csv").write_text(str(k))
        r.sync_written()
        (r.path / "report-closed.pdf").write_text("%PDF")      # written after: synced at publish
        v1 = r.publish({})
    tables = [f"tables/t{k}.csv" for k in range(30)]
    synced_tables = sorted(s for s in synced if s.endswith(".csv"))
    assert synced_tables == sorted(str(r.path / t) for t in tables)      # each exactly once
    assert {str(r.path / "report-closed.pdf"), str(r.path / "manifest.json")} <= set(synced)
    assert sorted(manifest(v1)["files"]) == sorted([*tables, "report-closed.pdf"])

    _full_disk_at(monkeypatch, "t7.csv")
    with reserve_version(tmp_path, JAN) as r:
        (r.path / "t7.csv").write_text("7")
        r.sync_written()
        with pytest.raises(PublishError, match="No space left on device.*nothing was published"):
            r.publish({})
    assert entries(tmp_path, JAN) == ["v1"]


def test_files_hashed_before_are_not_read_again_at_publish(tmp_path, monkeypatch):
    import tasks.publish.manifest
    read: list[str] = []
    real = tasks.publish.manifest.sha256_file

    def spy(path: Path) -> str:
        read.append(path.name)
        return real(path)
    monkeypatch.setattr(tasks.publish.manifest, "sha256_file", spy)
    with reserve_version(tmp_path, JAN) as r:
        (r.path / "results.json").write_text("{}")
        hashed = tasks.publish.manifest.file_hashes(r.path)
        (r.path / "report-closed.pdf").write_text("%PDF")
        v1 = r.publish({}, hashed=hashed)
    assert read == ["results.json", "report-closed.pdf"]
    assert manifest(v1)["files"] == {"report-closed.pdf": real(v1 / "report-closed.pdf"),
                                     "results.json": real(v1 / "results.json")}

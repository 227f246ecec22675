"""Report versions REPORTS/YYYY-MM-DD/vN/: numbered under a lock, written in a staging folder,
published in one rename, never overwritten, never half-written.

A reservation is a staging folder `.staging-vN-<host>_<pid>_<start>_<random>` beside the
versions: its name records its owner process (host, pid and the process's start time, so that a
reused pid is not mistaken for the owner). Reserving a version of a cutoff first removes staging
folders whose owner is dead (a run killed with kill -9 leaves nothing that blocks the next run),
then takes N = 1 + the highest N published or held by a live reservation. A staging folder of
another host is kept: its owner cannot be checked from here (it only makes a number be skipped).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
import socket
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from tasks.errors import PublishError
from tasks.publish.canonical import write_json
from tasks.publish.manifest import MANIFEST_NAME, file_hashes, read_manifest, version_ref

LOCK_NAME = ".lock"
FSYNC_THREADS = 16
_VERSION = re.compile(r"^v(\d+)$")
_STAGING_PREFIX = ".staging-"
_STAGING = re.compile(r"^\.staging-v(?P<n>\d+)-(?P<host>.+)_(?P<pid>\d+)_(?P<start>\d+)_[0-9a-f]+$")


def cutoff_dir(reports_root: Path, cutoff: date) -> Path:
    return Path(reports_root) / cutoff.isoformat()


def _version_folders(folder: Path) -> list[tuple[int, Path]]:
    """Every vN folder of a cutoff folder (published or not: its number is taken), by N."""
    if not folder.is_dir():
        return []
    return sorted((int(m.group(1)), p) for p in folder.iterdir()
                  if p.is_dir() and (m := _VERSION.match(p.name)))


def published_versions(reports_root: Path, cutoff: date) -> list[Path]:
    """The published version folders of a cutoff (vN holding a manifest.json), v1 first."""
    return [p for _, p in _version_folders(cutoff_dir(reports_root, cutoff))
            if (p / MANIFEST_NAME).is_file()]


def latest_version(reports_root: Path, cutoff: date) -> Path | None:
    versions = published_versions(reports_root, cutoff)
    return versions[-1] if versions else None


def _cutoffs(reports_root: Path) -> list[date]:
    root = Path(reports_root)
    if not root.is_dir():
        return []
    found = []
    for p in root.iterdir():
        with contextlib.suppress(ValueError):
            found.append(date.fromisoformat(p.name))
    return sorted(found)


def previous_cut_version(reports_root: Path, cutoff: date) -> Path | None:
    """"The previous cut": the latest published version of the most recent EARLIER cutoff, so
    that every version of one cutoff is compared with the same earlier report."""
    for earlier in reversed([c for c in _cutoffs(reports_root) if c < cutoff]):
        if (found := latest_version(reports_root, earlier)) is not None:
            return found
    return None


def predecessor(reports_root: Path, cutoff: date, version: int) -> Path | None:
    """The version published before vN of `cutoff`: the highest lower N of the same cutoff,
    else the previous cut's version; None for the first version of all."""
    same = [p for p in published_versions(reports_root, cutoff) if int(p.name[1:]) < version]
    return same[-1] if same else previous_cut_version(reports_root, cutoff)


def check_final_rules(reports_root: Path, cutoff: date, final: bool, reason: str | None) -> None:
    """A final version of a cutoff cannot be followed by another version of that cutoff without
    a reason (PublishError)."""
    if reason and reason.strip():
        return
    for version_dir in published_versions(reports_root, cutoff):
        try:
            is_final = bool(read_manifest(version_dir).get("final"))
        except (OSError, ValueError) as exc:
            raise PublishError(f"cannot read {version_dir / MANIFEST_NAME} ({exc}); check it with "
                               f"`interim verify {version_dir}`") from None
        if is_final:
            kind = "final" if final else "draft"
            raise PublishError(
                f"{cutoff.isoformat()} {version_dir.name} is final: publishing another ({kind}) "
                f"version of this cutoff needs a reason (--reason TEXT)")


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on folder/.lock, held by this process for the block."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_NAME, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()) or "host"


def _process_start(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks since boot) from /proc; None if there is no such
    process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return ("?", 0)
    fields = stat[stat.rindex(")") + 2:].split()   # the command name may hold spaces
    return fields[0], int(fields[19])


def _owner_token() -> str:
    pid = os.getpid()
    start = (_process_start(pid) or ("?", 0))[1]
    return f"{_host()}_{pid}_{start}_{secrets.token_hex(4)}"


def _owner_alive(host: str, pid: int, start: int) -> bool:
    if host != _host():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if not Path("/proc/self").exists():
        return True                                        # no /proc: a live pid is all we know
    process = _process_start(pid)
    if process is None or process[0] in ("Z", "X"):       # gone, or killed and not yet reaped
        return False
    return not start or process[1] in (0, start)          # another start time: a reused pid


def _live_reservations(folder: Path) -> list[int]:
    """Remove dead owners' staging folders; the numbers held by live ones."""
    live = []
    for p in folder.iterdir():
        if not p.name.startswith(_STAGING_PREFIX):
            continue
        m = _STAGING.match(p.name)
        if m and _owner_alive(m["host"], int(m["pid"]), int(m["start"])):
            live.append(int(m["n"]))
        else:
            shutil.rmtree(p, ignore_errors=True)
    return live


def _fsync_tree(folder: Path, syncing: Mapping[Path, Future[None]] | None = None) -> None:
    """fsync every file (a full disk may only show here) and, best effort, every folder. The
    files are synced FSYNC_THREADS at a time: the file system commits concurrent fsyncs together
    (5,500 files: 0.5 s, one after the other 12 s here). `syncing`: files whose fsync was started
    before (Reservation.sync_written), waited for instead of synced again."""
    syncing = syncing or {}
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p not in syncing)
    for started in syncing.values():
        started.result()                            # raises that file's error
    with ThreadPoolExecutor(FSYNC_THREADS) as pool:
        list(pool.map(_fsync_file, files))          # list(): raises the first file's error
    for d in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        _fsync_dir(d)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):    # some file systems refuse fsync on a directory
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass
class Reservation:
    """A reserved version number and the staging folder to write it in. Use as a context manager:
    leaving the block without `publish`, or with an exception, removes the staging folder."""
    reports_root: Path
    cutoff: date
    version: int
    path: Path
    final: bool = False
    reason: str | None = None
    previous: dict[str, Any] | None = None   # chain link to the version published before
    published: Path | None = None
    # fsyncs started by sync_written, each file's, in their own threads
    _sync_pool: ThreadPoolExecutor | None = field(default=None, repr=False, compare=False)
    _syncing: dict[Path, Future[None]] = field(default_factory=dict, repr=False, compare=False)

    def __enter__(self) -> Reservation:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> Literal[False]:
        if self.published is None:
            self.abandon()
        if isinstance(exc, OSError):
            raise PublishError(f"could not write {self.cutoff.isoformat()} v{self.version} "
                               f"({exc}); nothing was published") from exc
        return False

    def sync_written(self) -> None:
        """Start the fsync of the files written so far, in threads, and return: the version's
        contents are synced while its PDFs render (20,000 subjects: 21,600 files, 5 s here), and
        publish waits for them (raising a file's error) and syncs the rest."""
        if self._sync_pool is None:
            self._sync_pool = ThreadPoolExecutor(FSYNC_THREADS, thread_name_prefix="fsync")
        for path in sorted(p for p in self.path.rglob("*") if p.is_file()):
            if path not in self._syncing:
                self._syncing[path] = self._sync_pool.submit(_fsync_file, path)

    def _stop_syncing(self) -> None:
        if self._sync_pool is not None:
            self._sync_pool.shutdown(wait=True, cancel_futures=True)
            self._sync_pool = None

    def abandon(self) -> None:
        """Remove the staging folder (nothing of it is published)."""
        if self.published is None:
            self._stop_syncing()
            shutil.rmtree(self.path, ignore_errors=True)

    def publish(self, manifest_extra: dict[str, Any], hashed: dict[str, str] | None = None) -> Path:
        """Write manifest.json, fsync, and move the staging folder to vN in one rename. `hashed`:
        the digests of files hashed before (file_hashes of the staging folder), not read again."""
        if self.published is not None:
            raise PublishError(f"{self.published} is already published")
        folder = cutoff_dir(self.reports_root, self.cutoff)
        target = folder / f"v{self.version}"
        try:
            files = file_hashes(self.path, hashed)
            with _locked(folder):
                check_final_rules(self.reports_root, self.cutoff, self.final, self.reason)
                if target.exists():   # os.rename would replace an empty folder: never allow it
                    raise PublishError(f"{target} already exists; a version is never overwritten")
                # The chain link as published now: a concurrent run may have published since
                # this version was reserved.
                before = predecessor(self.reports_root, self.cutoff, self.version)
                self.previous = version_ref(before) if before is not None else None
                manifest = {**manifest_extra, "cutoff": self.cutoff.isoformat(),
                            "version": self.version, "final": self.final, "reason": self.reason,
                            "previous": self.previous, "files": files}
                write_json(self.path / MANIFEST_NAME, manifest)
                _fsync_tree(self.path, self._syncing)
                self._stop_syncing()
                os.rename(self.path, target)
                self.published = target
            _fsync_dir(folder)
        except PublishError:
            self.abandon()
            raise
        except (OSError, TypeError, ValueError) as exc:
            self.abandon()
            raise PublishError(f"could not publish {self.cutoff.isoformat()} v{self.version} "
                               f"({exc}); nothing was published") from exc
        return target


def reserve_version(reports_root: Path, cutoff: date, final: bool = False,
                    reason: str | None = None) -> Reservation:
    """Reserve the next version of `cutoff` (under the cutoff's lock) and create its staging
    folder."""
    reports_root = Path(reports_root)
    folder = cutoff_dir(reports_root, cutoff)
    try:
        with _locked(folder):
            live = _live_reservations(folder)
            check_final_rules(reports_root, cutoff, final, reason)
            taken = [n for n, _ in _version_folders(folder)]
            version = 1 + max([0, *taken, *live])
            before = predecessor(reports_root, cutoff, version)
            try:
                previous = version_ref(before) if before is not None else None
            except OSError as exc:
                raise PublishError(f"the previous version {before} has no readable {MANIFEST_NAME} "
                                   f"({exc}); check it with `interim verify`") from None
            path = folder / f"{_STAGING_PREFIX}v{version}-{_owner_token()}"
            path.mkdir()
    except OSError as exc:
        raise PublishError(f"cannot reserve a version in {folder} ({exc})") from exc
    return Reservation(reports_root, cutoff, version, path, final, reason, previous)

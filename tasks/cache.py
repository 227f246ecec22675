"""Files kept for re-use, by content key: PREFECT_HOME/interim-cache/<kind>/<key>/. A folder is
written whole (into a partial folder, completed by a marker, renamed into place) or not at all,
so a folder that is there is complete; partial folders of killed runs are removed."""
from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

COMPLETE_MARKER = "_COMPLETE"
VALUE_FILE = "value.pickle"
T = TypeVar("T")


def cache_folder(kind: str, key: str) -> Path:
    """Where the files of one kind and key are kept: under PREFECT_HOME, beside Prefect's own
    cache."""
    home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect"))
    return home / "interim-cache" / kind / key


def is_complete(folder: Path) -> bool:
    return (folder / COMPLETE_MARKER).is_file()


def write_folder(folder: Path, write: Callable[[Path], object]) -> None:
    """write(partial folder) fills it; then it becomes `folder`. A complete folder of the key is
    never replaced: the key is of the content, and another run may be reading it (two concurrent
    runs of one cut both derive; the second to finish keeps the first's folder)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in folder.parent.glob(f"{folder.name}.partial-*"):
        owner = stale.name.rsplit("-", 1)[-1]
        if owner.isdigit() and not _alive(int(owner)):
            shutil.rmtree(stale, ignore_errors=True)
    partial = folder.with_name(folder.name + f".partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    write(partial)
    (partial / COMPLETE_MARKER).touch()
    if not is_complete(folder):
        shutil.rmtree(folder, ignore_errors=True)     # an incomplete one (no marker): not in use
        try:
            os.rename(partial, folder)     # refused when another run's folder is there by now
            return
        except OSError:
            if not is_complete(folder):
                raise
    shutil.rmtree(partial, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cached_value(kind: str, key: str, make: Callable[[], T]) -> T:
    """make()'s value, kept pickled in the folder of (kind, key): made once per key. A kept value
    that cannot be read back (written by other library versions) is made again."""
    folder = cache_folder(kind, key)
    if is_complete(folder):
        try:
            with open(folder / VALUE_FILE, "rb") as kept:
                return pickle.load(kept)
        except Exception:          # noqa: BLE001 - any failure to read back means: make it again
            pass
    value = make()

    def write(partial: Path) -> None:
        # streamed: the pickle of a large analysis (~300 MB at 20,000 subjects) is never a
        # bytes object beside the value
        with open(partial / VALUE_FILE, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
    write_folder(folder, write)
    return value


def filled_folder(folder: Path, write: Callable[[Path], object]) -> Path:
    """`folder` (a cache folder), filled by write(folder) unless it is complete already."""
    if not is_complete(folder):
        write_folder(folder, write)
    return folder


def cached_folder(kind: str, key: str, write: Callable[[Path], object]) -> Path:
    """The folder of (kind, key), filled once per key by write(folder)."""
    return filled_folder(cache_folder(kind, key), write)


def cached_file(kind: str, key: str, name: Path, write: Callable[[Path], object]) -> Path:
    """The file `name` of the folder of (kind, key), written there once per key by
    write(folder)."""
    return cached_folder(kind, key, write) / name

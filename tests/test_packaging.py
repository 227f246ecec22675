"""`pip install .` gives a working interim: the wheel holds config/ and templates/, and the
installed command, run in another folder without the source tree on the path, reads and writes
relative to that folder. Offline: the wheel is built with the .venv's setuptools (a test extra)."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
SQLITE_URL = "sqlite+aiosqlite:///"
# What a wheel is built from: the project without its tests, environments and outputs.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", ".prefect", "data", "reports", "build",
                                    "bench", "tests", "*.egg-info", "__pycache__",
                                    ".pytest_cache", ".hypothesis")


def _pip(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args,
                           "--no-index", "--no-deps"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """interim installed from its wheel into a folder of its own (pip install --target)."""
    root = tmp_path_factory.mktemp("packaging")
    source, wheels, target = root / "source", root / "wheels", root / "site"
    shutil.copytree(REPO, source, symlinks=True, ignore=NOT_SOURCE)
    _pip("wheel", "--no-build-isolation", "-q", "-w", str(wheels), str(source))
    [wheel] = wheels.glob("interim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"tasks/packaged/config/defaults.yaml", "tasks/packaged/config/trial.yaml",
            "tasks/packaged/config/aesi.yaml", "tasks/packaged/templates/report.html.j2",
            "tasks/packaged/templates/blocks.html.j2",
            "tasks/packaged/templates/static/report.css"} <= names
    _pip("install", "-q", "--target", str(target), str(wheel))
    return target


def _run(installed: Path, cwd: Path, env: dict[str, str], *args: str,
         python_options: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """The installed console script, in `cwd`, with the installed package and the .venv's
    dependencies on the path, and neither the source tree nor its editable install."""
    env = {**env, "PYTHONPATH": os.pathsep.join([str(installed),
                                                 sysconfig.get_paths()["purelib"]])}
    env.pop("INTERIM_CONFIG", None)
    # -S: no site-packages .pth files, so the editable install's finder cannot reach the source
    command = [sys.executable, "-S", *python_options, str(installed / "bin" / "interim"), *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _copy_session_database(prefect_home: Path) -> None:
    """The session's Prefect database (SQLite, migrated) as `prefect_home`'s own, copied by
    SQLite's backup while its server runs: a temporary server on it need not migrate a new one
    (~6 s here)."""
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL

    url = str(PREFECT_API_DATABASE_CONNECTION_URL.value())
    assert url.startswith(SQLITE_URL), url
    prefect_home.mkdir()
    with contextlib.closing(sqlite3.connect(url.removeprefix(SQLITE_URL))) as session, \
            contextlib.closing(sqlite3.connect(prefect_home / "prefect.db")) as copy:
        session.backup(copy)


def _embedded_servers(prefect_home: Path) -> list[int]:
    """Processes of a Prefect API server started for `prefect_home`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes()
            environment = (proc / "environ").read_bytes().split(b"\0")
        except OSError:                  # ended meanwhile, or not a process folder
            continue
        if b"prefect.server.api.server:create_app" in command and \
                f"PREFECT_HOME={prefect_home}".encode() in environment:
            found.append(int(proc.name))
    return found


def test_the_installed_command_works_from_any_folder_with_relative_paths(installed, tmp_path,
                                                                         api_env):
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = _run(installed, work, api_env, "--help")
    assert where.returncode == 0, where.stderr
    simulated = _run(installed, work, api_env, "simulate", "--out", "cuts", "--cutoff",
                     "2026-10-31", "--subjects", "12", "--seed", "20261")
    assert simulated.returncode == 0, simulated.stderr
    assert simulated.stdout.strip() == str(work / "cuts" / "2026-10-31")
    # as a new user runs it: no Prefect server configured, so the command starts a temporary one
    # (here on a copy of the session's database) without importing the server into its process
    home = tmp_path / "prefect-home"
    _copy_session_database(home)
    embedded = {name: value for name, value in api_env.items() if name != "PREFECT_API_URL"}
    ran = _run(installed, work, {**embedded, "PREFECT_HOME": str(home)}, "run", "--cutoff",
               "2026-10-31", "--source", "cuts", "--reports", "rep",
               python_options=("-X", "importtime"))
    assert ran.returncode == 0, ran.stderr[-3000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in ran.stderr.splitlines()
                if line.startswith("import time:")}
    assert {"flows.interim_analysis", "prefect.flows"} <= imported
    assert not {m for m in imported if m.startswith("prefect.server")}, "the server was imported"
    assert _embedded_servers(home) == []                           # stopped at exit
    version = work / "rep" / "2026-10-31" / "v1"
    assert ran.stdout.strip().splitlines()[-1] == str(version)
    assert (version / "report-closed.pdf").read_bytes().startswith(b"%PDF")
    manifest = json.loads((version / "manifest.json").read_text())
    assert manifest["code"]["git_commit"] is None                   # not run from a checkout
    assert manifest["code"]["package_version"] == "0.1.0"
    assert manifest["config"]["study"]["id"] == "TQB2868-HAIC-201"  # the packaged trial config
    assert manifest["inputs"][0]["uri"].startswith(str(work / "cuts" / "2026-10-31"))
    assert not (REPO / "rep").exists() and not (REPO / "cuts").exists()


def test_the_installed_package_is_not_the_source_tree(installed, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed),
                                                        sysconfig.get_paths()["purelib"]])}
    code = ("import tasks, flows.cli, tasks.config as c, tasks.report.render as r; "
            "print(tasks.__file__); print(c.DEFAULTS_FILE); print(r.TEMPLATES_DIR)")
    done = subprocess.run([sys.executable, "-S", "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    paths = [Path(line) for line in done.stdout.splitlines()]
    assert all(path.is_relative_to(installed) for path in paths), paths
    assert paths[1].is_file() and (paths[2] / "static" / "report.css").is_file()

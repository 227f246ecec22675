"""manifest.json: what a report version was made from and holds (tasks.publish.verify checks it).

A manifest holds `files` (relative POSIX path -> sha256 of every file in the version folder but
manifest.json itself), `cutoff`, `version`, `final`, `reason`, `previous` (the chain link:
{cutoff, version, manifest_sha256} of the version published before this one, or null) and the
provenance the flow gives (see `provenance`): `inputs`, `source`, `config_digest` and `config`
(the analysis config), `operation` (how the run was operated: source, reports, schedule,
delivery), `parameters`, `code`, `software`, `flow_run_id`, `run_time`.
"""
from __future__ import annotations

import contextlib
import json
import platform
import re
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import tasks
from tasks.config import TrialConfig
from tasks.model import Cut
from tasks.operation import Operation
from tasks.publish.canonical import sha256_file
from tasks.publish.layout import MANIFEST_NAME

# What makes the code of a run: a change here makes the code version "dirty".
CODE_PATHS = ("tasks", "flows", "templates", "config", "pyproject.toml")
# The folder holding the tasks package: a git checkout's top level when run from source.
CODE_ROOT = Path(tasks.__file__).resolve().parent.parent


def file_hashes(folder: Path, known: Mapping[str, str] | None = None) -> dict[str, str]:
    """sha256 of every file under `folder` (recursively), by relative POSIX path, sorted;
    manifest.json itself is left out. `known`: digests of files already hashed by this process
    since they were written (files of a version are written once), not read again."""
    known = known or {}
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {rel: known.get(rel) or sha256_file(p) for p in files
            if (rel := p.relative_to(folder).as_posix()) != MANIFEST_NAME}


def version_ref(version_dir: Path) -> dict[str, Any]:
    """The chain link to a published version: its cutoff, number and manifest hash."""
    return {"cutoff": version_dir.parent.name, "version": int(version_dir.name[1:]),
            "manifest_sha256": sha256_file(version_dir / MANIFEST_NAME)}


def read_manifest(version_dir: Path) -> dict[str, Any]:
    with open(version_dir / MANIFEST_NAME, encoding="utf-8") as fh:
        manifest = json.load(fh)
    if not isinstance(manifest, dict):
        raise ValueError("not a JSON object")
    return manifest


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(CODE_ROOT), *args], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def code_version() -> dict[str, Any]:
    """The git commit of the source checkout the code runs from (None for an installed package,
    even one installed into a virtual environment inside a checkout), whether the code paths
    differ from it (`dirty`, untracked files included), and the installed package version."""
    top = _git("rev-parse", "--show-toplevel")
    commit = _git("rev-parse", "HEAD") if top and Path(top).resolve() == CODE_ROOT else None
    status = _git("status", "--porcelain", "--", *CODE_PATHS) if commit else None
    try:
        package = metadata.version("interim")
    except metadata.PackageNotFoundError:
        package = None
    return {"git_commit": commit, "dirty": bool(status) if commit else None,
            "package_version": package}


def software_versions() -> dict[str, str]:
    """Python and the installed version of every runtime dependency of the interim package."""
    versions = {"python": platform.python_version()}
    try:
        requirements = metadata.requires("interim") or []
    except metadata.PackageNotFoundError:
        requirements = []
    for requirement in requirements:
        if "extra ==" in requirement:
            continue
        name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def provenance(cut: Cut, cfg: TrialConfig, operation: Operation, parameters: dict[str, Any],
               flow_run_id: str | None, run_time: datetime | None = None) -> dict[str, Any]:
    """The manifest's provenance part (give it to Reservation.publish): every input file with its
    sha256, the resolved analysis config and its digest, the operation config, the run's
    parameters, code version, run id, time."""
    inputs = [{"domain": f.domain, "name": f.name, "uri": f.uri, "sha256": f.sha256,
               "rows": f.rows} for f in sorted(cut.files.values(), key=lambda f: f.name)]
    return {
        "inputs": inputs,
        "source": cut.location,
        "config_digest": cfg.digest(),
        "config": cfg.model_dump(mode="json"),
        "operation": operation.model_dump(mode="json"),
        "parameters": parameters,
        "code": code_version(),
        "software": software_versions(),
        "flow_run_id": flow_run_id,
        "run_time": (run_time or datetime.now(UTC)).isoformat(),
    }

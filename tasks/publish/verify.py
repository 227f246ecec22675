"""`interim verify`: a published version against its manifest.json and its open package against
open-manifest.json, the chain to the version before it, and the open/closed boundary."""
from __future__ import annotations

import json
from pathlib import Path

from tasks.publish.boundary import open_package_leaks
from tasks.publish.canonical import sha256_file
from tasks.publish.layout import MANIFEST_NAME, OPEN_DIR, OPEN_MANIFEST_NAME, OPEN_PDF
from tasks.publish.manifest import file_hashes, read_manifest


def _file_problems(listed: dict[str, str], present: dict[str, str], prefix: str = "") -> list[str]:
    problems = []
    for path, digest in sorted(listed.items()):
        if path not in present:
            problems.append(f"missing: {prefix}{path} is listed in the manifest but not in the "
                            "folder")
        elif present[path] != digest:
            problems.append(f"changed: {prefix}{path} does not match its sha256 in the manifest")
    return problems + [f"added: {prefix}{path} is not listed in the manifest"
                       for path in sorted(set(present) - set(listed))]


def verify_version(version_dir: Path) -> list[str]:
    """Every problem of a published version: a file changed, missing or added against its
    manifest or the open package's, a folder name that is not the manifest's, a broken chain,
    anything closed in the open package. Empty list: intact."""
    version_dir = Path(version_dir)
    if not version_dir.is_dir():
        return [f"{version_dir}: no such version folder"]
    try:
        manifest = read_manifest(version_dir)
        listed: dict[str, str] = manifest["files"]
    except FileNotFoundError:
        return [f"{version_dir}: {MANIFEST_NAME} is missing"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{version_dir}: {MANIFEST_NAME} cannot be read ({exc})"]

    problems = []
    expected = (manifest.get("cutoff"), f"v{manifest.get('version')}")
    if (version_dir.parent.name, version_dir.name) != expected:
        problems.append(f"folder {version_dir.parent.name}/{version_dir.name} does not match "
                        f"its manifest ({expected[0]}/{expected[1]})")
    problems += _file_problems(listed, file_hashes(version_dir))
    problems += _open_manifest_problems(version_dir / OPEN_DIR)
    problems += _chain_problems(version_dir, manifest.get("previous"))
    return problems + [f"open/closed boundary: {leak}" for leak in open_package_leaks(version_dir)]


def _open_manifest_problems(open_dir: Path) -> list[str]:
    """open/ against open-manifest.json (which lists every file of open/ but itself and the PDF)."""
    if not open_dir.is_dir():
        return []
    try:
        listed = json.loads((open_dir / OPEN_MANIFEST_NAME).read_text(encoding="utf-8"))["files"]
    except FileNotFoundError:
        return [f"{OPEN_DIR}/{OPEN_MANIFEST_NAME} is missing"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{OPEN_DIR}/{OPEN_MANIFEST_NAME} cannot be read ({exc})"]
    present = {path: digest for path, digest in file_hashes(open_dir).items()
               if path not in (OPEN_PDF, OPEN_MANIFEST_NAME)}
    return _file_problems(listed, present, prefix=f"{OPEN_DIR}/")


def _chain_problems(version_dir: Path, previous: dict | None) -> list[str]:
    if previous is None:
        return []
    name = f"{previous.get('cutoff')}/v{previous.get('version')}"
    previous_manifest = version_dir.parent.parent / name / MANIFEST_NAME
    if not previous_manifest.is_file():
        return [f"broken chain: the previous version {name} (or its {MANIFEST_NAME}) is missing"]
    if sha256_file(previous_manifest) != previous.get("manifest_sha256"):
        return [f"broken chain: {name}/{MANIFEST_NAME} has changed since this version was "
                "published"]
    return []

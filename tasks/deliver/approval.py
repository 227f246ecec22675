"""The electronic approval of a version for delivery (21 CFR Part 11 style signature): who, as
which operating-system user on which host, when, meaning what, and the sha256 of the manifest
approved. Only a version that passes verify can be approved or delivered."""
from __future__ import annotations

import getpass
import os
import re
import socket
from pathlib import Path

from tasks.deliver.log import DeliveryLog, LogLine, utc_now, version_label
from tasks.errors import DeliveryError
from tasks.publish.canonical import sha256_file
from tasks.publish.layout import MANIFEST_NAME
from tasks.publish.verify import verify_version

DEFAULT_MEANING = "approved for DSMB distribution"
_SHOWN_PROBLEMS = 5


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):        # no login name and no passwd entry (some containers)
        return f"uid {os.getuid()}"


def _require_verified(version_dir: Path, refusal: str) -> None:
    problems = verify_version(version_dir)
    if problems:
        shown = "; ".join(problems[:_SHOWN_PROBLEMS])
        hidden = len(problems) - _SHOWN_PROBLEMS
        more = f"; and {hidden} more" if hidden > 0 else ""
        raise DeliveryError(f"{version_dir} fails verify ({len(problems)} problem(s): "
                            f"{shown}{more}): {refusal}")


def approve(version_dir: Path, by: str, meaning: str = DEFAULT_MEANING,
            via: str = "interim approve") -> LogLine:
    """Record the approval of a verified version in its reports root's delivery log."""
    version_dir = Path(version_dir).resolve()
    by, meaning = by.strip(), meaning.strip()
    for what, text in (("the approver's name (--by)", by), ("the meaning (--meaning)", meaning)):
        if not text or re.search(r"[\x00-\x1f\x7f]", text):
            raise DeliveryError(f"{what} must be one line of text, not {text!r}")
    _require_verified(version_dir, "it cannot be approved")
    line = LogLine(event="approval", version=version_label(version_dir),
                   version_dir=str(version_dir), time=utc_now(), by=by, os_user=_os_user(),
                   host=socket.gethostname(), meaning=meaning,
                   manifest_sha256=sha256_file(version_dir / MANIFEST_NAME), via=via)
    DeliveryLog.of_version(version_dir).append(line)
    return line


def require_approved(version_dir: Path, lines: list[LogLine]) -> LogLine:
    """The approval that lets `version_dir` go out: the version passes verify and an approval in
    the log is of its manifest as it is now. Raises DeliveryError otherwise."""
    version_dir = Path(version_dir).resolve()
    _require_verified(version_dir, "it cannot be delivered; nothing was sent")
    label = version_label(version_dir)
    approvals = [line for line in lines if line.event == "approval" and line.version == label]
    if not approvals:
        raise DeliveryError(f"{label} is not approved: run `interim approve {version_dir} "
                            "--by NAME` first; nothing was sent")
    current = sha256_file(version_dir / MANIFEST_NAME)
    for approval in reversed(approvals):
        if approval.manifest_sha256 == current:
            return approval
    last = approvals[-1]
    raise DeliveryError(f"{label}: {MANIFEST_NAME} has changed since {last.by} approved it on "
                        f"{last.time} (sha256 {(last.manifest_sha256 or '')[:12]}... then, "
                        f"{current[:12]}... now); approve it again; nothing was sent")

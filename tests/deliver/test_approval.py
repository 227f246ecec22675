"""Approval (docs/delivery.md): an electronic signature (name, OS user and host, time, meaning,
sha256 of the manifest approved) in the delivery log; a version failing verify cannot be
approved or delivered; a manifest changed since its approval is refused."""
from __future__ import annotations

import getpass
import json
import socket
from datetime import UTC, datetime, timedelta

import pytest

from tasks.deliver.approval import DEFAULT_MEANING, approve, require_approved
from tasks.deliver.log import DeliveryLog
from tasks.errors import DeliveryError
from tasks.publish.canonical import sha256_file


def test_an_approval_is_a_signature_in_the_log(version):
    line = approve(version, "Florence Nightingale")
    [logged] = DeliveryLog.of_version(version).read()
    assert logged == line
    assert (line.event, line.version, line.version_dir) == \
        ("approval", "2026-10-31/v1", str(version))
    assert (line.by, line.meaning, line.via) == \
        ("Florence Nightingale", DEFAULT_MEANING, "interim approve")
    assert (line.os_user, line.host) == (getpass.getuser(), socket.gethostname())
    assert line.manifest_sha256 == sha256_file(version / "manifest.json")
    age = datetime.now(UTC) - datetime.fromisoformat(line.time)
    assert timedelta(0) <= age < timedelta(minutes=1)
    assert (version.parent.parent / "deliveries.jsonl").is_file()


def test_the_approval_lets_the_version_go_out(version):
    approve(version, "Florence Nightingale", "approved for the DSMB meeting of 2026-11-20")
    approval = require_approved(version, DeliveryLog.of_version(version).read())
    assert approval.meaning == "approved for the DSMB meeting of 2026-11-20"


def test_a_version_that_fails_verify_cannot_be_approved(version):
    (version / "tables").mkdir()
    (version / "tables" / "extra.csv").write_text("a\n1\n")
    with pytest.raises(DeliveryError, match=r"fails verify \(1 problem\(s\): added: "
                                            r"tables/extra.csv.*it cannot be approved"):
        approve(version, "Florence Nightingale")
    assert DeliveryLog.of_version(version).read() == []


def test_an_unapproved_version_is_refused(version):
    with pytest.raises(DeliveryError, match=r"2026-10-31/v1 is not approved: run `interim approve"):
        require_approved(version, [])


def test_a_version_changed_after_approval_is_refused(version):
    approve(version, "Florence Nightingale")
    lines = DeliveryLog.of_version(version).read()
    (version / "results.json").write_text("{}\n")
    with pytest.raises(DeliveryError, match=r"fails verify.*changed: results.json.*nothing was"):
        require_approved(version, lines)


def test_a_manifest_rewritten_after_approval_is_refused(version):
    """Consistent with its files (verify passes) but not the manifest that was approved."""
    approve(version, "Florence Nightingale")
    manifest = json.loads((version / "manifest.json").read_text())
    (version / "manifest.json").write_text(json.dumps({**manifest, "reason": "edited"}))
    with pytest.raises(DeliveryError, match=r"manifest.json has changed since Florence Nightingale "
                                            r"approved it .*approve it again"):
        require_approved(version, DeliveryLog.of_version(version).read())
    approve(version, "Florence Nightingale")          # approving the new manifest lets it go
    approval = require_approved(version, DeliveryLog.of_version(version).read())
    assert approval.by == "Florence Nightingale"


@pytest.mark.parametrize("by", ["", "   ", "Eve\nMallory"])
def test_an_approval_needs_a_name_on_one_line(version, by):
    with pytest.raises(DeliveryError, match="must be one line of text"):
        approve(version, by)


def test_an_approval_of_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(DeliveryError, match="no such version folder"):
        approve(tmp_path / "reports" / "2026-10-31" / "v9", "Florence Nightingale")

"""Delivering an approved version over the folder channel (the default): a personal copy per
recipient in ROOT/<audience>/<e-mail>/, each logged with its hashes; delivering again sends only
what is missing; refusals send nothing; a failed send is logged as failed, never as sent."""
from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from tasks.deliver.approval import approve
from tasks.deliver.log import DeliveryLog
from tasks.deliver.send import deliver_version, require_sent
from tasks.deliver.watermark import copy_id_of
from tasks.errors import DeliveryError
from tasks.publish.canonical import sha256_bytes, sha256_file
from tasks.publish.verify import verify_version


def _deliveries(version: Path) -> list:
    return [line for line in DeliveryLog.of_version(version).read() if line.event != "approval"]


def test_each_recipient_gets_a_personal_copy_of_their_audiences_report(version, make_settings,
                                                                       tmp_path, page_texts):
    approve(version, "Florence Nightingale")
    outcomes = deliver_version(version, make_settings())
    require_sent(outcomes)
    lines = _deliveries(version)
    assert [(line.event, line.audience, line.recipient.email) for line in lines] == [
        ("sent", "closed", "ada@dsmb.example.org"),
        ("sent", "closed", "florence@stats.example.org"),
        ("sent", "open", "alan@sponsor.example.com")]
    for line in lines:
        copy = Path(line.destination)
        assert copy.parent == tmp_path / "outbox" / line.audience / line.recipient.email
        assert copy.name == f"2026-10-31_v1_report-{line.audience}_{line.copy_id}.pdf"
        source = version / ("open/report-open.pdf" if line.audience == "open"
                            else "report-closed.pdf")
        assert line.source_sha256 == sha256_file(source)
        assert line.copy_sha256 == sha256_file(copy) != line.source_sha256
        assert (line.channel, line.version, line.version_dir) == \
            ("folder", "2026-10-31/v1", str(version))
        assert copy_id_of(copy) == line.copy_id
        pages = page_texts(copy.read_bytes())
        assert len(pages) == len(PdfReader(source).pages)
        stamp = f"Prepared for {line.recipient.name} - copy {line.copy_id} - do not forward"
        assert all(stamp in " ".join(page.split()) for page in pages)
    assert len({line.copy_id for line in lines}) == 3
    open_text = " ".join(page_texts(Path(lines[2].destination).read_bytes()))
    assert "30.0 (6.7, 65.2)" not in open_text and "CONTINUE" not in open_text
    assert verify_version(version) == []           # the version folder is never changed


def test_delivering_again_sends_only_what_is_missing(version, make_settings):
    approve(version, "Florence Nightingale")
    deliver_version(version, make_settings(), audience="closed")
    outcomes = deliver_version(version, make_settings())
    assert [(o.line.event, o.job.recipient.email) for o in outcomes] == \
        [("sent", "alan@sponsor.example.com")]
    assert deliver_version(version, make_settings()) == []
    assert len(_deliveries(version)) == 3


def test_a_resend_is_a_new_copy_logged_as_resent(version, make_settings):
    approve(version, "Florence Nightingale")
    [first] = deliver_version(version, make_settings(), audience="open")
    [again] = deliver_version(version, make_settings(), audience="open", resend=True)
    assert again.line.event == "resent" and again.line.copy_id != first.line.copy_id
    assert Path(first.line.destination).is_file() and Path(again.line.destination).is_file()
    assert [line.event for line in _deliveries(version)] == ["sent", "resent"]


def test_an_unapproved_version_sends_nothing(version, make_settings, tmp_path):
    with pytest.raises(DeliveryError, match="is not approved"):
        deliver_version(version, make_settings())
    assert not (tmp_path / "outbox").exists() and _deliveries(version) == []


def test_a_version_failing_verify_sends_nothing_even_if_approved(version, make_settings, tmp_path):
    approve(version, "Florence Nightingale")
    (version / "open" / "tables").mkdir()
    (version / "open" / "tables" / "t_14_2_2_response_rates.csv").write_text("ORR\n0.3\n")
    with pytest.raises(DeliveryError, match="fails verify.*open/closed boundary.*nothing was sent"):
        deliver_version(version, make_settings())
    assert not (tmp_path / "outbox").exists() and _deliveries(version) == []


def test_a_failed_send_is_logged_as_failed_and_delivered_later(version, make_settings, tmp_path):
    approve(version, "Florence Nightingale")
    blocked = tmp_path / "outbox" / "open"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("a file where the open folder should be")
    outcomes = deliver_version(version, make_settings())
    assert [o.failed for o in outcomes] == [False, False, True]
    with pytest.raises(DeliveryError, match=r"1 of 3 copies were not delivered: folder .*outbox: "
                                            r"could not deliver the open copy to Alan Turing "
                                            r"<alan@sponsor.example.com>.*Run deliver again"):
        require_sent(outcomes)
    failed = _deliveries(version)[-1]
    assert (failed.event, failed.result, failed.recipient.email) == ("failed", "failed",
                                                                      "alan@sponsor.example.com")
    assert "sent" not in {line.event for line in _deliveries(version) if line.audience == "open"}
    blocked.unlink()
    [retry] = deliver_version(version, make_settings())
    assert (retry.line.event, retry.job.recipient.email) == ("sent", "alan@sponsor.example.com")


def test_an_fsspec_root_takes_the_copies(version, make_settings):
    import fsspec

    approve(version, "Florence Nightingale")
    settings = make_settings(root="memory://interim-outbox")
    outcomes = deliver_version(version, settings, audience="open")
    [line] = [o.line for o in outcomes]
    assert line.destination.startswith("memory:///interim-outbox/open/alan@sponsor.example.com/")
    with fsspec.open(line.destination, "rb") as fh:
        assert sha256_bytes(fh.read()) == line.copy_sha256

"""Tracing (docs/delivery.md): any delivered PDF names its version, audience and recipient, and
whether it is byte-identical to what was sent. A leaked copy names its holder."""
from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfWriter

from tasks.deliver.approval import approve
from tasks.deliver.log import DeliveryLog
from tasks.deliver.send import deliver_version
from tasks.deliver.trace import trace_copy
from tasks.errors import DeliveryError


@pytest.fixture
def delivered(version, make_settings) -> dict[str, Path]:
    approve(version, "Florence Nightingale")
    return {o.job.recipient.email: Path(o.line.destination)
            for o in deliver_version(version, make_settings())}


def test_a_delivered_copy_names_version_audience_and_recipient(version, delivered):
    found = trace_copy(delivered["alan@sponsor.example.com"], DeliveryLog.of_version(version))
    assert (found.line.version, found.line.audience, found.line.recipient.name) == \
        ("2026-10-31/v1", "open", "Alan Turing")
    assert found.delivered and found.identical
    text = found.describe()
    assert f"copy {found.copy_id} of 2026-10-31/v1" in text and "audience open" in text
    assert "sent to Alan Turing <alan@sponsor.example.com>, sponsor" in text
    assert text.endswith("byte-identical to what was sent")


def test_a_changed_copy_still_names_its_holder_and_says_it_changed(version, delivered, tmp_path):
    copy = delivered["ada@dsmb.example.org"]
    writer = PdfWriter(clone_from=copy)
    writer.add_metadata({"/Subject": "forwarded"})
    changed = tmp_path / "forwarded.pdf"
    writer.write(changed)
    found = trace_copy(changed, DeliveryLog.of_version(version))
    assert found.line.recipient.email == "ada@dsmb.example.org" and not found.identical
    assert "CHANGED since it was sent" in found.describe()


def test_a_resent_copy_is_traced_to_its_own_send(version, delivered, make_settings):
    [again] = deliver_version(version, make_settings(), audience="open", resend=True)
    log = DeliveryLog.of_version(version)
    assert trace_copy(Path(again.line.destination), log).line.event == "resent"
    assert trace_copy(delivered["alan@sponsor.example.com"], log).line.event == "sent"


def test_the_source_report_is_not_a_delivered_copy(version, delivered):
    with pytest.raises(DeliveryError, match="carries no copy id: it is not a copy delivered"):
        trace_copy(version / "report-closed.pdf", DeliveryLog.of_version(version))


def test_a_copy_of_another_log_is_not_found(version, delivered, tmp_path):
    with pytest.raises(DeliveryError, match=r"copy [0-9a-f]{16} is not in .*deliveries.jsonl"):
        trace_copy(delivered["ada@dsmb.example.org"], DeliveryLog(tmp_path / "elsewhere"))


def test_a_file_that_is_not_a_pdf_is_a_clear_error(tmp_path, version):
    junk = tmp_path / "junk.pdf"
    junk.write_text("not a pdf")
    with pytest.raises(DeliveryError, match="junk.pdf cannot be read as a PDF"):
        trace_copy(junk, DeliveryLog.of_version(version))


def test_a_copy_whose_send_was_reported_failed_is_never_delivered(version, delivered, tmp_path):
    """A server can keep a message whose sending the client saw fail (a timeout after DATA)."""
    copy = delivered["ada@dsmb.example.org"]
    [sent] = [line for line in DeliveryLog.of_version(version).read()
              if line.destination == str(copy)]
    log = DeliveryLog(tmp_path / "other-root")
    log.append(sent.model_copy(update={"event": "failed", "result": "failed",
                                       "error": "timed out"}))
    found = trace_copy(copy, log)
    assert not found.delivered and found.identical
    assert "never delivered: the send to Ada Lovelace <ada@dsmb.example.org>, DSMB chair " \
           "failed" in found.describe()

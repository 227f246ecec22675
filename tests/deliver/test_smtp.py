"""The SMTP channel against a real SMTP server (aiosmtpd on loopback): plain, STARTTLS and
implicit TLS with a certificate made in the test, AUTH from environment variables; the messages
parsed back (who got what, the watermark on every page, the hashes as logged, nothing closed
for the open recipient); and the faults: server down, a refused recipient, a timeout."""
from __future__ import annotations

import socket
from io import BytesIO

import pytest
from pypdf import PdfReader

from tasks.deliver.approval import approve
from tasks.deliver.channels import SendFailed, open_channel
from tasks.deliver.copies import PersonalCopy
from tasks.deliver.log import DeliveryLog
from tasks.deliver.plan import plan_deliveries
from tasks.deliver.send import deliver_version, require_sent
from tasks.errors import ConfigError, DeliveryError
from tasks.publish.canonical import sha256_bytes
from tasks.publish.verify import verify_version

ADA, FLORENCE = "ada@dsmb.example.org", "florence@stats.example.org"
ALAN = "alan@sponsor.example.com"


def _sent(version) -> dict:
    return {line.recipient.email: line for line in DeliveryLog.of_version(version).read()
            if line.event in ("sent", "resent")}


def _deliver(version, make_settings, server, **smtp):
    settings = make_settings(channel="smtp", smtp={**server.smtp, **smtp})
    return deliver_version(version, settings)


@pytest.mark.parametrize("security", ["none", "starttls", "tls"])
def test_each_recipient_gets_one_message_with_their_copy(version, make_settings, smtp_server,
                                                         security, page_texts):
    server = smtp_server(security)
    approve(version, "Florence Nightingale")
    require_sent(_deliver(version, make_settings, server))
    mailbox, logged = server.mailbox, _sent(version)
    received = sorted(r for rcpts, _ in mailbox.messages for r in rcpts)
    assert received == sorted([ADA, FLORENCE, ALAN])
    for address, line in logged.items():
        [message] = [m for rcpts, m in mailbox.messages if rcpts == [address]]
        assert message["To"] == f"{line.recipient.name} <{address}>"
        assert message["From"] == "interim@trial.example.org"
        assert f"personal copy {line.copy_id}" in message["Subject"]
        assert line.destination == f"smtp://127.0.0.1:{server.port} {message['Message-ID']}"
        name, data = mailbox.attachment(address)
        assert name == f"2026-10-31_v1_report-{line.audience}_{line.copy_id}.pdf"
        assert sha256_bytes(data) == line.copy_sha256                  # the hash as logged
        stamp = f"Prepared for {line.recipient.name} - copy {line.copy_id} - do not forward"
        pages = page_texts(data)
        assert len(pages) == (3 if line.audience == "closed" else 2)
        assert all(stamp in " ".join(page.split()) for page in pages)
    assert (logged[ADA].audience, logged[FLORENCE].audience, logged[ALAN].audience) == \
        ("closed", "closed", "open")


def test_nothing_closed_reaches_the_open_recipient(version, make_settings, smtp_server, page_texts):
    server = smtp_server("starttls")
    approve(version, "Florence Nightingale")
    require_sent(_deliver(version, make_settings, server))
    [message] = [m for rcpts, m in server.mailbox.messages if rcpts == [ALAN]]
    assert "open report" in message["Subject"] and "closed" not in message["Subject"]
    _, data = server.mailbox.attachment(ALAN)
    reader = PdfReader(BytesIO(data))
    assert set(reader.attachments) == {"open-results.json", "open-manifest.json"}
    opened = (version / "open" / "open-results.json").read_bytes()
    assert reader.attachments["open-results.json"] == [opened]
    text = " ".join(" ".join(page.split()) for page in page_texts(data))
    assert "Accrual: 12 subjects enrolled" in text
    for closed in ("30.0 (6.7, 65.2)", "CONTINUE", "Objective response", "Safety by arm"):
        assert closed not in text and closed not in str(message)
    assert verify_version(version) == []


def test_login_with_user_and_password_from_the_environment(version, make_settings, smtp_server,
                                                           monkeypatch):
    server = smtp_server("starttls", login=("interim", "s3cret-pw"))
    monkeypatch.setenv("TEST_SMTP_USER", "interim")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret-pw")
    approve(version, "Florence Nightingale")
    require_sent(_deliver(version, make_settings, server, username_env="TEST_SMTP_USER",
                          password_env="TEST_SMTP_PASSWORD"))
    assert server.logins == ["interim"] * 3 and len(server.mailbox.messages) == 3
    log_text = DeliveryLog.of_version(version).path.read_text()
    assert "s3cret-pw" not in log_text and "TEST_SMTP_PASSWORD" not in log_text


def test_a_wrong_password_fails_at_once_naming_server_and_recipient(version, make_settings,
                                                                     smtp_server, monkeypatch):
    server = smtp_server("starttls", login=("interim", "s3cret-pw"))
    monkeypatch.setenv("TEST_SMTP_USER", "interim")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
    approve(version, "Florence Nightingale")
    outcomes = _deliver(version, make_settings, server, username_env="TEST_SMTP_USER",
                        password_env="TEST_SMTP_PASSWORD")
    # smtplib tries each mechanism the server offers once (PLAIN, LOGIN): 2 per recipient, no retry
    assert all(o.failed for o in outcomes) and len(server.logins) == 2 * 3
    assert f"SMTP server 127.0.0.1:{server.port} (starttls)" in outcomes[0].line.error
    assert "535" in outcomes[0].line.error and "wrong" not in outcomes[0].line.error
    assert _sent(version) == {}


def test_a_missing_password_variable_is_refused_before_anything_is_sent(version, make_settings,
                                                                        smtp_server, monkeypatch):
    server = smtp_server("starttls")
    monkeypatch.setenv("TEST_SMTP_USER", "interim")
    monkeypatch.delenv("TEST_SMTP_PASSWORD", raising=False)
    approve(version, "Florence Nightingale")
    with pytest.raises(ConfigError, match="password_env names the environment variable "
                                          "TEST_SMTP_PASSWORD, which is not set"):
        _deliver(version, make_settings, server, username_env="TEST_SMTP_USER",
                 password_env="TEST_SMTP_PASSWORD")
    assert server.mailbox.messages == [] and _sent(version) == {}


def test_an_untrusted_certificate_fails_without_retry(version, make_settings, smtp_server):
    server = smtp_server("starttls")
    approve(version, "Florence Nightingale")
    outcomes = _deliver(version, make_settings, server, ca_file=None)
    assert all(o.failed for o in outcomes)
    assert "CERTIFICATE_VERIFY_FAILED" in outcomes[0].line.error
    assert "attempt" not in outcomes[0].line.error and server.mailbox.messages == []


def test_server_down_bounded_retries_then_failure_naming_server_and_recipient(version,
                                                                              make_settings,
                                                                              smtp_server):
    server = smtp_server("none")
    server.stop()                              # nothing listens on the port any more
    approve(version, "Florence Nightingale")
    outcomes = _deliver(version, make_settings, server, retries=2)
    with pytest.raises(DeliveryError) as failure:
        require_sent(outcomes)
    message = str(failure.value)
    assert message.startswith("3 of 3 copies were not delivered")
    assert f"SMTP server 127.0.0.1:{server.port} (none): could not deliver the closed copy to " \
           f"Ada Lovelace <{ADA}>: ConnectionRefusedError" in message
    assert message.count("(3 attempt(s))") == 3
    assert [line.event for line in DeliveryLog.of_version(version).read()] == \
        ["approval", "failed", "failed", "failed"]
    server.start()                             # back up: everything still missing goes out
    require_sent(_deliver(version, make_settings, server))
    assert len(server.mailbox.messages) == 3


def test_a_refused_recipient_fails_the_others_go_and_a_rerun_sends_only_it(version, make_settings,
                                                                           smtp_server):
    server = smtp_server("none")
    server.mailbox.refuse = {FLORENCE}
    approve(version, "Florence Nightingale")
    outcomes = _deliver(version, make_settings, server)
    assert [o.failed for o in outcomes] == [False, True, False]
    assert server.mailbox.attempts == 3                    # 550 is permanent: not tried again
    assert f"refused {FLORENCE}: 550 5.1.1 no such mailbox here" in outcomes[1].line.error
    assert set(_sent(version)) == {ADA, ALAN}
    server.mailbox.refuse = set()
    [again] = _deliver(version, make_settings, server)
    assert (again.line.event, again.job.recipient.email) == ("sent", FLORENCE)
    received = sorted(r for rcpts, _ in server.mailbox.messages for r in rcpts)
    assert received == sorted([ADA, FLORENCE, ALAN])


def test_a_timeout_is_retried_then_fails(version, make_settings, smtp_server):
    server = smtp_server("none")
    server.mailbox.stall_seconds = 1.5
    approve(version, "Florence Nightingale")
    settings = make_settings(channel="smtp", open=[],
                             smtp={**server.smtp, "timeout_seconds": 0.3, "retries": 1})
    outcomes = deliver_version(version, settings, audience="closed")
    assert all(o.failed for o in outcomes)
    assert "timed out (2 attempt(s))" in outcomes[0].line.error
    assert server.mailbox.messages == [] and _sent(version) == {}


def test_retries_wait_the_configured_delay(make_settings, version):
    with socket.socket() as bound:             # bound, not listening: every connection is refused
        bound.bind(("127.0.0.1", 0))
        settings = make_settings(channel="smtp", smtp={
            "host": "127.0.0.1", "port": bound.getsockname()[1], "retries": 3,
            "sender": "interim@trial.example.org",
            "retry_delay_seconds": 7, "timeout_seconds": 1})
        channel = open_channel(settings)
        waits: list[float] = []
        channel.sleep = waits.append
        job = plan_deliveries(version, settings, "open", [], resend=False)[0]
        with pytest.raises(SendFailed, match=r"ConnectionRefusedError.*\(4 attempt\(s\)\)"):
            channel.send(job, PersonalCopy("0" * 16, "c.pdf", "title", b"%PDF", "a" * 64, "b" * 64))
    assert waits == [7, 7, 7]

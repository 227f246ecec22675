"""Who gets what: each recipient the report of their own audience only, nothing twice unless a
resend is asked for. The boundary is a property over generated recipient lists: a closed copy
never goes to an open recipient, and a recipient in both audiences is refused outright."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pydantic import ValidationError

from tasks.deliver.copies import PersonalCopy
from tasks.deliver.log import DeliveryLog, LogLine
from tasks.deliver.plan import audiences_of, plan_deliveries
from tasks.deliver.send import send_copy
from tasks.errors import DeliveryError

VERSION = Path("/reports/2026-10-31/v1")
_local = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._+-", min_size=1, max_size=8)
_local = _local.filter(lambda s: not s.startswith(".") and not s.endswith(".") and ".." not in s)
_name = st.text(alphabet="ABCDEFGHIJ abcdefghij-'", min_size=1, max_size=20).filter(str.strip)
_addresses = st.builds(lambda local, domain: f"{local}@{domain}", _local,
                       st.sampled_from(["dsmb.example.org", "sponsor.example.com", "Example.ORG"]))
_recipient = st.builds(lambda name, email, role: {"name": name, "email": email, "role": role},
                       _name, _addresses,
                       st.sampled_from(["DSMB member", "sponsor", "statistician", ""]))
_lists = st.lists(_recipient, max_size=6)


def _distinct(recipients: list[dict]) -> list[dict]:
    seen, kept = set(), []
    for r in recipients:
        if r["email"].lower() not in seen:
            seen.add(r["email"].lower())
            kept.append(r)
    return kept


@pytest.fixture
def fake_version(tmp_path) -> Path:
    version = tmp_path / "reports" / "2026-10-31" / "v1"
    (version / "open").mkdir(parents=True)
    (version / "report-closed.pdf").write_bytes(b"closed")
    (version / "open" / "report-open.pdf").write_bytes(b"open")
    return version


@given(closed=_lists, open_=_lists, audience=st.sampled_from(["closed", "open", "all"]))
@hsettings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_closed_copy_never_goes_to_an_open_recipient(fake_version, make_settings, closed, open_,
                                                       audience):
    closed, open_ = _distinct(closed), _distinct(open_)
    if {r["email"].lower() for r in closed} & {r["email"].lower() for r in open_}:
        with pytest.raises(ValidationError, match="in both the closed and the open audience"):
            make_settings(closed=closed, open=open_)
        return
    settings = make_settings(closed=closed, open=open_)
    open_emails = {r["email"].lower() for r in open_}
    try:
        jobs = plan_deliveries(fake_version, settings, audience, [], resend=False)
    except DeliveryError as exc:
        assert "no recipients" in str(exc)
        assert not any(settings.recipients(a) for a in audiences_of(audience))
        return
    for job in jobs:
        if job.recipient.email.lower() in open_emails:
            assert job.audience == "open"
            assert job.source == fake_version / "open" / "report-open.pdf"
        else:
            assert job.audience == "closed"
            assert job.source == fake_version / "report-closed.pdf"
    expected = {a: len(settings.recipients(a)) for a in audiences_of(audience)}
    assert {a: sum(j.audience == a for j in jobs) for a in expected} == expected


class RecordingChannel:
    name = "recording"

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    def send(self, job, copy: PersonalCopy) -> str:
        self.sent.append((job.recipient.email, copy.data))
        return f"memory:{job.recipient.email}"


@given(closed=_lists, open_=_lists)
@hsettings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_what_reaches_an_open_recipient_is_made_from_the_open_report(fake_version, make_settings,
                                                                     tmp_path_factory,
                                                                     monkeypatch, closed, open_):
    """Through the send path too (the watermark replaced by a copy of the source bytes)."""
    open_ = _distinct(open_)
    taken = {r["email"].lower() for r in open_}
    closed = [r for r in _distinct(closed) if r["email"].lower() not in taken]
    if not closed and not open_:
        return
    settings = make_settings(closed=closed, open=open_)
    monkeypatch.setattr("tasks.deliver.send.personal_copy", lambda job: PersonalCopy(
        "0" * 16, "copy.pdf", "t", job.source.read_bytes(), "a" * 64, "b" * 64))
    log = DeliveryLog(tmp_path_factory.mktemp("log"))
    channel = RecordingChannel()
    for job in plan_deliveries(fake_version, settings, "all", [], resend=False):
        send_copy(job, channel, log)
    received = dict(channel.sent)
    assert {e.lower() for e in received} == {r["email"].lower() for r in closed + open_}
    for email, data in received.items():
        assert data == (b"open" if email.lower() in taken else b"closed")


def _line(event: str, email: str, audience: str = "closed") -> LogLine:
    return LogLine(event=event, version="2026-10-31/v1", version_dir=str(VERSION), time="t",
                   audience=audience, recipient={"name": "X", "email": email}, copy_id="0" * 16)


def test_only_what_is_missing_is_planned_unless_resend(fake_version, make_settings):
    settings = make_settings()
    lines = [_line("sent", "ADA@dsmb.example.org"), _line("failed", "florence@stats.example.org"),
             _line("sent", "alan@sponsor.example.com", audience="closed")]   # another audience
    planned = plan_deliveries(fake_version, settings, "all", lines, resend=False)
    assert [(j.audience, j.recipient.email) for j in planned] == [
        ("closed", "florence@stats.example.org"), ("open", "alan@sponsor.example.com")]
    resent = plan_deliveries(fake_version, settings, "all", lines, resend=True)
    assert len(resent) == 3 and all(j.resend for j in resent)
    resent_line = _line("resent", "alan@sponsor.example.com", "open")
    assert plan_deliveries(fake_version, settings, "open", [resent_line], resend=False) == []


def test_an_unknown_audience_is_refused(fake_version, make_settings):
    with pytest.raises(DeliveryError, match="unknown audience 'sponsor': one of closed, open, all"):
        plan_deliveries(fake_version, make_settings(), "sponsor", [], resend=False)


def test_an_audience_without_recipients_is_refused(fake_version, make_settings):
    with pytest.raises(DeliveryError, match=r"no recipients in the config for open \(delivery"):
        plan_deliveries(fake_version, make_settings(open=[]), "open", [], resend=False)
    only_closed = plan_deliveries(fake_version, make_settings(open=[]), "all", [], resend=False)
    assert {j.audience for j in only_closed} == {"closed"}


def test_a_version_without_an_open_report_is_refused_for_the_open_audience(fake_version,
                                                                           make_settings):
    (fake_version / "open" / "report-open.pdf").unlink()
    with pytest.raises(DeliveryError, match="report-open.pdf is missing: the open audience"):
        plan_deliveries(fake_version, make_settings(), "all", [], resend=False)

"""Approval and delivery of a real published version (the session's simulated cut): personal
copies over the folder channel and over SMTP with STARTTLS, the open copies checked against the
open/closed boundary like the open package itself; the deliver-report flow and a Prefect Secret
block for the SMTP password; the monthly-cut run that pauses for its approval as flow-run input
and is resumed through the API."""
from __future__ import annotations

import shutil
import threading
import time
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from typer.testing import CliRunner

from flows.cli import app
from tasks.deliver.log import DeliveryLog
from tasks.pdf_text import page_texts
from tasks.publish.boundary import closed_fingerprints, open_package_leaks
from tasks.publish.canonical import sha256_bytes, sha256_file
from tasks.publish.verify import verify_version

pytestmark = pytest.mark.e2e
runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
REPORTS = {"closed": "report-closed.pdf", "open": "open/report-open.pdf"}


@pytest.fixture
def published(simulated_published, tmp_path) -> Path:
    """A copy of the session's reports root (both versions: verify checks the chain); the later
    version in it."""
    version = simulated_published[1]
    shutil.copytree(version.parent.parent, tmp_path / "reports")
    return tmp_path / "reports" / version.parent.name / version.name


def _config(tmp_path: Path, **delivery) -> Path:
    path = tmp_path / "delivery.yaml"
    path.write_text(yaml.safe_dump({"delivery": {"root": str(tmp_path / "outbox"), **delivery}}))
    return path


def assert_open_copy_holds_nothing_closed(version: Path, data: bytes, tmp_path: Path) -> None:
    """The open copy in place of report-open.pdf in a copy of the version: the boundary check of
    `interim verify` finds nothing, and no printed closed result or verdict is in its text."""
    copy = tmp_path / f"boundary-{sha256_bytes(data)[:12]}" / version.parent.name / version.name
    shutil.copytree(version, copy)
    (copy / "open" / "report-open.pdf").write_bytes(data)
    assert open_package_leaks(copy) == []
    text = " ".join(" ".join(page.split()) for page in page_texts(data))
    assert not [p for p in closed_fingerprints(version).phrases if p in text]


def assert_personal_copy(data: bytes, source: Path, name: str, copy_id: str, page_texts) -> None:
    pages = page_texts(data)
    assert len(pages) == len(PdfReader(source).pages) > 5
    stamp = f"Prepared for {name} - copy {copy_id} - do not forward"
    assert all(stamp in " ".join(page.split()) for page in pages)
    assert PdfReader(BytesIO(data)).attachments == PdfReader(source).attachments


def test_make_demo_then_approve_and_deliver_to_the_folder_channel(published, tmp_path, page_texts):
    before = {p: sha256_file(p) for p in published.rglob("*") if p.is_file()}
    approved = runner.invoke(app, ["approve", str(published), "--by", "Florence Nightingale"])
    assert approved.exit_code == 0, approved.output
    started = time.perf_counter()
    delivered = runner.invoke(app, ["deliver", str(published), "--config", str(_config(tmp_path))])
    elapsed = time.perf_counter() - started
    assert delivered.exit_code == 0, delivered.output
    lines = [line for line in DeliveryLog.of_version(published).read() if line.event == "sent"]
    assert [(line.audience, line.recipient.name) for line in lines] == [   # config/trial.yaml's
        ("closed", "Ada Lovelace"), ("closed", "Grace Hopper"), ("closed", "Florence Nightingale"),
        ("open", "Alan Turing"), ("open", "Mary Somerville")]
    for line in lines:
        data = Path(line.destination).read_bytes()
        assert sha256_bytes(data) == line.copy_sha256
        source = published / REPORTS[line.audience]
        assert line.source_sha256 == sha256_file(source)
        assert_personal_copy(data, source, line.recipient.name, line.copy_id, page_texts)
        if line.audience == "open":
            assert_open_copy_holds_nothing_closed(published, data, tmp_path)
    assert {p: sha256_file(p) for p in published.rglob("*") if p.is_file()} == before
    assert verify_version(published) == []
    assert elapsed < 60                  # 5 copies of a ~40-page report: a few seconds here


def test_delivery_over_smtp_with_starttls(published, tmp_path, smtp_server, page_texts):
    server = smtp_server("starttls")
    runner.invoke(app, ["approve", str(published), "--by", "Florence Nightingale"])
    trial = yaml.safe_load((REPO / "config" / "trial.yaml").read_text())["delivery"]
    # one recipient of each audience (the folder-channel test delivers to all five)
    config = _config(tmp_path, channel="smtp", smtp=server.smtp, closed=trial["closed"][:1],
                     open=trial["open"][:1])
    result = runner.invoke(app, ["deliver", str(published), "--config", str(config)])
    assert result.exit_code == 0, result.output
    logged = {line.recipient.email: line for line in DeliveryLog.of_version(published).read()
              if line.event == "sent"}
    assert sorted(r for rcpts, _ in server.mailbox.messages for r in rcpts) == sorted(logged) == \
        ["ada.lovelace@example.org", "alan.turing@example.org"]
    for address, line in logged.items():
        _, data = server.mailbox.attachment(address)
        assert sha256_bytes(data) == line.copy_sha256
        source = published / REPORTS[line.audience]
        assert_personal_copy(data, source, line.recipient.name, line.copy_id, page_texts)
        if line.audience == "open":
            assert_open_copy_holds_nothing_closed(published, data, tmp_path)
            [message] = [m for rcpts, m in server.mailbox.messages if rcpts == [address]]
            assert "open report" in message["Subject"]


def test_the_deliver_report_flow_with_a_password_in_a_prefect_secret_block(published, tmp_path,
                                                                         smtp_server, monkeypatch):
    from prefect.blocks.system import Secret

    from flows.deliver_report import deliver_report

    Secret(value="block-pw").save("interim-test-smtp", overwrite=True)
    monkeypatch.setenv("TEST_SMTP_USER", "interim")
    server = smtp_server("tls", login=("interim", "block-pw"))
    runner.invoke(app, ["approve", str(published), "--by", "Florence Nightingale"])
    config = _config(tmp_path, channel="smtp", open=[],
                     smtp={**server.smtp, "username_env": "TEST_SMTP_USER",
                           "secret_block": "interim-test-smtp"})
    run = {"version_dir": str(published), "audience": "closed", "config_file": str(config)}
    destinations = deliver_report(**run)
    assert len(destinations) == 3
    assert all(d.startswith(f"smtp://127.0.0.1:{server.port} <") for d in destinations)
    assert set(server.logins) == {"interim"} and len(server.mailbox.messages) == 3
    assert "block-pw" not in DeliveryLog.of_version(published).path.read_text()
    assert deliver_report(**run) == []


def test_monthly_cut_pauses_for_approval_then_delivers(simulated_published, published, tmp_path,
                                                       monkeypatch):
    """The scheduled flow publishes (here: the session's version, to keep the test short), pauses
    with an ApprovalInput form, is resumed through the API with the approver's input, records
    the approval and delivers."""
    from prefect import resume_flow_run
    from prefect.client.orchestration import get_client

    import flows.deliver_report
    import flows.monthly_cut

    cuts = simulated_published[0]
    monkeypatch.setattr(flows.monthly_cut, "interim_analysis", lambda **kwargs: str(published))
    monkeypatch.setattr(flows.deliver_report, "APPROVAL_POLL_SECONDS", 1)
    config = tmp_path / "monthly.yaml"
    config.write_text(yaml.safe_dump({"source": {"root": str(cuts)},
                                      "delivery": {"root": str(tmp_path / "outbox")}}))
    outcome: dict = {}

    def scheduled_run() -> None:
        try:
            outcome["result"] = flows.monthly_cut.monthly_cut(
                cutoff=published.parent.name, config_file=str(config), await_approval=True)
        except BaseException as exc:   # noqa: BLE001 - reported by the assertion below
            outcome["error"] = exc
    runner_thread = threading.Thread(target=scheduled_run)
    runner_thread.start()
    paused = None
    deadline = time.monotonic() + 120
    with get_client(sync_client=True) as client:
        while paused is None and time.monotonic() < deadline and runner_thread.is_alive():
            paused = next((run for run in client.read_flow_runs(limit=50)
                           if run.state and run.state.is_paused()), None)
            time.sleep(0.5)
    assert paused is not None, outcome
    assert DeliveryLog.of_version(published).read() == []          # nothing before the approval
    resume_flow_run(paused.id, run_input={"by": "Florence Nightingale",
                                          "meaning": "approved for the DSMB meeting"})
    runner_thread.join(120)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"] == str(published)
    lines = DeliveryLog.of_version(published).read()
    assert (lines[0].event, lines[0].by, lines[0].meaning, lines[0].via) == (
        "approval", "Florence Nightingale", "approved for the DSMB meeting",
        f"prefect flow run {paused.id}")
    assert [line.event for line in lines[1:]] == ["sent"] * 5

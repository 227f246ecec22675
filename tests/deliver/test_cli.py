"""`interim approve`, `deliver`, `trace`, `deliveries` (../shared/CONTRACT.md): exit 0 on success,
1 with one clear message when the input is bad or a check fails, 2 on a usage error; refusals
send nothing."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "delivery.yaml"
    path.write_text(yaml.safe_dump({"delivery": {
        "root": str(tmp_path / "outbox"),
        "closed": [{"name": "Ada Lovelace", "email": "ada@dsmb.example.org", "role": "DSMB chair"}],
        "open": [{"name": "Alan Turing", "email": "alan@sponsor.example.com",
                  "role": "sponsor"}]}}))
    return path


def _invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def _copies(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "outbox").rglob("*.pdf"))


def test_approve_then_deliver_then_trace_then_deliveries(version, config, tmp_path):
    approved = _invoke("approve", version, "--by", "Florence Nightingale",
                       "--meaning", "for the DSMB")
    assert approved.exit_code == 0, approved.output
    assert "2026-10-31/v1 approved by Florence Nightingale" in approved.stdout
    assert "for the DSMB; manifest sha256 " in approved.stdout

    delivered = _invoke("deliver", version, "--config", config)
    assert delivered.exit_code == 0, delivered.output
    lines = delivered.stdout.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("sent: closed copy for Ada Lovelace")
    assert lines[1].startswith("sent: open copy for Alan Turing")
    again = _invoke("deliver", version, "--config", config)
    assert again.exit_code == 0 and "nothing missing" in again.stdout

    closed_copy = next(p for p in _copies(tmp_path) if "report-closed" in p.name)
    traced = _invoke("trace", closed_copy, "--reports", version.parent.parent)
    assert traced.exit_code == 0, traced.output
    assert "audience closed; sent to Ada Lovelace <ada@dsmb.example.org>" in traced.stdout
    assert "byte-identical to what was sent" in traced.stdout

    log = _invoke("deliveries", "--reports", version.parent.parent)
    assert log.exit_code == 0
    title, *table = log.stdout.strip().splitlines()
    assert title == f"{version.parent.parent / 'deliveries.jsonl'}: 3 line(s)"
    rows = [row.split("\t") for row in table]
    assert rows[0] == ["time", "event", "version", "audience", "recipient", "copy id", "channel",
                       "detail"]
    assert [row[1] for row in rows[1:]] == ["approval", "sent", "sent"]
    assert rows[1][7].startswith("by Florence Nightingale (") and "for the DSMB" in rows[1][7]
    assert rows[2][4] == "Ada Lovelace <ada@dsmb.example.org>" and rows[2][7] == str(closed_copy)
    other = _invoke("deliveries", "--reports", version.parent.parent, "--cutoff", "2026-09-30")
    assert other.stdout.strip().splitlines()[1:] == ["\t".join(rows[0])]


def test_deliver_of_an_unapproved_version_is_refused(version, config, tmp_path):
    result = _invoke("deliver", version, "--config", config)
    assert result.exit_code == 1
    assert "is not approved: run `interim approve" in result.stderr
    assert _copies(tmp_path) == []


def test_approve_of_a_version_failing_verify_is_refused(version):
    (version / "results.json").write_text("{}\n")
    result = _invoke("approve", version, "--by", "Florence Nightingale")
    assert result.exit_code == 1
    assert "fails verify" in result.stderr and "changed: results.json" in result.stderr
    assert not (version.parent.parent / "deliveries.jsonl").exists()


def test_an_unknown_audience_is_a_usage_error(version, config, tmp_path):
    _invoke("approve", version, "--by", "Florence Nightingale")
    result = _invoke("deliver", version, "--config", config, "--audience", "sponsor")
    assert result.exit_code == 2 and "unknown audience 'sponsor'" in result.output
    assert _copies(tmp_path) == []


@pytest.mark.parametrize("change, message", [
    ({"open": [{"name": "Ada Lovelace", "email": "ada@dsmb.example.org"}]},
     "in both the closed and the open audience"),
    ({"open": [{"name": "Alan Turing", "email": "alan@sponsor"}]},
     "'alan@sponsor' is not an e-mail"),
    ({"investigators": []}, "the audiences are closed and open"),
    ({"smtp": {"password": "hunter2"}}, "a password is never written in a config file"),
])
def test_bad_delivery_config_is_refused_before_anything_is_sent(version, config, tmp_path, change,
                                                                message):
    _invoke("approve", version, "--by", "Florence Nightingale")
    settings = yaml.safe_load(config.read_text())
    settings["delivery"].update(change)
    config.write_text(yaml.safe_dump(settings))
    result = _invoke("deliver", version, "--config", config)
    assert result.exit_code == 1 and message in result.stderr
    assert _copies(tmp_path) == []


def test_smtp_down_exits_1_naming_server_and_recipient(version, config, tmp_path, smtp_server):
    server = smtp_server("none")
    server.stop()
    settings = yaml.safe_load(config.read_text())
    settings["delivery"].update(channel="smtp", smtp={**server.smtp, "retries": 1})
    config.write_text(yaml.safe_dump(settings))
    _invoke("approve", version, "--by", "Florence Nightingale")
    result = _invoke("deliver", version, "--config", config, "--audience", "open")
    assert result.exit_code == 1
    assert f"SMTP server 127.0.0.1:{server.port} (none): could not deliver the open copy to " \
           "Alan Turing <alan@sponsor.example.com>" in " ".join(result.stderr.split())
    log = _invoke("deliveries", "--reports", version.parent.parent)
    events = [row.split("\t")[1] for row in log.stdout.strip().splitlines()[2:]]
    assert events == ["approval", "failed"]


def test_trace_of_a_changed_copy_exits_1(version, config, tmp_path):
    _invoke("approve", version, "--by", "Florence Nightingale")
    _invoke("deliver", version, "--config", config, "--audience", "open")
    [copy] = _copies(tmp_path)
    copy.write_bytes(copy.read_bytes() + b"\n%% appended\n")
    result = _invoke("trace", copy, "--reports", version.parent.parent)
    assert result.exit_code == 1 and "Alan Turing" in result.stdout and "CHANGED" in result.stdout


def test_trace_of_a_file_that_is_no_copy_exits_1(version):
    result = _invoke("trace", version / "report-closed.pdf", "--reports", version.parent.parent)
    assert result.exit_code == 1 and "carries no copy id" in result.stderr


@pytest.mark.parametrize("command", ["approve", "deliver", "trace", "deliveries"])
def test_help(command):
    result = _invoke(command, "--help")
    assert result.exit_code == 0 and "Usage" in result.output

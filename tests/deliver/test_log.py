"""The delivery log REPORTS/deliveries.jsonl: append-only JSON lines, one write per line under an
exclusive lock, safe with concurrent runs, never a torn line."""
from __future__ import annotations

import json
import multiprocessing
import os
import time
from pathlib import Path

import pytest

from tasks.deliver.log import DeliveryLog, LogLine, version_label
from tasks.errors import DeliveryError
from tasks.operation import Recipient


def _sent(copy_id: str, email: str = "ada@dsmb.example.org") -> LogLine:
    return LogLine(event="sent", version="2026-10-31/v1", version_dir="/r/2026-10-31/v1",
                   time="2026-11-02T09:00:00+00:00", audience="closed",
                   recipient=Recipient(name="Ada", email=email), copy_id=copy_id,
                   copy_sha256="a" * 64, source_sha256="b" * 64, channel="folder", destination="/x")


def test_lines_are_appended_and_read_back(tmp_path):
    log = DeliveryLog(tmp_path)
    log.append(_sent("0" * 16))
    log.append(_sent("1" * 16))
    text = (tmp_path / "deliveries.jsonl").read_text()
    assert text.count("\n") == 2 and text.endswith("\n")
    first = json.loads(text.splitlines()[0])
    assert first["event"] == "sent"
    assert first["recipient"] == {"name": "Ada", "email": "ada@dsmb.example.org", "role": ""}
    assert "error" not in first                      # empty fields are left out
    assert [line.copy_id for line in log.read()] == ["0" * 16, "1" * 16]


def test_a_delivery_is_keyed_by_version_audience_and_email_in_any_case():
    line = _sent("0" * 16, email="Ada@DSMB.example.org")
    assert line.delivery_key() == ("2026-10-31/v1", "closed", "ada@dsmb.example.org")
    assert version_label(Path("/r/2026-10-31/v3")) == "2026-10-31/v3"
    assert DeliveryLog.of_version(Path("/r/2026-10-31/v3")).path == Path("/r/deliveries.jsonl")


def test_a_line_that_is_not_a_log_line_is_an_error_naming_it(tmp_path):
    log = DeliveryLog(tmp_path)
    log.append(_sent("0" * 16))
    with open(log.path, "a") as fh:
        fh.write('{"event": "sent", "vers\n')
    with pytest.raises(DeliveryError, match=r"deliveries.jsonl line 2 is not a delivery log line"):
        log.read()


def test_a_failed_write_leaves_no_torn_line(tmp_path, monkeypatch):
    log = DeliveryLog(tmp_path)
    log.append(_sent("0" * 16))
    before = log.path.read_bytes()
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, data[:10]))   # disk full
    with pytest.raises(OSError, match="short write"):
        log.append(_sent("1" * 16))
    monkeypatch.undo()
    assert log.path.read_bytes() == before
    log.append(_sent("2" * 16))
    assert [line.copy_id for line in log.read()] == ["0" * 16, "2" * 16]


def _append_many(folder: str, worker: int, count: int) -> None:
    log = DeliveryLog(Path(folder))
    for i in range(count):
        log.append(_sent(f"{worker:02d}{i:014d}"))


def test_concurrent_appends_from_processes_lose_and_tear_nothing(tmp_path):
    context = multiprocessing.get_context("spawn")      # forked children would inherit test threads
    workers = [context.Process(target=_append_many, args=(str(tmp_path), w, 40)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    copy_ids = [line.copy_id for line in DeliveryLog(tmp_path).read()]
    assert len(copy_ids) == 160 and len(set(copy_ids)) == 160
    for w in range(4):                                   # each writer's lines in its own order
        mine = [c for c in copy_ids if c.startswith(f"{w:02d}")]
        assert mine == sorted(mine)


def _hold_lock(folder: str, seconds: float, ready) -> None:
    with DeliveryLog(Path(folder)).locked() as append:
        ready.set()
        time.sleep(seconds)
        append(_sent("f" * 16))


def test_the_lock_makes_another_run_wait(tmp_path):
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    holder = context.Process(target=_hold_lock, args=(str(tmp_path), 1.0, ready))
    holder.start()
    assert ready.wait(30)
    started = time.monotonic()
    DeliveryLog(tmp_path).append(_sent("0" * 16))
    waited = time.monotonic() - started
    holder.join(30)
    assert waited > 0.5
    assert [line.copy_id for line in DeliveryLog(tmp_path).read()] == ["f" * 16, "0" * 16]

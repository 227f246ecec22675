"""The temporary Prefect server of `interim run`: started before Prefect's settings are read, kept
only when they name no server (the packaging test runs the command on it)."""
from __future__ import annotations

from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.embedded_server import EmbeddedServer


def test_no_server_is_started_when_the_environment_names_one(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert EmbeddedServer.start_early() is None


def test_the_early_server_is_stopped_when_the_settings_name_a_server(monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    unwanted = EmbeddedServer.start_early()
    assert unwanted is not None and unwanted.process is not None
    process = unwanted.process
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:4200/api"}):   # e.g. a profile
        assert unwanted.if_needed() is None
    assert process.poll() is not None                    # ended, not left running

    wanted = EmbeddedServer.start_early()
    assert wanted is not None
    try:
        with temporary_settings(restore_defaults={PREFECT_API_URL}):
            assert wanted.if_needed() is wanted and wanted.process is not None
            assert wanted.process.poll() is None
    finally:
        wanted.stop()

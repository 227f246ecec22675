"""The scheduled monthly-cut flow and cuts that are late, missing or still being written: it waits
with bounded retries (source.wait_retries x source.wait_interval_seconds), then fails with a clear
message and a Prefect artifact; a cut without its _READY marker is never read."""
from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
import yaml

import flows.monthly_cut as monthly
import tasks.ingest.read as ingest_read
from tasks.errors import CutNotReadyError

pytestmark = pytest.mark.e2e
CUTOFF = date(2026, 10, 31)


@pytest.fixture
def config_for(tmp_path):
    def write(source_root: Path) -> str:
        path = tmp_path / "monthly.yaml"
        path.write_text(yaml.safe_dump({
            "source": {"root": str(source_root), "wait_retries": 2, "wait_interval_seconds": 0.1},
            "reports": {"root": str(tmp_path / "reports")}}))
        return str(path)
    return write


@pytest.fixture
def looks(monkeypatch) -> list[str]:
    """Every look for the marker (the monthly flow's wait task), by location."""
    seen: list[str] = []
    real = monthly.cut_is_ready

    def cut_is_ready(location, source):
        seen.append(location)
        return real(location, source)
    monkeypatch.setattr(monthly, "cut_is_ready", cut_is_ready)
    return seen


@pytest.fixture
def analyses(monkeypatch) -> list[dict]:
    """The interim-analysis runs the monthly flow starts (recorded, not run: tested elsewhere)."""
    started: list[dict] = []

    def interim_analysis(**kwargs):
        started.append(kwargs)
        return "published"
    monkeypatch.setattr(monthly, "interim_analysis", interim_analysis)
    return started


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Every domain file read from any cut."""
    names: list[str] = []
    real = ingest_read.read_bytes

    def read_bytes(folder, name, source):
        names.append(name)
        return real(folder, name, source)
    monkeypatch.setattr(ingest_read, "read_bytes", read_bytes)
    return names


def _artifact(key: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async def latest():
        async with get_client() as client:
            found = await client.read_artifacts(artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key])))
            return found[-1] if found else None
    return asyncio.run(latest())


def test_a_missing_cut_is_awaited_then_fails_with_a_message_and_an_artifact(
        tmp_path, config_for, looks, analyses, prefect_harness):
    with pytest.raises(CutNotReadyError) as failure:
        monthly.monthly_cut(cutoff=CUTOFF, config_file=config_for(tmp_path / "cuts"))
    assert len(looks) == 3, "looked once, then retried wait_retries = 2 times"
    message = str(failure.value)
    assert "2026-10-31 did not arrive complete" in message and "within 2 retries" in message
    assert "Nothing was published" in message and "_READY" in message
    artifact = _artifact("missing-data-cut")
    assert artifact is not None and "Data cut missing" in artifact.data
    assert "did not arrive complete" in artifact.data
    assert analyses == [] and not (tmp_path / "reports").exists()


def test_a_cut_being_written_is_not_read(clean_root, config_for, looks, analyses, reads,
                                         prefect_harness):
    (clean_root / CUTOFF.isoformat() / "_READY").unlink()
    with pytest.raises(CutNotReadyError, match="no _READY marker"):
        monthly.monthly_cut(cutoff=CUTOFF, config_file=config_for(clean_root))
    assert len(looks) == 3 and analyses == [] and reads == []


def test_a_cut_completed_while_waiting_is_analysed(clean_root, config_for, analyses, monkeypatch,
                                                   prefect_harness):
    """The delivery writes _READY between the first and the second look."""
    marker = clean_root / CUTOFF.isoformat() / "_READY"
    marker.unlink()
    real, looks = monthly.cut_is_ready, []

    def cut_is_ready(location, source):
        looks.append(location)
        if len(looks) == 2:
            marker.touch()
        return real(location, source)
    monkeypatch.setattr(monthly, "cut_is_ready", cut_is_ready)
    monthly.monthly_cut(cutoff=CUTOFF, config_file=config_for(clean_root))
    assert len(looks) == 2
    assert [(a["cutoff"], a["require_ready"]) for a in analyses] == [(CUTOFF, True)]


def test_the_analysis_of_a_scheduled_run_refuses_a_cut_without_its_marker(clean_root, reads,
                                                                          tmp_path,
                                                                          prefect_harness):
    """Between the monthly flow's look and the analysis the marker could go (a redelivery): the
    analysis itself checks it again and reads nothing."""
    from flows.interim_analysis import interim_analysis

    (clean_root / CUTOFF.isoformat() / "_READY").unlink()
    with pytest.raises(CutNotReadyError, match="not complete"):
        interim_analysis(cutoff=CUTOFF, source=str(clean_root), reports=str(tmp_path / "reports"),
                         require_ready=True)
    assert reads == [] and not (tmp_path / "reports").exists()


def test_the_monthly_cutoff_is_the_last_day_of_the_previous_month():
    from datetime import datetime
    assert monthly.previous_month_end(datetime(2026, 11, 1, 6, 0)) == date(2026, 10, 31)
    assert monthly.previous_month_end(datetime(2026, 3, 1, 6, 0)) == date(2026, 2, 28)
    assert monthly.previous_month_end(datetime(2028, 3, 1, 0, 0)) == date(2028, 2, 29)
    assert monthly.previous_month_end(datetime(2027, 1, 1, 6, 0)) == date(2026, 12, 31)

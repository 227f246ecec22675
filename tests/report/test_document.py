"""ReportDocument: marking by kind, UTC generation time, version label, bad values refused."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tasks.report.document import CLOSED_MARKING, OPEN_MARKING, ReportDocument


def _doc(**overrides) -> ReportDocument:
    values = dict(study_id="S-1", study_title="T", cutoff=date(2025, 5, 31), version=3,
                  status="FINAL", reason="DSMB request",
                  generated_at=datetime(2025, 6, 1, 14, 30, tzinfo=UTC), kind="closed", sections=[])
    return ReportDocument(**{**values, **overrides})


def test_marking_follows_the_report_kind() -> None:
    assert (_doc(kind="closed").marking == "CONFIDENTIAL - CLOSED SESSION - FOR DSMB MEMBERS ONLY"
            == CLOSED_MARKING)
    assert _doc(kind="open").marking == "OPEN SESSION" == OPEN_MARKING


def test_generation_time_is_printed_and_stamped_in_utc() -> None:
    shanghai = timezone(timedelta(hours=8))
    doc = _doc(generated_at=datetime(2025, 6, 1, 14, 30, 5, tzinfo=shanghai))
    assert doc.generated_label == "2025-06-01 06:30 UTC"
    assert doc.generated_w3c == "2025-06-01T06:30:05Z"
    assert doc.version_label == "v3 FINAL"


@pytest.mark.parametrize("bad", [
    {"kind": "public"}, {"status": "final"}, {"version": 0},
    {"generated_at": datetime(2025, 6, 1, 6, 0)},          # naive: the UTC label would be a guess
])
def test_bad_values_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        _doc(**bad)

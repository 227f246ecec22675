"""The version's files besides the PDFs (tasks.publish.contents): every table's RTF twin, made
once per content and kept for a re-run."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

import tasks.report.rtf
from tasks.model import Table
from tasks.publish import contents
from tasks.report.rtf import table_rtf

MARKING = "CONFIDENTIAL - CLOSED SESSION - FOR DSMB MEMBERS ONLY"


def _listing(rows: int) -> Table:
    display = pd.DataFrame({"Subject": [f"S-{k}" for k in range(rows)],
                            "Onset day": [str(k) for k in range(rows)]})
    return Table(id="t_14_3_5_2_sae_listing", number="14.3.5.2", title="Listing of SAEs",
                 population="All subjects with an SAE", data=display, display=display)


def test_an_unchanged_table_is_not_made_again(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    made: list[str] = []

    def counted(table: Table, marking: str) -> bytes:
        made.append(table.id)
        return table_rtf(table, marking)
    monkeypatch.setattr(tasks.report.rtf, "table_rtf", counted)     # read when a table is written
    for folder in ("v1", "v2"):          # a run and its re-run
        contents.write_tables([_listing(60)], tmp_path / folder / "tables", None, MARKING)
    contents.write_tables([_listing(61)], tmp_path / "v3" / "tables", None, MARKING)
    assert made == ["t_14_3_5_2_sae_listing"] * 2                  # v1 and v3, not v2
    rtf = [(tmp_path / v / "tables" / "rtf" / "t_14_3_5_2_sae_listing.rtf").read_bytes()
           for v in ("v1", "v2", "v3")]
    assert rtf[0] == rtf[1] == table_rtf(_listing(60), MARKING) != rtf[2]
    assert b"S-60" in rtf[2] and b"S-60" not in rtf[0]

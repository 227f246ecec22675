"""The analysis reads ADLB_VARIABLES of ADLB only (the flow reads back only those): on a messy
simulated cut (ungraded and partial laboratory records planted) it gives the same results and
tables as with every ADLB variable, and it names what it misses."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

import tasks.analysis.assemble as assemble
from tasks.adam.build import build_adam, load_adam, save_adam
from tasks.config import load_settings
from tasks.ingest.cutoff import apply_cutoff
from tasks.publish.canonical import canonical_json
from tasks.publish.contents import _csv
from tasks.publish.snapshot import record_snapshot
from tasks.simulate import simulate_cut

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from cutkit import make_cut  # noqa: E402

CUTOFF = date(2026, 10, 31)


@pytest.fixture(scope="module")
def messy():
    settings = load_settings()
    cfg = settings.analysis
    cutoff = apply_cutoff(make_cut(simulate_cut(cfg, settings.simulation, CUTOFF, 16, 20261,
                                                "messy"), CUTOFF), cfg)
    return cfg, cutoff, build_adam(cutoff.cut, cfg), record_snapshot(cutoff.cut)


def _outputs(messy) -> dict[str, bytes]:
    cfg, cutoff, adam, snapshot = messy
    analysis = assemble.analyse(adam, cutoff, [], cfg, None, snapshot)
    made = {"results.json": canonical_json(analysis.results).encode()}
    for kind in ("closed", "open"):
        made.update((f"{kind}/{block.id}", _csv(block.data) + getattr(block, "svg", "").encode())
                    for block in analysis.tables(kind))
    return made


def test_the_analysis_of_adlb_variables_equals_the_analysis_of_every_variable(messy,
                                                                              monkeypatch):
    adlb = messy[2].adlb
    assert set(assemble.ADLB_VARIABLES) < set(adlb.columns)
    narrow = _outputs(messy)
    monkeypatch.setattr(assemble, "ADLB_VARIABLES", list(adlb.columns))   # nothing left out
    assert _outputs(messy) == narrow
    assert adlb["NOGRDRS"].ne("").any()         # the ungraded records' table is not empty


def test_adam_read_back_holds_only_the_variables_named(messy, tmp_path):
    save_adam(messy[2], tmp_path / "adam")
    read = load_adam(tmp_path / "adam", {"adlb": assemble.ADLB_VARIABLES})
    assert list(read.adlb.columns) == assemble.ADLB_VARIABLES
    assert list(read.adae.columns) == list(messy[2].adae.columns)

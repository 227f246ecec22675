"""One place for the overall-response test code: validation.response_test is read by validation
and by ADRS. The demo cut with RSTESTCD renamed gives the same ADaM when the config names the
new code, and a validation error naming RSTESTCD when it does not."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tasks.adam.build import build_adam
from tasks.config import TrialConfig, load_config, load_settings
from tasks.ingest.cutoff import apply_cutoff
from tasks.ingest.read import read_cut
from tasks.model import Adam
from tasks.simulate import simulate_cut
from tasks.simulate.write import write_cut
from tasks.validate import validate_cut

CUTOFF = date(2026, 10, 31)          # the demo cut: interim simulate --subjects 32 --seed 20261
RENAMED = "OVRLRSP"
SOURCE = load_settings().operation.source


def adam_of(root: Path, cfg: TrialConfig) -> Adam:
    cut = read_cut(str(root / CUTOFF.isoformat()), CUTOFF, cfg, SOURCE, require_ready=True)
    return build_adam(apply_cutoff(cut, cfg).cut, cfg)


@pytest.fixture(scope="module")
def cuts(tmp_path_factory) -> dict[str, Path]:
    """The demo cut as simulated, and a copy whose RS says OVRLRSP instead of OVRLRESP."""
    root = tmp_path_factory.mktemp("response-test")
    settings = load_settings()
    frames = simulate_cut(settings.analysis, settings.simulation, CUTOFF, subjects=32, seed=20261)
    renamed = {**frames, "rs": frames["rs"].replace({"RSTESTCD": {"OVRLRESP": RENAMED}})}
    config = root / "renamed.yaml"
    config.write_text(f"validation: {{response_test: {RENAMED}}}\n")
    return {"original": write_cut(frames, root / "original", CUTOFF).parent,
            "renamed": write_cut(renamed, root / "renamed", CUTOFF).parent, "config": config}


def test_renamed_response_test_configured_gives_the_same_bor_cbor_and_orr(cuts):
    original = adam_of(cuts["original"], load_config())
    renamed = adam_of(cuts["renamed"], load_config(cuts["config"]))
    pd.testing.assert_frame_equal(renamed.adrs, original.adrs)
    pd.testing.assert_frame_equal(renamed.adtte, original.adtte)
    cbor = original.adrs[original.adrs["PARAMCD"].eq("CBOR")].merge(
        original.adsl.loc[original.adsl["RSEVALFL"].eq("Y"), ["USUBJID"]])
    # The comparison means something only when the cut has responses to lose.
    assert cbor["AVALC"].isin(["CR", "PR"]).sum() >= 3
    assert len(original.adrs[original.adrs["PARAMCD"].eq("OVR")]) >= 50


def test_renamed_response_test_not_configured_is_a_validation_error_naming_rstestcd(cuts):
    cfg = load_config()
    cut = read_cut(str(cuts["renamed"] / CUTOFF.isoformat()), CUTOFF, cfg, SOURCE,
                   require_ready=True)
    errors = [f for f in validate_cut(cut, cfg) if f.severity == "error"]
    assert [(f.rule, f.file, f.column, f.value) for f in errors] == [
        ("RS.RSTESTCD holds validation.response_test", "rs.csv", "RSTESTCD", RENAMED)]
    assert "none with RSTESTCD = OVRLRESP (validation.response_test)" in errors[0].message
    configured = load_config(cuts["config"])
    renamed = read_cut(str(cuts["renamed"] / CUTOFF.isoformat()), CUTOFF, configured, SOURCE,
                       require_ready=True)
    assert not [f for f in validate_cut(renamed, configured) if f.severity == "error"]

"""The whole flow on a pharmaverse cut whose RS is the public iRECIST example only
(rs_onco_irecist.csv): it runs, the primary RECIST 1.1 analysis has no response and says so,
and IBOR / ICBOR agree with values derived here by hand for a few subjects."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.faults.faulty_run import stub_render

# both tests read one run: on one xdist worker, so that it is made once
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("irecist-cut")]
REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference" / "pharmaverse" / "sdtm"
FILES = {"dm.csv": "dm.csv", "ds.csv": "ds.csv", "ex.csv": "ex.csv", "ae.csv": "ae.csv",
         "suppae.csv": "suppae.csv", "lb.csv.gz": "lb.csv.gz", "sv.csv": "sv.csv",
         "rs_onco_irecist.csv": "rs.csv"}

# (IBOR, its ADT), (ICBOR, its ADT), by hand from rs_onco_irecist.csv and adsl.csv's RANDDT:
HAND = {
    # RANDDT 2013-07-19. iUPD in 2013-08 (imputed to 2013-08-31), iCPD 2013-10-09: 39 days
    # after it, within 28-56: confirmed progression, dated at the iUPD. The iSD after it is
    # after the first iCPD and does not count.
    "01-701-1028": (("iCPD", "2013-08-31"), ("iCPD", "2013-08-31")),
    # RANDDT 2013-07-26. iUPD 2013-09-06, iCPD 2013-11-17: 72 days later, past 56: unconfirmed.
    "01-702-1082": (("iUPD", "2013-09-06"), ("iUPD", "2013-09-06")),
    # RANDDT 2014-07-01. iUPD 2014-08-11 reset by iSD 2014-09-25 (86 days after RANDDT).
    "01-701-1034": (("iSD", "2014-09-25"), ("iSD", "2014-09-25")),
    # RANDDT 2013-08-23. iPR 2013-10-03 (41 days: too early for iSD), iUPD 11-17, then
    # NON-iCR/NON-iUPD 12-27: the iPR is never confirmed.
    "01-701-1148": (("iPR", "2013-10-03"), ("NON-iCR/NON-iUPD", "2013-12-27")),
    # RANDDT 2013-02-02. iPR 03-16, iSD 05-09, iPR 06-08 confirmed by iPR 07-22 (44 days).
    "01-701-1203": (("iPR", "2013-03-16"), ("iPR", "2013-06-08")),
    # RANDDT 2014-02-15. iUPD 03-29, iCR 05-16 confirmed by iCR 06-21 (36 days), iUPD 08-02.
    "01-701-1130": (("iCR", "2014-05-16"), ("iCR", "2014-05-16")),
    # RANDDT 2012-09-02. iPR 2012-10-13 (41 days), NE 11-27: nothing confirmed or late enough.
    "01-703-1086": (("iPR", "2012-10-13"), ("NE", "2012-10-13")),
}


@pytest.fixture(scope="module")
def published(prefect_harness, tmp_path_factory) -> Path:
    if not REFERENCE.exists():
        pytest.skip("../shared/reference not beside the repository")
    root = tmp_path_factory.mktemp("irecist")
    cut = root / "cuts" / "2099-12-31"
    cut.mkdir(parents=True)
    for source, target in FILES.items():
        shutil.copyfile(REFERENCE / source, cut / target)
    (cut / "_READY").touch()
    config = REPO / "tests" / "reference" / "pharmaverse.yaml"
    with pytest.MonkeyPatch.context() as patch:     # the closed PDF is not what is tested here
        stub_render(patch.setattr)
        result = CliRunner().invoke(app, ["run", "--cutoff", "2099-12-31",
                                          "--source", str(root / "cuts"),
                                          "--reports", str(root / "reports"),
                                          "--config", str(config)])
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip().splitlines()[-1])


def test_ibor_and_icbor_agree_with_the_hand_derivation(published):
    adrs = pd.read_parquet(published / "adam" / "adrs.parquet")
    for usubjid, expected in HAND.items():
        got = []
        for paramcd in ("IBOR", "ICBOR"):
            rec = adrs[(adrs["USUBJID"] == usubjid) & (adrs["PARAMCD"] == paramcd)].iloc[0]
            got.append((rec["AVALC"], rec["ADT"].strftime("%Y-%m-%d")))
        assert tuple(got) == expected, usubjid
    assert adrs.loc[adrs["PARAMCD"] == "IOVR", "USUBJID"].nunique() == 26


def test_primary_analysis_has_no_response_and_irecist_is_reported(published):
    results = json.loads((published / "results.json").read_text())
    efficacy = results["efficacy"]
    assert efficacy["bor_counts"]["MISSING"] == efficacy["orr"]["n"]
    assert efficacy["irecist"]["icbor_counts"]["iPR"] >= 1
    assert (published / "tables" / "t_14_2_10_irecist.csv").is_file()
    findings = json.loads((published / "validation.json").read_text())["findings"]
    assert [f["severity"] for f in findings
            if f["rule"] == "RS.RSTESTCD holds RECIST 1.1 overall responses"] == ["warning"]

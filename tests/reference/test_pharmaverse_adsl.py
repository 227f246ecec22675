"""ADSL agrees with admiral's ADSL of the CDISC pilot, subject by subject."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tasks.adam.adsl import build_adsl
from tasks.config import load_config
from tasks.model import Cut

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "pharmaverse"
FILES = {"dm": "dm.csv", "ds": "ds.csv", "ex": "ex.csv", "ae": "ae.csv", "lb": "lb.csv.gz",
         "sv": "sv.csv", "tu": "tu_onco_recist.csv"}

pytestmark = pytest.mark.skipif(not REFERENCE.exists(),
                                reason="../shared/reference not beside the repo")


@pytest.fixture(scope="module")
def adsl_pair() -> tuple[pd.DataFrame, pd.DataFrame]:
    domains = {d: pd.read_csv(REFERENCE / "sdtm" / f, dtype=str, keep_default_na=False)
               for d, f in FILES.items()}
    cfg = load_config(Path(__file__).with_name("pharmaverse.yaml"))
    mine = build_adsl(Cut(date(2099, 12, 31), str(REFERENCE), domains, {}), cfg)
    ref = pd.read_csv(REFERENCE / "adam" / "adsl.csv", dtype=str, keep_default_na=False)
    return mine.set_index("USUBJID"), ref.set_index("USUBJID")


@pytest.mark.parametrize("variable", ["TRTSDT", "TRTEDT", "LSTALVDT", "RANDDT", "DTHDT", "EOSDT"])
def test_adsl_dates_agree_with_admiral_for_every_subject(adsl_pair, variable):
    mine, ref = adsl_pair
    assert len(mine) == len(ref) == 306
    ours = mine[variable].dt.strftime("%Y-%m-%d").fillna("NA")
    theirs = ref[variable].reindex(mine.index)
    disagree = ours[ours != theirs]
    assert disagree.empty, pd.DataFrame({"interim": disagree, "admiral": theirs[disagree.index]})


def test_safety_population_and_disposition_agree_with_admiral(adsl_pair):
    mine, ref = adsl_pair
    assert (mine["SAFFL"] == "Y").sum() == (ref["SAFFL"] == "Y").sum() == 254
    ours = mine["EOSSTT"].replace({"ONGOING": "NA"})
    assert (ours == ref["EOSSTT"].reindex(mine.index)).all()

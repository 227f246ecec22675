"""Each scenario plants the problems it is for, and nothing else changes."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from tasks.simulate import DOMAINS, simulate_cut
from tasks.simulate.cut import cut_history
from tasks.simulate.scenarios import DATA_LAG_DAYS, EARLIER_DAYS, apply_scenario


@pytest.fixture(scope="module")
def cuts(history, sim):
    """Each scenario planted in the shared trial's cut (what simulate_cut does, see below)."""
    return {name: apply_scenario(cut_history(history, sim.cutoff), name, sim.cutoff, sim.seed)
            for name in ("partial-dates", "messy", "invalid", "correction")}


def test_simulate_cut_plants_the_scenario(cfg, simulation, cuts, sim):
    direct = simulate_cut(cfg, simulation, sim.cutoff, sim.subjects, sim.seed, scenario="messy")
    for domain in DOMAINS:
        pd.testing.assert_frame_equal(direct[domain], cuts["messy"][domain], obj=domain)


def _unchanged(cut, clean, domains):
    for domain in domains:
        pd.testing.assert_frame_equal(cut[domain], clean[domain], obj=domain)


def test_partial_dates_scenario_has_month_only_dates(cuts, clean):
    cut = cuts["partial-dates"]
    ae, rs, dm = cut["ae"], cut["rs"], cut["dm"]
    for column in ("AESTDTC", "AEENDTC"):
        partial = ae[column].str.fullmatch(r"\d{4}-\d{2}")
        assert partial.sum() >= 3
        assert (ae.loc[partial, column] == clean["ae"].loc[partial, column].str[:7]).all()
    assert rs["RSDTC"].str.fullmatch(r"\d{4}-\d{2}").sum() == 3
    assert dm["DTHDTC"].str.fullmatch(r"\d{4}-\d{2}").sum() == 1
    assert len(ae) == len(clean["ae"]) and len(rs) == len(clean["rs"])
    _unchanged(cut, clean, [d for d in DOMAINS if d not in ("ae", "rs", "dm")])


def test_messy_scenario_has_warnings_not_errors(cuts, clean, sim, recompute):
    cut = cuts["messy"]
    ae, lb = cut["ae"], cut["lb"]
    assert ae["AETOXGR"].eq("").sum() == 1
    assert (ae["AETERM"] == "<b>rash</b>").sum() == 1
    assert ae["AETERM"].str.contains("url(http://example.org/x)", regex=False).sum() == 1
    assert lb["LBSTNRHI"].eq("").sum() == 1 and lb["LBSTNRLO"].eq("").sum() == 1
    assert (ae["AETOXGR"].isin(["", "1", "2", "3", "4", "5"])).all()
    # one investigator response that the lesion measurements contradict
    recist = cut["rs"][cut["rs"]["RSCAT"].eq("RECIST 1.1")]
    both = recist.merge(recompute(cut), on=["USUBJID", "RSDTC"])
    disagree = both[both["RSSTRESC"] != both["expected"]]
    assert disagree[["RSSTRESC", "expected"]].values.tolist() == [["PR", "SD"]]
    assert disagree["pchg"].iloc[0] > -30


def test_messy_scenario_has_a_subject_with_stale_data(cuts, clean, sim):
    """A subject on treatment whose last record is > 60 days before the cutoff (only in messy:
    in clean every subject still in the study was seen within 60 days)."""
    def stale(cut):
        dated = pd.concat([cut[d][["USUBJID", c]].set_axis(["USUBJID", "day"], axis=1)
                           for d, c in (("sv", "SVSTDTC"), ("ex", "EXSTDTC"), ("lb", "LBDTC"),
                                        ("rs", "RSDTC"), ("ae", "AESTDTC"), ("ds", "DSSTDTC"))])
        last = dated.groupby("USUBJID")["day"].max()
        ds = cut["ds"]
        left = ds.loc[ds["EPOCH"].eq("FOLLOW-UP") | ds["DSDECOD"].eq("SCREEN FAILURE"), "USUBJID"]
        in_study = cut["dm"].loc[~cut["dm"]["USUBJID"].isin(left), "USUBJID"]
        limit = (sim.cutoff - timedelta(days=60)).isoformat()
        return sorted(s for s in in_study if last[s] < limit)

    assert stale(clean) == []
    lagging = stale(cuts["messy"])
    assert len(lagging) == 1
    dm = cuts["messy"]["dm"].set_index("USUBJID")
    assert dm.loc[lagging[0], "RFXSTDTC"] != "" and dm.loc[lagging[0], "RFXENDTC"] == ""
    lag_day = (sim.cutoff - timedelta(days=DATA_LAG_DAYS)).isoformat()
    for domain in ("ex", "lb", "sv", "ae"):
        before = clean[domain][clean[domain]["USUBJID"].eq(lagging[0])]
        after = cuts["messy"][domain][cuts["messy"][domain]["USUBJID"].eq(lagging[0])]
        assert len(after) < len(before) or domain == "ae"
        date_column = {"ex": "EXSTDTC", "lb": "LBDTC", "sv": "SVSTDTC", "ae": "AESTDTC"}[domain]
        assert (after[date_column] <= lag_day).all()


def test_invalid_scenario_has_hard_errors(cuts, clean):
    cut = cuts["invalid"]
    ae, rs, dm = cut["ae"], cut["rs"], cut["dm"]
    assert (~ae["USUBJID"].isin(dm["USUBJID"])).sum() == 1
    assert ae["AETOXGR"].eq("7").sum() == 1
    assert ae["AESTDTC"].eq("2026-02-30").sum() == 1
    assert ae.duplicated(["USUBJID", "AESEQ"]).sum() == 1
    assert rs["RSSTRESC"].eq("GOOD").sum() == 1
    assert len(ae) == len(clean["ae"]) + 1
    _unchanged(cut, clean, [d for d in DOMAINS if d not in ("ae", "rs")])


def test_correction_scenario_changes_one_earlier_ae_grade_and_removes_one_rs(cuts, clean, sim):
    cut = cuts["correction"]
    earlier = (sim.cutoff - timedelta(days=EARLIER_DAYS)).isoformat()
    changed = (cut["ae"] != clean["ae"]).any(axis=1)
    assert changed.sum() == 1
    before, after = clean["ae"][changed].iloc[0], cut["ae"][changed].iloc[0]
    assert int(after["AETOXGR"]) == int(before["AETOXGR"]) + 1
    assert before["AESTDTC"] <= earlier
    gone = clean["rs"].merge(cut["rs"], how="left", indicator=True)
    gone = gone[gone["_merge"] == "left_only"]
    assert len(gone) == 1 and len(cut["rs"]) == len(clean["rs"]) - 1
    assert gone["RSDTC"].iloc[0] <= earlier
    _unchanged(cut, clean, [d for d in DOMAINS if d not in ("ae", "rs")])

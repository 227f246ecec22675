"""iRECIST records of the simulated trial (a PD-1 combination): every assessment read by iRECIST
too; subjects treated beyond their first PD get a confirming assessment with further growth."""
from __future__ import annotations

import pandas as pd

from tasks.simulate.tumour import AS_IRECIST, BEYOND_PROGRESSION


def _responses(history: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rs = history["rs"]
    wide = rs.pivot_table(index=["USUBJID", "RSDTC"], columns="RSCAT", values="RSSTRESC",
                          aggfunc="first")
    return wide.reset_index().sort_values(["USUBJID", "RSDTC"])


def test_every_assessment_has_both_readings_and_they_agree_before_a_confirmation(history):
    both = _responses(history)
    assert both[["RECIST 1.1", "iRECIST"]].notna().all().all()
    mirrored = both["iRECIST"] == both["RECIST 1.1"].map(AS_IRECIST)
    assert set(both.loc[~mirrored, "iRECIST"]) == {"iCPD"}
    assert set(both.loc[~mirrored, "RECIST 1.1"]) == {"PD"}


def test_subjects_treated_beyond_progression_confirm_it_4_to_8_weeks_later(history, cfg):
    both = _responses(history).assign(day=lambda f: pd.to_datetime(f["RSDTC"]))
    first_pd = both[both["RECIST 1.1"].eq("PD")].drop_duplicates("USUBJID").set_index("USUBJID")
    icpd = both[both["iRECIST"].eq("iCPD")].set_index("USUBJID")
    assert icpd.index.is_unique and set(icpd.index) <= set(first_pd.index)
    gap = (icpd["day"] - first_pd.loc[icpd.index, "day"]).dt.days
    assert gap.between(28, 56).all()
    # A share of the progressors, less than all (some die or the study ends first).
    assert 0.2 < len(icpd) / len(first_pd) < BEYOND_PROGRESSION + 0.1
    # Further growth: the target sum at the iCPD is at least 5 mm above the one at the iUPD.
    tr = history["tr"][history["tr"]["TRTESTCD"].eq("LDIAM")]
    sums = tr.assign(mm=pd.to_numeric(tr["TRSTRESN"])).groupby(["USUBJID", "TRDTC"])["mm"].sum()
    for subject in icpd.index[:20]:
        at_icpd = sums[(subject, icpd.loc[subject, "RSDTC"])]
        grown = at_icpd - sums[(subject, first_pd.loc[subject, "RSDTC"])]
        assert grown >= 5, subject
    # Treated beyond the first PD: a dose after it. The others stop at it, unless treated
    # beyond it too but stopped for another reason before the confirmation.
    ex, ds = history["ex"], history["ds"]
    last_dose = pd.to_datetime(ex.groupby("USUBJID")["EXSTDTC"].max())
    beyond = last_dose.reindex(icpd.index) > first_pd.loc[icpd.index, "day"]
    assert beyond.mean() > 0.9
    stopped = ds[ds["EPOCH"].eq("TREATMENT") & ds["DSDECOD"].eq("PROGRESSIVE DISEASE")]
    others = first_pd.index.difference(icpd.index).intersection(stopped["USUBJID"])
    assert len(others) > 50
    assert (last_dose.reindex(others) <= first_pd.loc[others, "day"]).all()

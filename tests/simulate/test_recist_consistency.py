"""RS OVRLRESP agrees with the lesion measurements (TU/TR) under RECIST 1.1 in a clean cut."""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.simulate.recist import boundary_visits, overall_response


def _visits(sums_by_visit: list[list[float]], nodal: list[bool]):
    visits = pd.DataFrame({"subject": 0, "k": range(len(sums_by_visit))})
    target = pd.DataFrame([(v, i, nodal[i], d) for v, ds in enumerate(sums_by_visit)
                           for i, d in enumerate(ds)], columns=["vid", "lesion", "nodal", "ldiam"])
    return visits, target


def test_target_rules_on_hand_computed_sums():
    # baseline 50 + 30 = 80; 40 + 16 = 56 is -30.0% (PR); 30 + 10 = 40 (PR, new nadir);
    # 40 + 8 = 48 is +20% and +8 mm over the nadir 40 (PD)
    visits, target = _visits([[50, 30], [40, 16], [30, 10], [40, 8]], [False, False])
    out = overall_response(visits, target, pd.DataFrame({"vid": [], "state": []}),
                           np.zeros(4, dtype=bool))
    assert out["overall"].tolist() == ["", "PR", "PR", "PD"]
    assert out["pchg"].round(1).tolist() == [0.0, -30.0, -50.0, -40.0]
    assert out["nadir"].tolist()[1:] == [80, 56, 40]


def test_growth_under_5_mm_is_not_progression_and_nodes_under_10_mm_are_complete_response():
    # baseline 20 (liver) + 15 (node) = 35; 0 + 8 = 8: CR (node < 10 mm); 0 + 9 = 9: +1 mm, SD?
    # no: +12.5% and +1 mm from the nadir 8 is not PD, and the node is still < 10 mm: CR
    visits, target = _visits([[20, 15], [0, 8], [0, 9], [0, 12], [5, 15]], [False, True])
    none = pd.DataFrame({"vid": [], "state": []})
    out = overall_response(visits, target, none, np.zeros(5, dtype=bool))
    # 0 + 12 = 12: node back to 12 mm: not CR, +4 mm: not PD, -65.7%: PR; 5 + 15 = 20: +12 mm
    # and +150% over the nadir 8: PD
    assert out["overall"].tolist() == ["", "CR", "CR", "PR", "PD"]


def test_non_target_progression_and_new_lesion_are_progression():
    visits, target = _visits([[40], [38], [36], [20]], [False])
    non_target = pd.DataFrame({"vid": [0, 1, 2, 3], "state": ["PRESENT", "PRESENT",
                                                             "UNEQUIVOCAL PROGRESSION", "PRESENT"]})
    new = np.array([False, False, False, True])
    out = overall_response(visits, target, non_target, new)
    assert out["overall"].tolist() == ["", "SD", "PD", "PD"]
    assert out["non_target"].tolist()[1:3] == ["NON-CR/NON-PD", "PD"]


def test_exact_thresholds_are_found_to_be_moved_past():
    # 50 -> 35 is exactly -30%; then nadir 30 -> 36 is exactly +20% and +6 mm; 36 -> 40 is not
    visits, target = _visits([[50], [35], [30], [36], [40]], [False])
    deeper, bigger = boundary_visits(visits, target)
    assert deeper.tolist() == [1] and bigger.tolist() == [3]
    # +20% but only +4 mm (nadir 20 -> 24) is no progression either way: left alone
    visits, target = _visits([[40], [20], [24]], [False])
    assert [a.tolist() for a in boundary_visits(visits, target)] == [[], []]


def test_rs_agrees_with_target_sums_in_clean(clean, recompute):
    expected = recompute(clean)
    rs = clean["rs"].loc[clean["rs"]["RSCAT"].eq("RECIST 1.1"), ["USUBJID", "RSDTC", "RSSTRESC"]]
    both = rs.merge(expected, on=["USUBJID", "RSDTC"], how="outer", indicator=True)
    assert (both["_merge"] == "both").all()
    assert len(both) > 500
    disagree = both[both["RSSTRESC"] != both["expected"]]
    assert disagree.empty, disagree.head()
    # PR means -30% or more from baseline; SD never reaches it
    assert (both.loc[both["RSSTRESC"].eq("PR"), "pchg"] <= -30).all()
    assert (both.loc[both["RSSTRESC"].eq("SD"), "pchg"] > -30).all()
    assert set(both["RSSTRESC"]) == {"CR", "PR", "SD", "PD", "NE"}


def test_a_few_subjects_target_sum_change_by_hand(clean):
    """Recompute the % change of three responders' target sums visit by visit."""
    tr, rs = clean["tr"], clean["rs"]
    responders = rs.loc[rs["RSSTRESC"].eq("PR"), "USUBJID"].drop_duplicates().head(3)
    assert len(responders) == 3
    for subject in responders:
        sums = (tr[(tr["USUBJID"] == subject) & tr["TRTESTCD"].eq("LDIAM")]
                .assign(mm=lambda f: pd.to_numeric(f["TRSTRESN"]))
                .groupby("TRDTC")["mm"].agg(lambda v: v.sum() if v.notna().all() else np.nan))
        baseline = sums.iloc[0]
        assessments = rs.loc[rs["USUBJID"].eq(subject), ["RSDTC", "RSSTRESC"]]
        for day, response in assessments.itertuples(index=False):
            change = (sums[day] - baseline) / baseline
            if response == "PR":
                assert change <= -0.30, (subject, day, change)
            if response == "SD":
                assert change > -0.30, (subject, day, change)


def test_responses_are_mostly_confirmed_four_weeks_later(clean, cfg):
    """Of the subjects with a PR/CR, most have a later PR/CR >= 28 days after the first."""
    rs = clean["rs"].assign(day=lambda f: pd.to_datetime(f["RSDTC"]))
    hits = rs[rs["RSSTRESC"].isin(["CR", "PR"])]
    first = hits.groupby("USUBJID")["day"].min()
    last = hits.groupby("USUBJID")["day"].max()
    confirmed = (last - first).dt.days >= cfg.response.confirmation_min_days
    assert 0.6 < confirmed.mean() < 1.0
    treated = clean["dm"]["RFXSTDTC"].ne("").sum()
    assert 0.2 < len(first) / treated < 0.5     # simulation.true_orr = 0.35


def test_target_lesions_one_to_three_first_in_liver(clean):
    tu = clean["tu"]
    targets = tu[tu["TUSTRESC"].eq("TARGET")]
    per_subject = targets.groupby("USUBJID").size()
    assert per_subject.between(1, 3).all() and set(per_subject) == {1, 2, 3}
    assert (targets[targets["TULNKID"].eq("T01")]["TULOC"] == "LIVER").all()
    dm = clean["dm"]
    assert set(per_subject.index) <= set(dm.loc[~dm["ARMCD"].eq("SCRNFAIL"), "USUBJID"])
    assert set(per_subject.index) >= set(dm.loc[dm["RFXSTDTC"].ne(""), "USUBJID"])

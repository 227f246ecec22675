"""Same seed -> same trial; a cut is the database at its cutoff; a later cut extends an
earlier one."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tasks.errors import ConfigError
from tasks.simulate import DOMAINS, SCENARIOS, simulate_cut, simulate_trial
from tasks.simulate.cut import DATE_VARIABLES, FILLED_LATER, ONGOING, cut_history


def test_same_seed_gives_identical_frames(cfg, simulation, clean, sim):
    again = simulate_cut(cfg, simulation, sim.cutoff, sim.subjects, sim.seed)
    assert list(again) == list(DOMAINS)
    for domain in DOMAINS:
        pd.testing.assert_frame_equal(again[domain], clean[domain])
        assert all(pd.api.types.is_object_dtype(t) for t in again[domain].dtypes), domain


def test_another_seed_gives_another_trial(cfg, simulation, clean, sim):
    other = simulate_cut(cfg, simulation, sim.cutoff, 30, sim.seed + 1)
    assert not other["dm"]["RFICDTC"].equals(clean["dm"]["RFICDTC"].head(30))


@pytest.mark.parametrize("which", ["early", "clean"])
def test_cutoff_respected_in_every_domain(history, which, request, sim):
    cut = request.getfixturevalue(which)
    day = (sim.early_cutoff if which == "early" else sim.cutoff).isoformat()
    for domain, variable in DATE_VARIABLES.items():
        assert (history[domain][variable] > day).any(), f"{domain}: the test needs later records"
        assert not (cut[domain][variable] > day).any(), domain
    consented = history["dm"]["RFICDTC"] <= day
    assert set(cut["dm"]["USUBJID"]) == set(history["dm"].loc[consented, "USUBJID"])
    for domain in DOMAINS:
        assert set(cut[domain]["USUBJID"]) <= set(cut["dm"]["USUBJID"]), domain
    assert (history["dm"]["DTHDTC"] > day).any()
    for variable in ("RFSTDTC", "RFXSTDTC", "RFXENDTC", "RFENDTC", "DTHDTC"):
        assert not (cut["dm"][variable] > day).any(), variable
    assert (cut["dm"]["DTHFL"].eq("Y") == cut["dm"]["DTHDTC"].ne("")).all()
    ae = cut["ae"]
    assert not (ae["AEENDTC"] > day).any()
    assert (ae.loc[ae["AEENDTC"].eq(""), "AEOUT"] == ONGOING).all()


def test_ae_ongoing_at_cutoff_has_no_end_date(history, clean, sim):
    """An AE that started by the cutoff and ended after it: in the cut, no end, not recovered."""
    day = sim.cutoff.isoformat()
    full = history["ae"]
    across = full[(full["AESTDTC"] <= day) & (full["AEENDTC"] > day)]
    assert len(across) > 0
    keys = list(zip(across["USUBJID"], across["AESEQ"]))
    cut = clean["ae"].set_index(["USUBJID", "AESEQ"]).loc[keys]
    assert (cut["AEENDTC"] == "").all() and (cut["AEOUT"] == ONGOING).all()


def test_dm_end_dates_only_once_the_end_is_in_ds(clean):
    dm, ds = clean["dm"], clean["ds"]
    ended = set(ds.loc[ds["EPOCH"].eq("TREATMENT"), "USUBJID"])
    treated = dm["RFXSTDTC"].ne("")
    assert (dm.loc[treated, "RFXENDTC"].ne("") == dm.loc[treated, "USUBJID"].isin(ended)).all()
    assert dm.loc[treated, "RFXENDTC"].eq("").any() and dm.loc[treated, "RFXENDTC"].ne("").any()
    left = set(ds.loc[ds["EPOCH"].eq("FOLLOW-UP"), "USUBJID"])
    assert (dm["RFENDTC"].ne("") == dm["USUBJID"].isin(left)).all()


def _assert_extends(early: dict[str, pd.DataFrame], late: dict[str, pd.DataFrame]) -> None:
    """Every record of the early cut is in the late one; only end dates (and with them AEOUT,
    DTHFL) blank in the early cut may have been filled in since."""
    for domain in DOMAINS:
        a, b = early[domain], late[domain]
        filled = [c for c in FILLED_LATER.get(domain, ()) if c in a]
        fixed = [c for c in a.columns if c not in filled]
        merged = a.merge(b, on=fixed, how="left", suffixes=("", "_late"), indicator=True)
        assert (merged["_merge"] == "both").all(), f"{domain}: earlier records are missing"
        assert len(merged) == len(a), f"{domain}: records duplicated"
        for column in filled:
            known = merged[column].ne("") & ~merged[column].eq(ONGOING)
            same = merged.loc[known, column] == merged.loc[known, column + "_late"]
            assert same.all(), (domain, column)
        assert len(b) >= len(a)


def test_later_cut_extends_earlier_cut(early, clean):
    _assert_extends(early, clean)
    assert len(clean["ae"]) > len(early["ae"]) and len(clean["dm"]) > len(early["dm"])
    ongoing = early["ae"].loc[early["ae"]["AEENDTC"].eq(""), ["USUBJID", "AESEQ"]]
    later = ongoing.merge(clean["ae"], on=["USUBJID", "AESEQ"])
    assert later["AEENDTC"].ne("").any()       # AEs ongoing in March that ended by October
    assert early["dm"]["DTHFL"].eq("Y").sum() < clean["dm"]["DTHFL"].eq("Y").sum()


@settings(max_examples=5)
@given(seed=st.integers(0, 10**6), first=st.integers(200, 900), gap=st.integers(1, 400))
@example(seed=14650, first=200, gap=1)      # nobody goes on beyond PD: float vids once
def test_later_cut_extends_earlier_cut_for_any_seed(cfg, simulation, seed, first, gap):
    start = date(2025, 5, 1).toordinal()
    early_day, late_day = date.fromordinal(start + first), date.fromordinal(start + first + gap)
    trial = simulate_trial(cfg, simulation, 30, seed)
    _assert_extends(cut_history(trial, early_day), cut_history(trial, late_day))


def test_scenarios_are_named_and_unknown_ones_refused(cfg, simulation, sim):
    assert set(SCENARIOS) == {"clean", "partial-dates", "messy", "invalid", "correction"}
    with pytest.raises(ConfigError, match="unknown scenario 'dirty'"):
        simulate_cut(cfg, simulation, sim.cutoff, 30, sim.seed, scenario="dirty")

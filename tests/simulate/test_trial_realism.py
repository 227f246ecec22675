"""The simulated trial looks like this regimen's phase II trial: counts, schedules, consistency."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from tasks.simulate import simulate_cut, study_end_date
from tasks.simulate.catalogue import PRIOR_DRUGS, PRIOR_THERAPY_CATEGORY
from tasks.simulate.cut import cut_history


@pytest.fixture(scope="module")
def full(simulation, history):
    """The 300-subject trial at its end: every subject's whole follow-up."""
    return cut_history(history, study_end_date(simulation))


def _treated(cut) -> pd.Series:
    return cut["dm"].loc[cut["dm"]["RFXSTDTC"].ne(""), "USUBJID"]


def test_300_subject_cut_basic_counts(clean, full, simulation):
    dm = clean["dm"]
    screen_failures = dm["ARMCD"].eq("SCRNFAIL").mean()
    assert abs(screen_failures - simulation.screen_failure_rate) < 0.04
    assert dm.loc[dm["ARMCD"].eq("SCRNFAIL"), "ACTARM"].eq("Screen Failure").all()
    assert not clean["ex"]["USUBJID"].isin(dm.loc[dm["ARMCD"].eq("SCRNFAIL"), "USUBJID"]).any()
    per_subject_full = len(full["ae"]) / len(full["dm"])
    per_subject_now = len(clean["ae"]) / len(dm)
    assert 15 < per_subject_full < 25               # about 20 AEs per subject at full follow-up
    assert 5 < per_subject_now < per_subject_full   # fewer while follow-up is short
    assert 120 < len(full["lb"]) / len(full["dm"]) < 240
    deaths = full["dm"]["DTHFL"].eq("Y").mean()
    assert 0.5 < deaths < 0.9


def test_subject_ids_name_the_study_and_the_configured_site(clean, cfg, simulation):
    dm = clean["dm"]
    assert dm["SITEID"].isin(simulation.sites).all()
    assert (dm["USUBJID"] == cfg.study.id + "-" + dm["SITEID"] + "-"
            + dm["SUBJID"].str[-4:]).all()
    assert dm["USUBJID"].str.fullmatch(rf"{cfg.study.id}-\d{{3}}-\d{{4}}").all()
    assert dm["USUBJID"].is_unique


def test_enrolment_ramps_up_then_stays_roughly_flat(full):
    consent = pd.to_datetime(full["dm"]["RFICDTC"])
    months = (consent.dt.year - 2025) * 12 + consent.dt.month - 5
    per_month = months.value_counts().sort_index()
    assert per_month.iloc[:2].sum() < per_month.iloc[6:8].sum()
    assert per_month.index.max() <= 18


def test_aerel_related_when_any_component_related(clean, cfg):
    qnams = [c.relatedness_qnam for c in cfg.study.components]
    supp = clean["suppae"]
    wide = supp[supp["QNAM"].isin(qnams)].pivot_table(
        index=["USUBJID", "IDVARVAL"], columns="QNAM", values="QVAL", aggfunc="first")
    assert list(wide.columns) == sorted(qnams)
    ae = clean["ae"].set_index(["USUBJID", "AESEQ"])
    any_related = wide.eq("RELATED").any(axis=1)
    assert len(wide) == len(ae)
    assert (ae.loc[wide.index, "AEREL"].eq("RELATED").to_numpy() == any_related.to_numpy()).all()
    assert 0.3 < any_related.mean() < 0.95


def test_grades_mostly_low_and_seriousness_rising_with_grade(full):
    ae = full["ae"]
    grade = ae["AETOXGR"].astype(int)
    serious = ae["AESER"].eq("Y")
    assert (grade <= 2).mean() > 0.75 and 0.05 < (grade == 3).mean() < 0.2
    assert (grade >= 4).mean() < 0.03
    assert 0.2 < serious[grade == 3].mean() < 0.45      # most grade 3 lab/BP events are not serious
    assert serious[grade >= 4].mean() > 0.7
    assert serious[grade <= 2].mean() < 0.06
    assert (ae["AESEV"] == grade.map({1: "MILD", 2: "MODERATE"}).fillna("SEVERE")).all()


def test_fatal_ae_matches_the_death_and_its_cause(full):
    ae, dm, ds = full["ae"], full["dm"].set_index("USUBJID"), full["ds"]
    fatal = ae[ae["AESDTH"].eq("Y")]
    assert len(fatal) > 0
    assert (fatal["AETOXGR"] == "5").all() and (fatal["AEOUT"] == "FATAL").all()
    assert (fatal["AESTDTC"].to_numpy() == dm.loc[fatal["USUBJID"], "DTHDTC"].to_numpy()).all()
    deaths = ds[ds["DSDECOD"].eq("DEATH") & ds["EPOCH"].eq("FOLLOW-UP")].set_index("USUBJID")
    assert (deaths.loc[fatal["USUBJID"], "DSTERM"].to_numpy() == fatal["AEDECOD"].to_numpy()).all()
    causes = deaths["DSTERM"].value_counts(normalize=True)
    assert causes.idxmax() == "DISEASE PROGRESSION" and causes.max() > 0.7
    assert set(deaths.index) == set(dm.index[dm["DTHFL"].eq("Y")])


def test_haic_at_most_six_doses_and_cycles_every_21_days(full, cfg):
    ex = full["ex"]
    per_drug = ex.groupby(["USUBJID", "EXTRT"]).size().unstack(fill_value=0)
    assert per_drug["OXALIPLATIN"].max() == 6
    assert (per_drug["OXALIPLATIN"] == per_drug["RALTITREXED"]).all()
    assert per_drug["TQB2868"].max() > 6
    days = pd.to_datetime(ex.loc[ex["EXTRT"].eq("TQB2868"), "EXSTDTC"])
    gaps = days.groupby(ex.loc[ex["EXTRT"].eq("TQB2868"), "USUBJID"]).diff().dt.days.dropna()
    assert gaps.min() >= 21 and (gaps == 21).mean() > 0.8
    dose = pd.to_numeric(ex["EXDOSE"])
    drugs = {d.extrt: d.planned_dose for c in cfg.study.components for d in c.drugs}
    planned = ex["EXTRT"].map(drugs)
    assert ((dose < planned) == ex["EXADJ"].ne("")).all()
    assert ((dose == 0) == ex["EXOCCUR"].eq("N")).all()          # withheld: recorded, not given
    reduced = ex.loc[(dose > 0) & (dose < planned), "EXTRT"]
    assert len(reduced) > 0 and "TQB2868" not in set(reduced)    # immunotherapy: never reduced
    assert ex.loc[dose == 0, "EXTRT"].eq("TQB2868").any()        # ... but held
    assert (ex["EXROUTE"] == np.where(ex["EXTRT"].isin(["OXALIPLATIN", "RALTITREXED"]),
                                      "INTRA-ARTERIAL", "INTRAVENOUS")).all()


def test_assessments_every_6_weeks_from_first_dose(clean, cfg):
    rs = clean["rs"]
    first = pd.to_datetime(clean["dm"].set_index("USUBJID")["RFXSTDTC"])
    days = (pd.to_datetime(rs["RSDTC"]) - rs["USUBJID"].map(first)).dt.days
    week = rs["VISIT"].str.removeprefix("WEEK ").astype(int)
    assert ((days - week * 7).between(-3, 7)).all()


def test_baseline_flag_on_last_pre_dose_value(clean, cfg):
    lb = clean["lb"]
    first = lb["USUBJID"].map(clean["dm"].set_index("USUBJID")["RFXSTDTC"])
    flagged = lb[lb["LBBLFL"].eq("Y")]
    assert not flagged.duplicated(["USUBJID", "LBTESTCD"]).any()
    # every treated subject has a baseline; one dosed after the cutoff may already have it
    assert set(flagged["USUBJID"]) >= set(_treated(clean))
    screen_failures = clean["dm"].loc[clean["dm"]["ARMCD"].eq("SCRNFAIL"), "USUBJID"]
    assert not flagged["USUBJID"].isin(screen_failures).any()
    pre = lb[(first != "") & (lb["LBDTC"] <= first)]
    last = pre.groupby(["USUBJID", "LBTESTCD"])["LBDTC"].max()
    dosed = flagged[flagged["USUBJID"].isin(_treated(clean))]
    flagged_day = dosed.set_index(["USUBJID", "LBTESTCD"])["LBDTC"]
    assert flagged_day.sort_index().equals(last.sort_index())
    assert {"ALT", "AST", "BILI", "ALP", "ALB", "PLAT", "AFP"} == set(lb["LBTESTCD"])
    assert lb.loc[lb["LBTESTCD"].eq("ALT"), "LBSTRESU"].eq("U/L").all()
    assert (lb[["LBSTNRLO", "LBSTNRHI"]] != "").all().all()


def test_cirrhotic_baseline_and_rare_hys_law(full):
    lb = full["lb"].assign(value=lambda f: pd.to_numeric(f["LBSTRESN"]),
                           uln=lambda f: pd.to_numeric(f["LBSTNRHI"]))
    base = lb[lb["LBBLFL"].eq("Y")]
    above = (base["value"] > base["uln"]).groupby(base["LBTESTCD"]).mean()
    assert 0.2 < above["ALT"] < 0.6 and above["AST"] > 0.5
    afp = base.loc[base["LBTESTCD"].eq("AFP"), "value"]
    assert 0.15 < (afp >= 400).mean() < 0.5
    ratio = lb["value"] / lb["uln"]
    peak_alt = ratio[lb["LBTESTCD"].isin(["ALT", "AST"])].groupby(lb["USUBJID"]).max()
    peak_bili = ratio[lb["LBTESTCD"].eq("BILI")].groupby(lb["USUBJID"]).max()
    assert (peak_alt > 3).mean() > 0.05            # grade 2-3 elevations happen
    assert ((peak_alt > 3) & (peak_bili > 2)).sum() <= 1   # 300 subjects: none or one Hy's law


def test_prior_therapy_matches_priorreg(clean):
    cm, supp = clean["cm"], clean["suppdm"]
    regimen = supp[supp["QNAM"].eq("PRIORREG")].set_index("USUBJID")["QVAL"]
    prior = cm[cm["CMCAT"].eq(PRIOR_THERAPY_CATEGORY)].groupby("USUBJID")["CMTRT"].agg(frozenset)
    assert (prior.index.sort_values() == regimen.index.sort_values()).all()
    assert all(prior[s] == frozenset(PRIOR_DRUGS[r]) for s, r in regimen.items())
    prior_rows = cm[cm["CMCAT"].eq(PRIOR_THERAPY_CATEGORY)]
    consent = prior_rows["USUBJID"].map(clean["dm"].set_index("USUBJID")["RFICDTC"])
    assert (prior_rows["CMSTDTC"] < prior_rows["CMENDTC"]).all()
    assert (prior_rows["CMENDTC"] < consent).all()


def test_subsequent_therapy_only_after_treatment_ended(full):
    cm, ds = full["cm"], full["ds"]
    later = cm[cm["CMCAT"].eq("SUBSEQUENT ANTICANCER THERAPY")]
    assert len(later) > 0
    eot = ds[ds["EPOCH"].eq("TREATMENT")].set_index("USUBJID")["DSSTDTC"]
    assert (later["CMSTDTC"].to_numpy() > eot.loc[later["USUBJID"]].to_numpy()).all()


def test_survival_contacts_about_every_8_weeks(full):
    sv = full["sv"][full["sv"]["VISIT"].eq("SURVIVAL FOLLOW-UP")]
    gaps = pd.to_datetime(sv["SVSTDTC"]).groupby(sv["USUBJID"]).diff().dt.days.dropna()
    assert len(gaps) > 100 and gaps.between(49, 56).all()


def test_nothing_recorded_after_death(full):
    death = full["dm"].set_index("USUBJID")["DTHDTC"]
    for domain, column in (("ae", "AESTDTC"), ("ae", "AEENDTC"), ("ex", "EXSTDTC"), ("rs", "RSDTC"),
                           ("lb", "LBDTC"), ("sv", "SVSTDTC"), ("cm", "CMSTDTC"), ("tr", "TRDTC")):
        frame = full[domain]
        dies = frame["USUBJID"].map(death)
        assert not ((dies != "") & (frame[column] > dies)).any(), (domain, column)


def test_demo_cut_is_meaningful(cfg, simulation):
    demo = simulate_cut(cfg, simulation, date(2026, 10, 31), 40, 20261)
    rs = demo["rs"]
    responders = rs.loc[rs["RSSTRESC"].isin(["CR", "PR"]), "USUBJID"].nunique()
    assert responders >= 4
    assert demo["dm"]["DTHFL"].eq("Y").sum() >= 3
    assert rs.loc[rs["RSSTRESC"].eq("PD"), "USUBJID"].nunique() >= 3

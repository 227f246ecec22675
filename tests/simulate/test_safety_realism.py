"""The simulated safety data hang together: lab-type AEs have the LB values that cause them, EX
follows the per-drug action of each AE, immune-related AEs are treated (CM), Child-Pugh B
livers decompensate more often. Thresholds are CTCAE v5.0, written out here."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tasks.simulate import study_end_date
from tasks.simulate.cut import cut_history

DECOMPENSATION = ("ASCITES", "HEPATIC ENCEPHALOPATHY", "OESOPHAGEAL VARICES HAEMORRHAGE")


@pytest.fixture(scope="module")
def full(simulation, history):
    return cut_history(history, study_end_date(simulation))


def _labs(cut) -> pd.DataFrame:
    lb = cut["lb"]
    return lb.assign(value=pd.to_numeric(lb["LBSTRESN"]), uln=pd.to_numeric(lb["LBSTNRHI"]),
                     day=pd.to_datetime(lb["LBDTC"]))


def _onset_values(cut, decods: tuple[str, ...], test: str) -> pd.DataFrame:
    """Each AE of `decods` with the subject's `test` value on its onset day."""
    ae = cut["ae"][cut["ae"]["AEDECOD"].isin(decods)]
    ae = ae.assign(day=pd.to_datetime(ae["AESTDTC"]), grade=ae["AETOXGR"].astype(int))
    labs = _labs(cut)
    labs = labs[labs["LBTESTCD"].eq(test)]
    return ae.merge(labs[["USUBJID", "day", "value", "uln"]], on=["USUBJID", "day"], how="left")


def test_thrombocytopenia_grade_is_the_platelet_count_at_onset(full):
    """A grade 3 thrombocytopenia AE has platelets < 50 x 10^9/L on its onset day (grade 4:
    < 25; grade 2: < 75 and >= 50)."""
    events = _onset_values(full, ("THROMBOCYTOPENIA", "PLATELET COUNT DECREASED"), "PLAT")
    assert len(events) > 30 and events["value"].notna().all()
    limits = {2: (50, 75), 3: (25, 50), 4: (0, 25)}
    for grade, (low, high) in limits.items():
        chosen = events[events["grade"] == grade]
        assert ((chosen["value"] >= low) & (chosen["value"] < high)).all(), grade
    assert (events["grade"] >= 3).sum() >= 3


def test_alt_increased_grade_3_has_alt_above_5_x_uln_or_baseline(full):
    events = _onset_values(full, ("ALANINE AMINOTRANSFERASE INCREASED",), "ALT")
    labs = _labs(full)
    base = labs[labs["LBTESTCD"].eq("ALT") & labs["LBBLFL"].eq("Y")].set_index("USUBJID")
    events = events.assign(base=events["USUBJID"].map(base["value"]))
    severe = events[events["grade"] >= 3]
    assert len(severe) > 0 and severe["value"].notna().all()
    reference = np.where(severe["base"] > severe["uln"], severe["base"], severe["uln"])
    assert (severe["value"] > 5 * reference).all()


def test_no_grade_3_platelet_count_without_a_platelet_ae_nearby(full):
    """Platelets < 50 x 10^9/L after the first dose lie within an episode reported as an AE,
    unless the baseline (LBBLFL) was already below 50: a cirrhotic count that does not worsen
    on its baseline is no new event (and the reconciliation listing shows such values)."""
    labs = _labs(full)
    first = full["dm"].set_index("USUBJID")["RFXSTDTC"].replace("", None).dropna()
    labs = labs[labs["USUBJID"].isin(first.index)]
    platelets = labs[labs["LBTESTCD"].eq("PLAT")]
    baseline = platelets[platelets["LBBLFL"].eq("Y")].set_index("USUBJID")["value"]
    low = platelets[(platelets["value"] < 50)
                    & (platelets["day"] > pd.to_datetime(platelets["USUBJID"].map(first)))
                    & (platelets["USUBJID"].map(baseline) >= 50)]
    ae = full["ae"][full["ae"]["AEDECOD"].isin(["THROMBOCYTOPENIA", "PLATELET COUNT DECREASED"])]
    ae = ae.assign(start=pd.to_datetime(ae["AESTDTC"]),
                   end=pd.to_datetime(ae["AEENDTC"].replace("", "2100-01-01")))
    pairs = low.merge(ae[["USUBJID", "start", "end"]], on="USUBJID", how="left")
    near = (pairs["day"] >= pairs["start"] - pd.Timedelta(days=30)) & (pairs["day"] <= pairs["end"])
    covered = near.groupby([pairs["USUBJID"], pairs["day"]]).any()
    assert len(covered) > 0 and covered.all()


def _supp(cut, qnam: str) -> pd.Series:
    supp = cut["suppae"]
    rows = supp[supp["QNAM"].eq(qnam)]
    return rows.set_index(["USUBJID", "IDVARVAL"])["QVAL"]


def test_ex_follows_the_per_drug_action_of_each_ae(full, cfg):
    """DRUG INTERRUPTED with a component: its next dose after onset is withheld (EXOCCUR N,
    EXDOSE 0); DOSE REDUCED: its next dose is below the planned dose (or withheld for another
    AE); every withheld dose has such an AE; AEACN is the most severe of the components'
    actions."""
    ae, ex = full["ae"], full["ex"]
    ex = ex.assign(day=pd.to_datetime(ex["EXSTDTC"]), dose=pd.to_numeric(ex["EXDOSE"]))
    planned = {d.extrt: d.planned_dose for c in cfg.study.components for d in c.drugs}
    severity = ["NOT APPLICABLE", "DOSE NOT CHANGED", "DRUG INTERRUPTED", "DOSE REDUCED",
                "DRUG WITHDRAWN"]
    actions = pd.DataFrame({c.code: _supp(full, c.action_qnam) for c in cfg.study.components})
    keyed = ae.set_index(["USUBJID", "AESEQ"])
    worst = actions.apply(lambda row: max(row, key=severity.index), axis=1)
    assert (keyed.loc[worst.index, "AEACN"] == worst).all()
    explained = set()
    for component in cfg.study.components:
        drug = component.drugs[0].extrt
        doses = ex[ex["EXTRT"].eq(drug)].sort_values(["day", "USUBJID"])
        for kind in ("DRUG INTERRUPTED", "DOSE REDUCED"):
            rows = actions.index[actions[component.code].eq(kind)]
            assert len(rows) > 0 or (kind, component.code) == ("DOSE REDUCED", "TQB2868")
            onset = pd.to_datetime(keyed.loc[rows, "AESTDTC"]).rename("onset").reset_index()
            nxt = pd.merge_asof(onset.sort_values("onset"), doses[["USUBJID", "day", "dose"]],
                                left_on="onset", right_on="day", by="USUBJID",
                                allow_exact_matches=False, direction="forward")
            assert nxt["day"].notna().all(), (component.code, kind)
            if kind == "DRUG INTERRUPTED":
                assert (nxt["dose"] == 0).all()
                explained |= set(zip(nxt["USUBJID"], nxt["day"]))
            else:
                assert (nxt["dose"] < planned[drug]).all()     # or withheld for another AE
                held = nxt[nxt["dose"].eq(0)]
                assert set(zip(held["USUBJID"], held["day"])) <= explained
        withheld = doses[doses["dose"].eq(0)]
        assert set(zip(withheld["USUBJID"], withheld["day"])) <= explained
    reduced = ex[(ex["dose"] > 0) & (ex["dose"] < ex["EXTRT"].map(planned))]
    assert "TQB2868" not in set(reduced["EXTRT"])


def test_immune_related_aes_are_treated_with_steroids_and_hormones(full):
    cm, ae = full["cm"], full["ae"]
    treated = cm[cm["CMCAT"].eq("CONCOMITANT MEDICATION")]
    assert len(treated) > 20
    pairs = treated.merge(ae[["USUBJID", "AEDECOD", "AESTDTC", "AETOXGR"]],
                          left_on=["USUBJID", "CMINDC"], right_on=["USUBJID", "AEDECOD"])
    lag = (pd.to_datetime(pairs["CMSTDTC"]) - pd.to_datetime(pairs["AESTDTC"])).dt.days
    ok = lag.between(0, 10).groupby([pairs["USUBJID"], pairs["CMSTDTC"], pairs["CMTRT"]]).any()
    assert ok.all()                       # every treatment follows an AE of its indication
    severe = ae[ae["AEDECOD"].isin(["PNEUMONITIS", "COLITIS", "IMMUNE-MEDIATED HEPATITIS"])
                & ae["AETOXGR"].isin(["3", "4"])]
    steroid = treated[treated["CMTRT"].isin(["PREDNISONE", "METHYLPREDNISOLONE"])]
    with_steroid = severe.merge(steroid, left_on=["USUBJID", "AEDECOD"],
                                right_on=["USUBJID", "CMINDC"])
    share = with_steroid.drop_duplicates(["USUBJID", "AESEQ"]).shape[0] / len(severe)
    assert len(severe) > 10 and share > 0.75
    hormone = treated[treated["CMTRT"].eq("LEVOTHYROXINE")]
    assert set(hormone["CMINDC"]) == {"HYPOTHYROIDISM"} and hormone["CMROUTE"].eq("ORAL").all()
    assert treated.loc[treated["CMROUTE"].eq("TOPICAL"), "CMINDC"].isin(["RASH", "PRURITUS"]).all()


def test_child_pugh_b_decompensates_more_often(full):
    """Decompensation events per month of treatment (first to last dose + 30 days): Child-Pugh B
    at least twice Child-Pugh A; variceal bleeding happens; Child-Pugh B albumin is lower."""
    child_pugh = full["suppdm"][full["suppdm"]["QNAM"].eq("CHILDPUG")].set_index("USUBJID")["QVAL"]
    dm = full["dm"].set_index("USUBJID")
    dm = dm[dm["RFXSTDTC"].ne("")]
    days = (pd.to_datetime(dm["RFXENDTC"]) - pd.to_datetime(dm["RFXSTDTC"])).dt.days
    months = (days + 31) / 30.4375
    ae = full["ae"]
    events = ae[ae["AEDECOD"].isin(DECOMPENSATION)].groupby("USUBJID").size()
    grouped = pd.DataFrame({"months": months, "events": events.reindex(dm.index, fill_value=0),
                            "class": child_pugh.reindex(dm.index)}).groupby("class").sum()
    rate = grouped["events"] / grouped["months"]
    assert (child_pugh.reindex(dm.index) == "B").sum() >= 15
    assert rate["B"] > 2 * rate["A"] and 0.02 < rate["A"] < 0.08
    assert ae["AEDECOD"].eq("OESOPHAGEAL VARICES HAEMORRHAGE").any()
    labs = _labs(full)
    base = labs[labs["LBBLFL"].eq("Y") & labs["LBTESTCD"].eq("ALB")].set_index("USUBJID")["value"]
    assert base.reindex(dm.index[child_pugh.reindex(dm.index) == "B"]).median() < \
        base.reindex(dm.index[child_pugh.reindex(dm.index) == "A"]).median()

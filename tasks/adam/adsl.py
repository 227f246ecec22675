"""ADSL: one record per subject of DM, built by a chain of named derivations."""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam.adae import fatal
from tasks.config import TrialConfig
from tasks.dates import earliest_date, to_date
from tasks.model import Cut

SCREEN_FAILURE_ARMCD = ("SCRNFAIL", "NOTASSGN")   # CDISC CT: not assigned to an arm
DEMOGRAPHICS = ["STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE", "ETHNIC",
                "COUNTRY", "ARM", "ARMCD", "ACTARM", "ACTARMCD", "DTHFL", "DTHDTC", "RFICDTC"]


def build_adsl(cut: Cut, cfg: TrialConfig) -> pd.DataFrame:
    """ADSL of the cut (the cutoff already applied), as the analysis plan reads."""
    return (cut["dm"]
            .pipe(select_demographics)
            .pipe(derive_analysis_arm, cfg=cfg)
            .pipe(derive_consent_date, ds=cut["ds"])
            .pipe(derive_randomization_date, ds=cut["ds"])
            .pipe(derive_treatment_dates, ex=cut["ex"], cfg=cfg)
            .pipe(derive_populations, cut=cut, cfg=cfg)
            .pipe(derive_disposition, ds=cut["ds"], cfg=cfg)
            .pipe(derive_death, cut=cut)
            .pipe(derive_last_known_alive, cut=cut, cfg=cfg)
            .pipe(derive_baseline_characteristics, cut=cut, cfg=cfg)
            .reset_index(drop=True))


def select_demographics(dm: pd.DataFrame) -> pd.DataFrame:
    adsl = dm.reindex(columns=DEMOGRAPHICS, fill_value="").copy()
    adsl["AGE"] = pd.to_numeric(adsl["AGE"], errors="coerce")
    return adsl


def derive_analysis_arm(adsl: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """TRT01A: the configured label of ACTARMCD, else ACTARM; TRT01AN in config (else name)
    order."""
    labels = {arm.code: arm.label for arm in cfg.study.arms}
    adsl["TRT01A"] = adsl["ACTARMCD"].map(labels).fillna(adsl["ACTARM"])
    configured = [arm.label for arm in cfg.study.arms]
    others = sorted(set(adsl["TRT01A"]) - set(configured))
    order = {label: i + 1 for i, label in enumerate(configured + others)}
    adsl["TRT01AN"] = adsl["TRT01A"].map(order).astype(int)
    return adsl


def derive_consent_date(adsl: pd.DataFrame, ds: pd.DataFrame) -> pd.DataFrame:
    """RFICDT: DM.RFICDTC, else the informed-consent milestone in DS."""
    consent = ds.loc[ds["DSDECOD"].eq("INFORMED CONSENT OBTAINED"), ["USUBJID", "DSSTDTC"]]
    from_ds = consent.assign(DT=to_date(consent["DSSTDTC"])).groupby("USUBJID")["DT"].min()
    adsl["RFICDT"] = to_date(adsl["RFICDTC"]).fillna(adsl["USUBJID"].map(from_ds))
    return adsl


def derive_randomization_date(adsl: pd.DataFrame, ds: pd.DataFrame) -> pd.DataFrame:
    rand = ds.loc[ds["DSDECOD"].eq("RANDOMIZED"), ["USUBJID", "DSSTDTC"]]
    first = rand.assign(DT=to_date(rand["DSSTDTC"])).groupby("USUBJID")["DT"].min()
    adsl["RANDDT"] = adsl["USUBJID"].map(first).astype("datetime64[ns]")
    return adsl


def dosed_exposure(ex: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """EX records that count as a dose: EXDOSE > 0, or 0 for a configured placebo treatment."""
    dose = pd.to_numeric(ex["EXDOSE"], errors="coerce")
    placebo = ex["EXTRT"].str.upper().isin([t.upper() for t in cfg.adsl.zero_dose_treatments])
    dosed = ex[(dose > 0) | (placebo & dose.eq(0))]
    start = earliest_date(dosed["EXSTDTC"])
    # As admiral: the last dose date is the latest EXENDTC; without an EXENDTC variable, EXSTDTC.
    end = to_date(dosed["EXENDTC"] if "EXENDTC" in dosed else dosed["EXSTDTC"])
    return pd.DataFrame({"USUBJID": dosed["USUBJID"], "EXTRT": dosed["EXTRT"],
                         "START": start, "END": end}, index=dosed.index)


def derive_treatment_dates(adsl: pd.DataFrame, ex: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """TRTSDT / TRTEDT: first and last dose of any study drug; TRTDURD = TRTEDT - TRTSDT + 1."""
    dosed = dosed_exposure(ex, cfg)
    by_subject = dosed.groupby("USUBJID").agg(TRTSDT=("START", "min"), TRTEDT=("END", "max"))
    adsl = adsl.merge(by_subject, how="left", left_on="USUBJID", right_index=True)
    adsl["TRTSDT"] = adsl["TRTSDT"].astype("datetime64[ns]")
    adsl["TRTEDT"] = adsl["TRTEDT"].astype("datetime64[ns]")
    adsl["TRTDURD"] = (adsl["TRTEDT"] - adsl["TRTSDT"]).dt.days + 1.0
    return adsl


def _flag(condition: pd.Series) -> pd.Series:
    return pd.Series(np.where(condition, "Y", "N"), index=condition.index)


def derive_populations(adsl: pd.DataFrame, cut: Cut, cfg: TrialConfig) -> pd.DataFrame:
    """ENRLFL, SAFFL, RANDFL, FASFL, RSEVALFL (measurable disease at baseline when TU exists)."""
    adsl["ENRLFL"] = _flag(~adsl["ARMCD"].isin(SCREEN_FAILURE_ARMCD)
                           & ~adsl["ARM"].str.upper().eq("SCREEN FAILURE"))
    adsl["SAFFL"] = _flag(adsl["TRTSDT"].notna())
    adsl["RANDFL"] = _flag(adsl["RANDDT"].notna())
    adsl["FASFL"] = adsl["RANDFL"] if cfg.study.randomized else adsl["SAFFL"]
    measurable = pd.Series(True, index=adsl.index)
    tu = cut.get("tu")
    if cfg.populations.response_evaluable_requires_measurable and tu is not None:
        target = tu["TUSTRESC"].str.upper().eq("TARGET")
        if "TUEVAL" in tu:
            target &= tu["TUEVAL"].str.upper().isin([cfg.response.evaluator.upper(), ""])
        measurable = adsl["USUBJID"].isin(tu.loc[target, "USUBJID"])
    adsl["RSEVALFL"] = _flag(adsl["FASFL"].eq("Y") & measurable)
    return adsl


def _last_event(ds: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    events = ds[mask].assign(DT=earliest_date(ds.loc[mask, "DSSTDTC"]))
    return (events.sort_values(["USUBJID", "DT"]).groupby("USUBJID").tail(1)
            .set_index("USUBJID")[["DSDECOD", "DT"]])


def _status(decod: pd.Series) -> pd.Series:
    return pd.Series(np.select([decod.isna(), decod.eq("COMPLETED")],
                               ["ONGOING", "COMPLETED"], "DISCONTINUED"), index=decod.index)


def derive_disposition(adsl: pd.DataFrame, ds: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """EOTSTT/EOTDT/DCTREAS and EOSSTT/EOSDT/DCSREAS from DS disposition events by EPOCH."""
    disposition = ds["DSCAT"].eq("DISPOSITION EVENT") & ~ds["DSDECOD"].eq("SCREEN FAILURE")
    epoch = ds["EPOCH"] if "EPOCH" in ds else pd.Series("", index=ds.index)
    study = _last_event(ds, disposition & epoch.isin(cfg.adsl.end_of_study_epochs))
    adsl["EOSDT"] = adsl["USUBJID"].map(study["DT"]).astype("datetime64[ns]")
    decod = adsl["USUBJID"].map(study["DSDECOD"])
    adsl["EOSSTT"] = _status(decod)
    adsl["DCSREAS"] = decod.where(adsl["EOSSTT"].eq("DISCONTINUED"), "")
    if epoch.eq(cfg.adsl.end_of_treatment_epoch).any():
        treatment = _last_event(ds, disposition & epoch.eq(cfg.adsl.end_of_treatment_epoch))
        adsl["EOTDT"] = adsl["USUBJID"].map(treatment["DT"]).astype("datetime64[ns]")
        decod = adsl["USUBJID"].map(treatment["DSDECOD"])
    else:   # no treatment-level disposition recorded: the study-level one stands for it
        adsl["EOTDT"] = adsl["EOSDT"]
    adsl["EOTSTT"] = _status(decod)
    adsl["DCTREAS"] = decod.where(adsl["EOTSTT"].eq("DISCONTINUED"), "")
    untreated = adsl["SAFFL"].eq("N")
    adsl.loc[untreated, ["EOTSTT", "DCTREAS"]] = ["NOT TREATED", ""]
    return adsl


def derive_death(adsl: pd.DataFrame, cut: Cut) -> pd.DataFrame:
    """DTHFL/DTHDT, DTHCAUS and DTHCGR1. DTHDT is a complete date of DM or DS if either has one;
    else a partial date's first possible day, flagged DTHDTF = "D"."""
    ds = cut["ds"]
    ds_death = ds[ds["DSDECOD"].eq("DEATH")]
    dated = ds_death.assign(COMPLETE=to_date(ds_death["DSSTDTC"]),
                            PARTIAL=earliest_date(ds_death["DSSTDTC"]))
    by_subject = dated.groupby("USUBJID")
    ds_complete, ds_partial = by_subject["COMPLETE"].min(), by_subject["PARTIAL"].min()
    ds_term = by_subject["DSTERM"].first()
    dead = adsl["DTHFL"].eq("Y") | adsl["USUBJID"].isin(ds_death["USUBJID"])
    complete = to_date(adsl["DTHDTC"]).fillna(adsl["USUBJID"].map(ds_complete))
    partial = earliest_date(adsl["DTHDTC"]).fillna(adsl["USUBJID"].map(ds_partial))
    adsl["DTHDT"] = complete.fillna(partial).where(dead).astype("datetime64[ns]")
    adsl["DTHDTF"] = np.where(dead & complete.isna() & partial.notna(), "D", "")
    adsl["DTHFL"] = np.where(dead, "Y", "")
    ae = cut["ae"]
    fatal_term = ae[fatal(ae)].groupby("USUBJID")["AEDECOD"].first()
    term = adsl["USUBJID"].map(ds_term).fillna(adsl["USUBJID"].map(fatal_term)).fillna("")
    adsl["DTHCAUS"] = term.where(dead, "")
    progression = term.str.upper().str.contains("PROGRESSI")
    adsl["DTHCGR1"] = np.select(
        [~dead, progression, adsl["USUBJID"].isin(fatal_term.index)],
        ["", "DISEASE PROGRESSION", "ADVERSE EVENT"], "OTHER")
    return adsl


def derive_last_known_alive(adsl: pd.DataFrame, cut: Cut, cfg: TrialConfig) -> pd.DataFrame:
    """LSTALVDT: the latest date of the configured records, up to the cutoff; the death date for
    subjects who died (a subject is alive on every dated record before death)."""
    cutoff = pd.Timestamp(cut.cutoff)

    def latest(subjects: pd.Series, dates: pd.Series) -> pd.Series:
        # per subject, source by source: the records' dates are never stacked (1M at 5,000)
        usable = (dates <= cutoff).to_numpy()        # a missing date compares False
        return dates[usable].groupby(subjects[usable]).max()
    sources = [latest(adsl["USUBJID"], adsl["TRTEDT"])]
    for source in cfg.adsl.last_known_alive:
        domain, variable = source.split(".", 1)
        frame = cut.get(domain.lower())
        if frame is not None and variable in frame:
            sources.append(latest(frame["USUBJID"], earliest_date(frame[variable])))
    alive = pd.concat(sources).groupby(level=0).max()
    adsl["LSTALVDT"] = adsl["USUBJID"].map(alive).astype("datetime64[ns]")
    dead = adsl["DTHDT"].notna()
    adsl.loc[dead, "LSTALVDT"] = adsl.loc[dead, ["LSTALVDT", "DTHDT"]].max(axis=1)
    return adsl


def derive_baseline_characteristics(adsl: pd.DataFrame, cut: Cut, cfg: TrialConfig) -> pd.DataFrame:
    """Configured SUPPDM qualifiers, and baseline labs (last value on or before first dose)."""
    supp = cut.get("suppdm")
    for item in cfg.baseline.characteristics:
        values = pd.Series(dtype=object)
        if supp is not None:
            rows = supp[supp["QNAM"].eq(item.qnam)]
            values = rows.groupby("USUBJID")["QVAL"].first()
        adsl[item.variable] = adsl["USUBJID"].map(values).fillna("")
    lb = cut.get("lb")
    for lab in cfg.baseline.labs:
        adsl[lab.variable] = np.nan
        adsl[f"{lab.variable}GR1"] = ""
        if lb is None:
            continue
        rows = lb[lb["LBTESTCD"].eq(lab.lbtestcd)]
        rows = rows.assign(DT=earliest_date(rows["LBDTC"]),
                           VALUE=pd.to_numeric(rows["LBSTRESN"], errors="coerce"))
        rows = rows.merge(adsl[["USUBJID", "TRTSDT"]], on="USUBJID")
        pre = rows[rows["VALUE"].notna() & (rows["TRTSDT"].isna() | (rows["DT"] <= rows["TRTSDT"]))]
        last = pre.sort_values(["USUBJID", "DT"]).groupby("USUBJID")["VALUE"].last()
        value = adsl["USUBJID"].map(last)
        adsl[lab.variable] = value
        threshold = f"{lab.threshold:g}"
        adsl[f"{lab.variable}GR1"] = np.select(
            [value.isna(), value < lab.threshold], ["", f"< {threshold}"], f">= {threshold}")
    return adsl

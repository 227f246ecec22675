"""ADEX: exposure per subject and study drug (EXTRT, with its component): doses, cycles,
cumulative dose, duration and relative dose intensity against the configured regimen.

One row per subject and EXTRT with any EX record:
  COMPCD COMPLBL   component (config study.components; without them, the EXTRT itself)
  EXDOSU           dose unit of the administrations
  FDOSEDT LDOSEDT  first / last administration (the dose rule of ADSL TRTSDT: EXDOSE > 0, or 0 for
                   an adsl.zero_dose_treatments EXTRT); LDOSEDT is the last EXENDTC, as TRTEDT
  NADMIN           number of administrations; each EX record is one administration
  NCYCLES          distinct "CYCLE n" of VISIT; without cycle visits, distinct administration days
  NDOSEUNK         EX records whose EXDOSE is not a number (not counted as doses, shown)
  NWITHHLD NREDUCE doses withheld and doses reduced (ADEXREC WITHHLFL / REDUCEFL): the
                   interruptions and reductions the relative dose intensity reflects
  CUMDOSE          sum of EXDOSE over the administrations (EXDOSU units)
  DURD             LDOSEDT - FDOSEDT + interval_days (the last cycle lasts one interval), or + 1
                   day without a planned interval
  PLANDOSE PLANINTD planned dose per administration and interval (config drugs[])
  RDI              relative dose intensity = (CUMDOSE / DURD) / (PLANDOSE / PLANINTD): the dose
                   received per day over the dose planned per day; missing without a planned
                   regimen or when EXDOSU differs from the planned unit
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam.adexrec import build_adexrec
from tasks.adam.adsl import dosed_exposure
from tasks.config import TrialConfig
from tasks.model import Cut

CYCLE_VISIT = r"CYCLE\s*(\d+)"
ADSL_VARIABLES = ("SAFFL", "TRT01A", "TRT01AN", "TRTSDT", "TRTEDT")
COLUMNS = ["USUBJID", "COMPCD", "COMPLBL", "EXTRT", "EXDOSU", "FDOSEDT", "LDOSEDT", "NADMIN",
           "NCYCLES", "NDOSEUNK", "NWITHHLD", "NREDUCE", "CUMDOSE", "DURD", "PLANDOSE", "PLANINTD",
           "RDI"]


def build_adex(adsl: pd.DataFrame, cut: Cut, cfg: TrialConfig) -> pd.DataFrame:
    """ADEX of the cut: one row per subject and study drug, with the subject's ADSL arm flags."""
    ex = cut["ex"]
    return (summarise_exposure(ex, dosed_exposure(ex, cfg))
            .pipe(derive_dose_changes, records=build_adexrec(adsl, ex, cfg))
            .pipe(derive_components, cfg=cfg)
            .pipe(derive_duration)
            .pipe(derive_dose_intensity)
            .pipe(merge_adsl_variables, adsl=adsl)
            .sort_values(["USUBJID", "COMPCD", "EXTRT"], kind="mergesort")
            .reset_index(drop=True))


def summarise_exposure(ex: pd.DataFrame, dosed: pd.DataFrame) -> pd.DataFrame:
    """Per USUBJID and EXTRT (upper case): dates, administrations, cycles, cumulative dose."""
    dose = pd.to_numeric(ex["EXDOSE"], errors="coerce")
    visit = ex["VISIT"] if "VISIT" in ex else pd.Series("", index=ex.index)
    records = pd.DataFrame({
        "USUBJID": ex["USUBJID"], "EXTRT": ex["EXTRT"].str.strip().str.upper(),
        "EXDOSU": ex.get("EXDOSU", ""),
        "DOSED": ex.index.isin(dosed.index), "DOSE": dose, "UNKNOWN": dose.isna(),
        "START": dosed["START"].reindex(ex.index), "END": dosed["END"].reindex(ex.index),
        "CYCLE": pd.to_numeric(visit.str.upper().str.extract(CYCLE_VISIT)[0], errors="coerce"),
    })
    records["END"] = records["END"].fillna(records["START"])
    given = records[records["DOSED"]]
    keys = ["USUBJID", "EXTRT"]
    summary = records.groupby(keys).agg(NDOSEUNK=("UNKNOWN", "sum"))
    doses = given.groupby(keys).agg(
        EXDOSU=("EXDOSU", "first"), FDOSEDT=("START", "min"), LDOSEDT=("END", "max"),
        NADMIN=("DOSED", "size"), CUMDOSE=("DOSE", "sum"), CYCLES=("CYCLE", "nunique"),
        DAYS=("START", "nunique"), UNITS=("EXDOSU", "nunique"))
    doses["NCYCLES"] = doses["CYCLES"].where(doses["CYCLES"] > 0, doses["DAYS"])
    # mixed units within one subject and drug make the cumulative dose meaningless
    doses["EXDOSU"] = doses["EXDOSU"].where(doses["UNITS"] <= 1, "MIXED")
    out = summary.join(doses.drop(columns=["CYCLES", "DAYS", "UNITS"]), how="left").reset_index()
    out["NADMIN"] = out["NADMIN"].fillna(0).astype(int)
    out["NCYCLES"] = out["NCYCLES"].fillna(0).astype(int)
    out["NDOSEUNK"] = out["NDOSEUNK"].astype(int)
    out["CUMDOSE"] = out["CUMDOSE"].fillna(0.0).astype("float64")
    out["EXDOSU"] = out["EXDOSU"].fillna("")
    return out


def derive_dose_changes(adex: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """NWITHHLD / NREDUCE: the subject's withheld and reduced doses of the drug (ADEXREC)."""
    counts = records.assign(W=records["WITHHLFL"].eq("Y"), R=records["REDUCEFL"].eq("Y")) \
        .groupby(["USUBJID", "EXTRT"])[["W", "R"]].sum()
    key = pd.MultiIndex.from_arrays([adex["USUBJID"], adex["EXTRT"]])
    adex["NWITHHLD"] = counts["W"].reindex(key).fillna(0).astype(int).to_numpy()
    adex["NREDUCE"] = counts["R"].reindex(key).fillna(0).astype(int).to_numpy()
    return adex


def derive_components(adex: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """COMPCD/COMPLBL and the planned regimen of each configured drug; an EXTRT that no component
    names is its own component (no planned regimen)."""
    plan = pd.DataFrame([
        {"EXTRT": d.extrt.upper(), "COMPCD": c.code, "COMPLBL": c.label, "PLANDOSE": d.planned_dose,
         "PLANUNIT": d.dose_unit or "", "PLANINTD": d.interval_days}
        for c in cfg.study.components for d in c.drugs],
        columns=["EXTRT", "COMPCD", "COMPLBL", "PLANDOSE", "PLANUNIT", "PLANINTD"])
    adex = adex.merge(plan, on="EXTRT", how="left")
    adex["COMPCD"] = adex["COMPCD"].fillna(adex["EXTRT"])
    adex["COMPLBL"] = adex["COMPLBL"].fillna(adex["EXTRT"])
    adex["PLANDOSE"] = adex["PLANDOSE"].astype("float64")
    adex["PLANINTD"] = adex["PLANINTD"].astype("float64")
    return adex


def derive_duration(adex: pd.DataFrame) -> pd.DataFrame:
    """DURD = LDOSEDT - FDOSEDT + PLANINTD, or + 1 day without a planned interval."""
    span = (adex["LDOSEDT"] - adex["FDOSEDT"]).dt.days.astype("float64")
    adex["DURD"] = span + adex["PLANINTD"].fillna(1.0)
    return adex


def derive_dose_intensity(adex: pd.DataFrame) -> pd.DataFrame:
    """RDI = (CUMDOSE / DURD) / (PLANDOSE / PLANINTD), when the units agree."""
    unit_ok = adex["PLANUNIT"].eq("") | adex["EXDOSU"].str.upper().eq(adex["PLANUNIT"].str.upper())
    planned_per_day = adex["PLANDOSE"] / adex["PLANINTD"]
    rdi = (adex["CUMDOSE"] / adex["DURD"]) / planned_per_day
    adex["RDI"] = rdi.where(unit_ok & (adex["NADMIN"] > 0) & np.isfinite(rdi))
    return adex.drop(columns="PLANUNIT")


def merge_adsl_variables(adex: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    present = [v for v in ADSL_VARIABLES if v in adsl]
    subjects = adsl[["USUBJID", *present]].drop_duplicates("USUBJID")
    return adex[COLUMNS].merge(subjects, on="USUBJID", how="left", validate="many_to_one")

"""ADTTE: OS, PFS, DOR and TTR, the event and censoring sources of tasks.adam.tte_sources
(docs/efficacy.md) applied to one frame of facts per subject.

Every subject of the full analysis set (FASFL = "Y") gets OS and PFS; confirmed responders
(ADRS CRSP = "Y") get DOR and TTR. AVAL = ADT - STARTDT + 1 days. Nothing after the cutoff
counts. CNSR says which rule applied (EVNTDESC / CNSDTDSC say it in words):

    0  event: death (OS); first PD or death, whichever first (PFS, DOR); first response (TTR)
    1  censored at the last date known alive (OS) or the last adequate tumour assessment
    2  censored at STARTDT: nothing known after it (OS: LSTALVDT not after it; PFS: no
       adequate assessment after it)
    3  censored at the last adequate assessment on or before the start of a new anticancer
       therapy begun before any event (STARTDT if none)
    4  censored at the last adequate assessment before a PD or death that came more than
       2 x assessment_interval_days + assessment_window_days days after it (two or more
       missed scheduled assessments; FDA 2018), when response.pfs_missed_assessments is set
A last adequate assessment is an analysis OVR record (ADRS ANL01FL = "Y") other than NE.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.adam.adrs import analysis_records
from tasks.adam.response_terms import NE, PD, normalise
from tasks.adam.tte_sources import RESPONSE_START, derive_param_tte, tte_sources
from tasks.config import NewAnticancerTherapy, Response, TrialConfig
from tasks.dates import earliest_date, study_days
from tasks.errors import BadInputError, ConfigError
from tasks.model import Cut

PARAMETERS = {"OS": "Overall Survival", "PFS": "Progression-Free Survival",
              "DOR": "Duration of Response", "TTR": "Time to Response"}
COLUMNS = ["STUDYID", "USUBJID", "TRT01A", "TRT01AN", "PARAMCD", "PARAM", "STARTDT", "ADT",
           "AVAL", "AVALU", "CNSR", "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR", "SRCSEQ"]


def build_adtte(adsl: pd.DataFrame, adrs: pd.DataFrame, cut: Cut, cfg: TrialConfig) -> pd.DataFrame:
    rc = cfg.response
    cutoff = pd.Timestamp(cut.cutoff)
    subjects = analysis_subjects(adsl, rc, cutoff)
    assessments = adequate_assessments(adrs, cutoff)
    progression = first_progression(adrs, cutoff)
    therapy = new_therapy_start(cut, rc.new_anticancer_therapy, subjects)
    responders = first_response(adrs, subjects)
    facts = {
        "OS": subjects,
        "PFS": progression_facts(subjects, assessments, progression, therapy, on_start=False),
        "DOR": progression_facts(responders, assessments, progression, therapy,
                                 on_start=RESPONSE_START.is_assessment),
        "TTR": responders.assign(STARTDT=responders["REFDT"]),
    }
    sources = tte_sources(rc)
    adtte = pd.concat([derive_param_tte(facts[paramcd], sources[paramcd], rc)
                       .assign(PARAMCD=paramcd, PARAM=param)
                       for paramcd, param in PARAMETERS.items()], ignore_index=True)
    adtte["ADT"] = adtte[["ADT", "STARTDT"]].max(axis=1)
    adtte["AVAL"] = study_days(adtte["ADT"], adtte["STARTDT"])
    adtte["AVALU"] = "DAYS"
    arm = adsl.set_index("USUBJID").reindex(columns=["TRT01A", "TRT01AN"])
    adtte = adtte.join(arm, on="USUBJID")
    return adtte.reindex(columns=COLUMNS).sort_values(["USUBJID", "PARAMCD"]).reset_index(drop=True)


def analysis_subjects(adsl: pd.DataFrame, rc: Response, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The full analysis set with STARTDT (the reference date), death (up to the cutoff) and
    the last date known alive (never after the cutoff)."""
    fas = adsl[adsl["FASFL"].eq("Y")]
    out = fas[["STUDYID", "USUBJID"]].copy()
    out["STARTDT"] = fas[rc.reference_date].astype("datetime64[ns]")
    missing = out.loc[out["STARTDT"].isna(), "USUBJID"]
    if len(missing):
        raise ConfigError(
            f"response.reference_date is {rc.reference_date}, but {len(missing)} subject(s) of the "
            f"full analysis set have no {rc.reference_date} (e.g. {', '.join(missing[:3])})")
    death = fas["DTHDT"].astype("datetime64[ns]").where(fas["DTHFL"].eq("Y"))
    out["DTHDT"] = death.where(death <= cutoff)
    out["LSTALVDT"] = fas["LSTALVDT"].astype("datetime64[ns]").clip(upper=cutoff)
    return out


def adequate_assessments(adrs: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    ovr = analysis_records(adrs)
    ovr = ovr[ovr["AVALC"].ne(NE) & (ovr["ADT"] <= cutoff)]
    return ovr[["USUBJID", "ADT", "ASEQ"]].reset_index(drop=True)


def first_progression(adrs: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """USUBJID, PDDT, PDSEQ (ASEQ of the OVR record) of the first PD up to the cutoff."""
    ovr = analysis_records(adrs)
    pd_rows = ovr[ovr["AVALC"].eq(PD) & (ovr["ADT"] <= cutoff)]
    first = pd_rows.sort_values(["USUBJID", "ADT"]).drop_duplicates("USUBJID")
    return first[["USUBJID", "ADT", "ASEQ"]].rename(columns={"ADT": "PDDT", "ASEQ": "PDSEQ"})


def first_response(adrs: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    """Confirmed responders of the analysis set: STARTDT = first confirmed CR/PR (ADRS CRSP)."""
    crsp = adrs[adrs["PARAMCD"].eq("CRSP") & adrs["AVALC"].eq("Y")]
    ovr = analysis_records(adrs)[["USUBJID", "ADT", "ASEQ"]]
    crsp = crsp[["USUBJID", "ADT"]].merge(ovr, on=["USUBJID", "ADT"], how="left")
    out = subjects.merge(crsp.rename(columns={"ADT": "RESPDT", "ASEQ": "RESPSEQ"}), on="USUBJID")
    return out.assign(REFDT=out["STARTDT"], STARTDT=out["RESPDT"])


def new_therapy_start(cut: Cut, spec: NewAnticancerTherapy | None,
                      subjects: pd.DataFrame) -> pd.Series:
    """USUBJID -> first start (earliest possible day of a partial date) of a configured new
    anticancer therapy on or after STARTDT; empty when not configured or the domain is absent."""
    empty = pd.Series(dtype="datetime64[ns]", name="NACTDT")
    if spec is None or not cut.has(spec.domain):
        return empty
    frame = cut[spec.domain]
    for column in (spec.category_variable, spec.date_variable):
        if column not in frame:
            raise BadInputError(
                f"{cut.file_name(spec.domain)}: no column {column}, needed to find new anticancer "
                f"therapy (response.new_anticancer_therapy); set it to null if the data cannot say")
    wanted = normalise(frame[spec.category_variable]).isin([v.upper() for v in spec.category_values])
    starts = pd.DataFrame({"USUBJID": frame.loc[wanted, "USUBJID"],
                           "NACTDT": earliest_date(frame.loc[wanted, spec.date_variable])})
    starts = starts.merge(subjects[["USUBJID", "STARTDT"]], on="USUBJID")
    starts = starts[starts["NACTDT"] >= starts["STARTDT"]]
    return starts.groupby("USUBJID")["NACTDT"].min().rename("NACTDT")


def _last_before(assessments: pd.DataFrame, bounds: pd.DataFrame, on_start: bool) -> pd.DataFrame:
    """Per subject of `bounds` (USUBJID, STARTDT, BOUND, STRICT): the last adequate assessment
    after STARTDT (or on it, with on_start) and before BOUND (or on it, unless STRICT)."""
    rows = assessments.merge(bounds, on="USUBJID")
    after = rows["ADT"] >= rows["STARTDT"] if on_start else rows["ADT"] > rows["STARTDT"]
    before = rows["BOUND"].isna() | (rows["ADT"] < rows["BOUND"]) | (
        ~rows["STRICT"] & rows["ADT"].eq(rows["BOUND"]))
    last = rows[after & before].sort_values(["USUBJID", "ADT"]).drop_duplicates("USUBJID", keep="last")
    return last.set_index("USUBJID")[["ADT", "ASEQ"]].reindex(bounds["USUBJID"])


def progression_facts(start: pd.DataFrame, assessments: pd.DataFrame, progression: pd.DataFrame,
                      therapy: pd.Series, on_start: bool) -> pd.DataFrame:
    """Per subject of `start` (STUDYID, USUBJID, STARTDT, DTHDT), what the PFS and DOR sources
    read (tasks.adam.tte_sources.progression_sources):
        PDDT, PDSEQ          the first PD on or after STARTDT (ASEQ of its OVR record)
        EVENTDT, FIRSTEVENT  the earlier of PD and death (PD on the same day)
        THERAPYFIRST         a new anticancer therapy began before EVENTDT (or without one)
        LASTDT, LASTSEQ      the last adequate assessment after STARTDT (or on it, `on_start`)
                             and before EVENTDT, or on or before the new therapy's start
                             when THERAPYFIRST
        GAPDAYS              EVENTDT - LASTDT (STARTDT without one), in days"""
    out = start[["STUDYID", "USUBJID", "STARTDT", "DTHDT"]].reset_index(drop=True)
    prog = out[["USUBJID"]].merge(progression, on="USUBJID", how="left")
    out["PDDT"] = prog["PDDT"].where(prog["PDDT"] >= out["STARTDT"])
    out["PDSEQ"] = prog["PDSEQ"].where(out["PDDT"].notna())
    is_pd = out["PDDT"].notna() & (out["DTHDT"].isna() | (out["PDDT"] <= out["DTHDT"]))
    out["EVENTDT"] = out["PDDT"].where(is_pd, out["DTHDT"])
    out["FIRSTEVENT"] = np.where(is_pd, PD, np.where(out["DTHDT"].notna(), "DEATH", ""))
    nact = out["USUBJID"].map(therapy).astype("datetime64[ns]")
    therapy_first = nact.notna() & (out["EVENTDT"].isna() | (nact < out["EVENTDT"]))
    out["THERAPYFIRST"] = therapy_first
    bounds = out[["USUBJID", "STARTDT"]].assign(
        BOUND=nact.where(therapy_first, out["EVENTDT"]), STRICT=~therapy_first)
    last = _last_before(assessments, bounds, on_start).reset_index(drop=True)
    out["LASTDT"], out["LASTSEQ"] = last["ADT"], last["ASEQ"]
    out["GAPDAYS"] = (out["EVENTDT"] - out["LASTDT"].fillna(out["STARTDT"])).dt.days
    return out

"""ADTTE: OS, PFS, DOR and TTR with the event and censoring rules of docs/efficacy.md.

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

from typing import NamedTuple

import numpy as np
import pandas as pd

from tasks.adam.adrs import analysis_records
from tasks.adam.response_terms import NE, normalise
from tasks.config import NewAnticancerTherapy, Response, TrialConfig
from tasks.dates import earliest_date, study_days
from tasks.errors import BadInputError, ConfigError
from tasks.model import Cut

START_EVENT = {"RANDDT": "Randomization", "TRTSDT": "Treatment Start"}


class StartDate(NamedTuple):
    """What STARTDT of an endpoint is: its label, where it comes from, and whether an
    assessment on that date counts as one after it (DOR: the response itself)."""
    label: str
    srcdom: str
    srcvar: str
    is_assessment: bool

LAST_ASSESSMENT = "Last Tumor Assessment"
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
    reference = StartDate(START_EVENT[rc.reference_date], "ADSL", rc.reference_date, False)
    response = StartDate("First Response", "ADRS", "ADT", True)
    frames = [
        derive_os(subjects, rc.reference_date),
        derive_progression_endpoint(subjects, assessments, progression, therapy, rc, reference)
        .assign(PARAMCD="PFS", PARAM="Progression-Free Survival"),
        derive_progression_endpoint(responders, assessments, progression, therapy, rc, response)
        .assign(PARAMCD="DOR", PARAM="Duration of Response"),
        derive_ttr(responders),
    ]
    adtte = pd.concat(frames, ignore_index=True)
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
    pd_rows = ovr[ovr["AVALC"].eq("PD") & (ovr["ADT"] <= cutoff)]
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


def derive_os(subjects: pd.DataFrame, reference: str) -> pd.DataFrame:
    dead = subjects["DTHDT"].notna()
    alive_after = subjects["LSTALVDT"] > subjects["STARTDT"]
    start_label = START_EVENT[reference]
    rule = [dead, alive_after]
    out = subjects[["STUDYID", "USUBJID", "STARTDT"]].copy()
    out["PARAMCD"], out["PARAM"] = "OS", "Overall Survival"
    out["CNSR"] = np.select(rule, [0, 1], 2)
    out["ADT"] = subjects["DTHDT"].where(dead, subjects["LSTALVDT"].where(alive_after,
                                                                           subjects["STARTDT"]))
    out["EVNTDESC"] = np.select(rule, ["Death", "Alive"], start_label)
    out["CNSDTDSC"] = np.select(rule, [None, "Alive During Study"], start_label)
    out["SRCDOM"] = "ADSL"
    out["SRCVAR"] = np.select(rule, ["DTHDT", "LSTALVDT"], reference)
    out["SRCSEQ"] = np.nan
    return out


def _last_before(assessments: pd.DataFrame, bounds: pd.DataFrame, on_start: bool) -> pd.DataFrame:
    """Per subject of `bounds` (USUBJID, STARTDT, BOUND, STRICT): the last adequate assessment
    after STARTDT (or on it, with on_start) and before BOUND (or on it, unless STRICT)."""
    rows = assessments.merge(bounds, on="USUBJID")
    after = rows["ADT"] >= rows["STARTDT"] if on_start else rows["ADT"] > rows["STARTDT"]
    before = rows["BOUND"].isna() | (rows["ADT"] < rows["BOUND"]) | (
        ~rows["STRICT"] & rows["ADT"].eq(rows["BOUND"]))
    last = rows[after & before].sort_values(["USUBJID", "ADT"]).drop_duplicates("USUBJID", keep="last")
    return last.set_index("USUBJID")[["ADT", "ASEQ"]].reindex(bounds["USUBJID"])


def derive_progression_endpoint(start: pd.DataFrame, assessments: pd.DataFrame,
                                progression: pd.DataFrame, therapy: pd.Series, rc: Response,
                                origin: StartDate) -> pd.DataFrame:
    """PFS (start = reference date) or DOR (start = first confirmed response): event at the
    first PD or death after the start, censoring by CNSR codes 1-4 of this module."""
    out = start[["STUDYID", "USUBJID", "STARTDT"]].reset_index(drop=True)
    prog = out[["USUBJID"]].merge(progression, on="USUBJID", how="left")
    pd_dt = prog["PDDT"].where(prog["PDDT"] >= out["STARTDT"])
    death = start["DTHDT"].reset_index(drop=True)
    is_pd = pd_dt.notna() & (death.isna() | (pd_dt <= death))
    event_dt = pd_dt.where(is_pd, death)
    nact = out["USUBJID"].map(therapy).astype("datetime64[ns]")
    therapy_first = nact.notna() & (event_dt.isna() | (nact < event_dt))
    event = event_dt.notna() & ~therapy_first
    bounds = out[["USUBJID", "STARTDT"]].assign(
        BOUND=nact.where(therapy_first, event_dt), STRICT=~therapy_first)
    last = _last_before(assessments, bounds, origin.is_assessment).reset_index(drop=True)
    since = last["ADT"].fillna(out["STARTDT"])
    allowed_gap = 2 * rc.assessment_interval_days + rc.assessment_window_days
    missed = event & rc.pfs_missed_assessments & ((event_dt - since).dt.days > allowed_gap)
    censored_last = ~event & last["ADT"].notna() & ~therapy_first
    what = np.where(is_pd, "Disease Progression", "Death")
    rule = [event & ~missed, missed, therapy_first, censored_last]
    out["CNSR"] = np.select(rule, [0, 4, 3, 1], 2)
    out["ADT"] = event_dt.where(event & ~missed, since)
    since_label = np.where(last["ADT"].notna(), LAST_ASSESSMENT, origin.label)
    out["EVNTDESC"] = np.select(rule, [what, np.char.add(what, " After Missed Assessments"),
                                       "New Anticancer Therapy", LAST_ASSESSMENT], origin.label)
    out["CNSDTDSC"] = np.select(rule, [None, since_label, since_label, LAST_ASSESSMENT],
                                origin.label)
    death_event = event & ~missed & ~is_pd
    at_start = ~(event & ~missed) & last["ADT"].isna()
    source = [death_event, at_start]
    out["SRCDOM"] = np.select(source, ["ADSL", origin.srcdom], "ADRS")
    out["SRCVAR"] = np.select(source, ["DTHDT", origin.srcvar], "ADT")
    out["SRCSEQ"] = np.where(event & ~missed & is_pd, prog["PDSEQ"],
                             np.where(death_event | at_start, np.nan, last["ASEQ"]))
    return out


def derive_ttr(responders: pd.DataFrame) -> pd.DataFrame:
    """Time to response, confirmed responders only: event at the first confirmed CR / PR."""
    out = responders[["STUDYID", "USUBJID"]].copy()
    out["STARTDT"] = responders["REFDT"]
    out["ADT"] = responders["RESPDT"]
    out["PARAMCD"], out["PARAM"] = "TTR", "Time to Response"
    out["CNSR"] = 0
    out["EVNTDESC"], out["CNSDTDSC"] = "Response (first confirmed CR or PR)", None
    out["SRCDOM"], out["SRCVAR"], out["SRCSEQ"] = "ADRS", "ADT", responders["RESPSEQ"]
    return out

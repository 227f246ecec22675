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

Sensitivity analyses of PFS, by the same sources (docs/efficacy.md, PFS and death):
    PFSNMISS  without the missed-assessment rule (when response.pfs_missed_assessments is on)
    PFSNACT   counting PD and death regardless of new anticancer therapy, from the assessments
              after it too (when response.new_anticancer_therapy is configured)
and the second analysis by the independent review (ADRS OVRIRC, when present):
    PFSIRC    PFS by the independent reviewer's assessments
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tasks.adam.adrs import INDEPENDENT, analysis_records
from tasks.adam.assessments import AFTER_NEW_THERAPY
from tasks.adam.new_therapy import new_therapy_start
from tasks.adam.response_terms import NE, PD
from tasks.adam.tte_sources import RESPONSE_START, TteSource, derive_param_tte, tte_sources
from tasks.config import Response, TrialConfig
from tasks.dates import study_days
from tasks.errors import ConfigError
from tasks.model import Cut

PARAMETERS = {"OS": "Overall Survival", "PFS": "Progression-Free Survival",
              "DOR": "Duration of Response", "TTR": "Time to Response"}
MISSED, THERAPY, REVIEW = "PFSNMISS", "PFSNACT", f"PFS{INDEPENDENT}"
COLUMNS = ["STUDYID", "USUBJID", "TRT01A", "TRT01AN", "PARAMCD", "PARAM", "STARTDT", "ADT",
           "AVAL", "AVALU", "CNSR", "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR", "SRCSEQ"]


@dataclass(frozen=True, eq=False)
class Parameter:
    """One ADTTE parameter: code and name, the facts per subject, the sources applied to them
    and the settings the sources read."""
    paramcd: str
    param: str
    facts: pd.DataFrame
    sources: tuple[TteSource, ...]
    rc: Response

    def records(self) -> pd.DataFrame:
        return derive_param_tte(self.facts, self.sources, self.rc).assign(
            PARAMCD=self.paramcd, PARAM=self.param)


def build_adtte(adsl: pd.DataFrame, adrs: pd.DataFrame, cut: Cut, cfg: TrialConfig) -> pd.DataFrame:
    rc = cfg.response
    cutoff = pd.Timestamp(cut.cutoff)
    subjects = analysis_subjects(adsl, rc, cutoff)
    assessments = progression_records(adrs, "OVR", cutoff)
    therapy = new_therapy_start(cut, rc.new_anticancer_therapy,
                                subjects.set_index("USUBJID")["STARTDT"])
    responders = first_response(adrs, subjects)
    facts = {
        "OS": subjects,
        "PFS": progression_facts(subjects, assessments, therapy, on_start=False),
        "DOR": progression_facts(responders, assessments, therapy,
                                 on_start=RESPONSE_START.is_assessment),
        "TTR": responders.assign(STARTDT=responders["REFDT"]),
    }
    sources = tte_sources(rc)
    parameters = [Parameter(paramcd, param, facts[paramcd], sources[paramcd], rc)
                  for paramcd, param in PARAMETERS.items()]
    parameters += pfs_variants(adrs, subjects, facts["PFS"], therapy, rc, cutoff)
    adtte = pd.concat([p.records() for p in parameters], ignore_index=True)
    adtte["ADT"] = adtte[["ADT", "STARTDT"]].max(axis=1)
    adtte["AVAL"] = study_days(adtte["ADT"], adtte["STARTDT"])
    adtte["AVALU"] = "DAYS"
    arm = adsl.set_index("USUBJID").reindex(columns=["TRT01A", "TRT01AN"])
    adtte = adtte.join(arm, on="USUBJID")
    return adtte.reindex(columns=COLUMNS).sort_values(["USUBJID", "PARAMCD"]).reset_index(drop=True)


def pfs_variants(adrs: pd.DataFrame, subjects: pd.DataFrame, pfs: pd.DataFrame,
                 therapy: pd.Series, rc: Response, cutoff: pd.Timestamp) -> list[Parameter]:
    """The PFS sensitivity analyses that differ from PFS in this configuration, and PFS by the
    independent review when ADRS has it."""
    sources = tte_sources(rc)["PFS"]
    variants = []
    if rc.pfs_missed_assessments:
        variants.append(Parameter(
            MISSED, "Progression-Free Survival without the Missed-Assessment Rule", pfs, sources,
            rc.model_copy(update={"pfs_missed_assessments": False})))
    if rc.new_anticancer_therapy is not None:
        every = progression_records(adrs, "OVR", cutoff, after_new_therapy=True)
        variants.append(Parameter(
            THERAPY, "Progression-Free Survival Regardless of New Anticancer Therapy",
            progression_facts(subjects, every, therapy.iloc[:0], on_start=False), sources, rc))
    if adrs["PARAMCD"].eq(f"OVR{INDEPENDENT}").any():
        reviewed = progression_records(adrs, f"OVR{INDEPENDENT}", cutoff)
        by = (rc.independent_evaluator or "").title()
        variants.append(Parameter(
            REVIEW, f"Progression-Free Survival by {by}",
            progression_facts(subjects, reviewed, therapy, on_start=False), sources, rc))
    return variants


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
    out["LSTALVDT"] = (fas["LSTALVDT"].astype("datetime64[ns]")
                       .clip(upper=cutoff))  # type: ignore[call-overload]  # Timestamp bound
    return out


def progression_records(adrs: pd.DataFrame, paramcd: str, cutoff: pd.Timestamp,
                        after_new_therapy: bool = False) -> pd.DataFrame:
    """USUBJID, ADT, ASEQ, AVALC of the analysis records of `paramcd` (OVR, OVRIRC) up to the
    cutoff; with `after_new_therapy`, also those set aside for a new anticancer therapy."""
    records = analysis_records(adrs, paramcd)
    if after_new_therapy:
        later = adrs["PARAMCD"].eq(paramcd) & adrs["EXCLREAS"].eq(AFTER_NEW_THERAPY)
        records = pd.concat([records, adrs[later]])
    records = records[records["ADT"] <= cutoff]
    return records[["USUBJID", "ADT", "ASEQ", "AVALC"]].reset_index(drop=True)


def first_response(adrs: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    """Confirmed responders of the analysis set: STARTDT = first confirmed CR/PR (ADRS CRSP)."""
    crsp = adrs[adrs["PARAMCD"].eq("CRSP") & adrs["AVALC"].eq("Y")]
    ovr = analysis_records(adrs)[["USUBJID", "ADT", "ASEQ"]]
    crsp = crsp[["USUBJID", "ADT"]].merge(ovr, on=["USUBJID", "ADT"], how="left")
    out = subjects.merge(crsp.rename(columns={"ADT": "RESPDT", "ASEQ": "RESPSEQ"}), on="USUBJID")
    return out.assign(REFDT=out["STARTDT"], STARTDT=out["RESPDT"])


def _last_before(assessments: pd.DataFrame, bounds: pd.DataFrame, on_start: bool) -> pd.DataFrame:
    """Per subject of `bounds` (USUBJID, STARTDT, BOUND, STRICT): the last adequate assessment
    after STARTDT (or on it, with on_start) and before BOUND (or on it, unless STRICT)."""
    rows = assessments.merge(bounds, on="USUBJID")
    after = rows["ADT"] >= rows["STARTDT"] if on_start else rows["ADT"] > rows["STARTDT"]
    before = rows["BOUND"].isna() | (rows["ADT"] < rows["BOUND"]) | (
        ~rows["STRICT"] & rows["ADT"].eq(rows["BOUND"]))
    last = (rows[after & before].sort_values(["USUBJID", "ADT"])
            .drop_duplicates("USUBJID", keep="last"))
    return last.set_index("USUBJID")[["ADT", "ASEQ"]].reindex(bounds["USUBJID"])


def progression_facts(start: pd.DataFrame, records: pd.DataFrame, therapy: pd.Series,
                      on_start: bool) -> pd.DataFrame:
    """Per subject of `start` (STUDYID, USUBJID, STARTDT, DTHDT), what the PFS and DOR sources
    read (tasks.adam.tte_sources.progression_sources), from `records` (progression_records):
        PDDT, PDSEQ          the first PD on or after STARTDT (ASEQ of its OVR record)
        EVENTDT, FIRSTEVENT  the earlier of PD and death (PD on the same day)
        THERAPYFIRST         a new anticancer therapy began before EVENTDT (or without one)
        LASTDT, LASTSEQ      the last adequate assessment (not NE) after STARTDT (or on it,
                             `on_start`) and before EVENTDT, or on or before the new therapy's
                             start when THERAPYFIRST
        GAPDAYS              EVENTDT - LASTDT (STARTDT without one), in days"""
    out = start[["STUDYID", "USUBJID", "STARTDT", "DTHDT"]].reset_index(drop=True)
    first = (records[records["AVALC"].eq(PD)].sort_values(["USUBJID", "ADT"])
             .drop_duplicates("USUBJID").set_index("USUBJID"))
    out["PDDT"] = out["USUBJID"].map(first["ADT"]).astype("datetime64[ns]")
    out["PDDT"] = out["PDDT"].where(out["PDDT"] >= out["STARTDT"])
    out["PDSEQ"] = out["USUBJID"].map(first["ASEQ"]).where(out["PDDT"].notna())
    is_pd = out["PDDT"].notna() & (out["DTHDT"].isna() | (out["PDDT"] <= out["DTHDT"]))
    out["EVENTDT"] = out["PDDT"].where(is_pd, out["DTHDT"])
    out["FIRSTEVENT"] = np.where(is_pd, PD, np.where(out["DTHDT"].notna(), "DEATH", ""))
    nact = out["USUBJID"].map(therapy).astype("datetime64[ns]")
    therapy_first = nact.notna() & (out["EVENTDT"].isna() | (nact < out["EVENTDT"]))
    out["THERAPYFIRST"] = therapy_first
    bounds = out[["USUBJID", "STARTDT"]].assign(
        BOUND=nact.where(therapy_first, out["EVENTDT"]), STRICT=~therapy_first)
    adequate = records.loc[records["AVALC"].ne(NE), ["USUBJID", "ADT", "ASEQ"]]
    last = _last_before(adequate, bounds, on_start).reset_index(drop=True)
    out["LASTDT"], out["LASTSEQ"] = last["ADT"], last["ASEQ"]
    out["GAPDAYS"] = (out["EVENTDT"] - out["LASTDT"].fillna(out["STARTDT"])).dt.days
    return out

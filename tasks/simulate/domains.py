"""DM, SUPPDM, DS, CM and VS of the simulated subjects, as text."""
from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from tasks.config import TrialConfig
from tasks.simulate import catalogue as cat
from tasks.simulate.arrays import (
    NEVER,
    int_text,
    iso,
    number_text,
    ragged,
    seq_within,
    stream,
    text_frame,
)

DM_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "SUBJID", "RFSTDTC", "RFENDTC", "RFXSTDTC",
              "RFXENDTC", "RFICDTC", "DTHDTC", "DTHFL", "SITEID", "BRTHDTC", "AGE", "AGEU", "SEX",
              "RACE", "ETHNIC", "ARMCD", "ARM", "ACTARMCD", "ACTARM", "COUNTRY"]
SUPP_COLUMNS = ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL",
                "QORIG", "QEVAL"]
DS_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "DSSEQ", "DSTERM", "DSDECOD", "DSCAT", "EPOCH",
              "DSSTDTC"]
CM_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "CMSEQ", "CMTRT", "CMDECOD", "CMCAT", "CMINDC",
              "CMROUTE", "CMSTDTC", "CMENDTC"]
VS_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "VSSEQ", "VSTESTCD", "VSTEST", "VSORRES",
              "VSORRESU", "VSSTRESC", "VSSTRESN", "VSSTRESU", "VSBLFL", "VISITNUM", "VISIT",
              "VSDTC"]
SCREEN_FAILURE = ("SCRNFAIL", "Screen Failure")
NOT_TREATED = ("NOTTRT", "Not Treated")
EOT_TERMS = {"PROGRESSIVE DISEASE": "RADIOLOGICAL DISEASE PROGRESSION",
             "WITHDRAWAL BY SUBJECT": "SUBJECT DECIDED TO STOP STUDY TREATMENT",
             "PHYSICIAN DECISION": "INVESTIGATOR DECISION: NO FURTHER CLINICAL BENEFIT",
             "COMPLETED": "STUDY CLOSED WHILE ON TREATMENT"}
EOS_TERMS = {"WITHDRAWAL BY SUBJECT": "SUBJECT WITHDREW CONSENT",
             "LOST TO FOLLOW-UP": "LOST TO FOLLOW-UP", "COMPLETED": "COMPLETED STUDY FOLLOW-UP"}


def dm_frame(subjects: pd.DataFrame, cfg: TrialConfig, seed: int) -> pd.DataFrame:
    """Screen failures SCRNFAIL; the enrolled are assigned an arm; not treated: NOTTRT."""
    rng = stream(seed, "dm")
    s = subjects
    arms = cfg.study.arms
    arm = rng.integers(0, max(len(arms), 1), len(s))
    code = np.array([a.code for a in arms] or ["TRT"], dtype=object)[arm]
    label = np.array([a.label for a in arms] or ["Treatment"], dtype=object)[arm]
    sf, treated = s["sf"].to_numpy(), s["treated"].to_numpy()
    armcd = np.where(sf, SCREEN_FAILURE[0], code)
    arm_label = np.where(sf, SCREEN_FAILURE[1], label)
    actual_code = np.where(treated, armcd, np.where(sf, SCREEN_FAILURE[0], NOT_TREATED[0]))
    actual = np.where(treated, arm_label, np.where(sf, SCREEN_FAILURE[1], NOT_TREATED[1]))
    death = s["death_day"].to_numpy()
    first = iso(s["d0"].to_numpy())
    return text_frame({
        "STUDYID": cfg.study.id, "DOMAIN": "DM", "USUBJID": s["USUBJID"], "SUBJID": s["SUBJID"],
        "RFSTDTC": first, "RFENDTC": iso(np.where(sf, NEVER, s["eos_day"].to_numpy())),
        "RFXSTDTC": first, "RFXENDTC": iso(s["last_dose"].to_numpy()),
        "RFICDTC": iso(s["consent"].to_numpy()), "DTHDTC": iso(death),
        "DTHFL": np.where(death < NEVER, "Y", ""), "SITEID": s["SITEID"],
        "BRTHDTC": s["BRTHYR"].astype(str).to_numpy(), "AGE": s["AGE"].astype(str).to_numpy(),
        "AGEU": "YEARS", "SEX": s["SEX"], "RACE": s["RACE"], "ETHNIC": cat.ETHNIC,
        "ARMCD": armcd, "ARM": arm_label, "ACTARMCD": actual_code, "ACTARM": actual,
        "COUNTRY": cat.COUNTRY}, len(s), DM_COLUMNS)


def suppdm_frame(subjects: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """The configured baseline characteristics (cfg.baseline.characteristics), per subject."""
    parts = []
    for j, item in enumerate(cfg.baseline.characteristics):
        if item.qnam not in subjects:
            continue
        label = cat.CHARACTERISTIC_LABELS.get(item.qnam, item.label)[:40]
        parts.append(pd.DataFrame({"subject": np.arange(len(subjects)), "order": j,
                                   "QNAM": item.qnam, "QLABEL": label,
                                   "QVAL": subjects[item.qnam].to_numpy()}))
    rows = (pd.concat(parts).sort_values(["subject", "order"], kind="stable") if parts
            else pd.DataFrame(columns=["subject", "QNAM", "QLABEL", "QVAL"]))
    s = rows["subject"].to_numpy(dtype=np.int64)
    return text_frame({"STUDYID": cfg.study.id, "RDOMAIN": "DM",
                       "USUBJID": subjects["USUBJID"].to_numpy()[s], "IDVAR": "", "IDVARVAL": "",
                       "QNAM": rows["QNAM"].to_numpy(), "QLABEL": rows["QLABEL"].to_numpy(),
                       "QVAL": rows["QVAL"].to_numpy(), "QORIG": "CRF", "QEVAL": ""},
                      len(rows), SUPP_COLUMNS)


def ds_frame(subjects: pd.DataFrame, cfg: TrialConfig, seed: int) -> pd.DataFrame:
    """Consent; screen failure; end of treatment (EPOCH TREATMENT); end of study (FOLLOW-UP).
    A death's DSTERM is its cause."""
    rng = stream(seed, "ds")
    s = subjects
    n = len(s)
    idx = np.arange(n)
    sf, treated, enrolled = (s[c].to_numpy() for c in ("sf", "treated", "enrolled"))
    cause = s["death_term"].to_numpy()
    fail_terms = np.array(cat.SCREEN_FAILURE_TERMS, dtype=object)
    eot_reason, eos_reason = s["eot_reason"].to_numpy(), s["eos_reason"].to_numpy()
    eot_term = np.where(eot_reason == "DEATH", cause,
                        np.where(eot_reason == "ADVERSE EVENT", "ADVERSE EVENT",
                                 pd.Series(eot_reason).map(EOT_TERMS).fillna("").to_numpy()))
    eos_term = np.where(eos_reason == "DEATH", cause,
                        pd.Series(eos_reason).map(EOS_TERMS).fillna("").to_numpy())
    rows = pd.concat([
        _ds(idx, "INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED", "PROTOCOL MILESTONE",
            "SCREENING", s["consent"], 0),
        _ds(idx[sf], fail_terms[rng.integers(0, len(fail_terms), n)][sf], "SCREEN FAILURE",
            "DISPOSITION EVENT", "SCREENING", s["sf_day"].to_numpy()[sf], 1),
        _ds(idx[treated], eot_term[treated], eot_reason[treated], "DISPOSITION EVENT",
            "TREATMENT", s["eot_day"].to_numpy()[treated], 2),
        _ds(idx[enrolled], eos_term[enrolled], eos_reason[enrolled], "DISPOSITION EVENT",
            "FOLLOW-UP", s["eos_day"].to_numpy()[enrolled], 3)])
    rows = rows.sort_values(["subject", "day", "order"], kind="stable")
    subject = rows["subject"].to_numpy()
    return text_frame({
        "STUDYID": cfg.study.id, "DOMAIN": "DS", "USUBJID": s["USUBJID"].to_numpy()[subject],
        "DSSEQ": int_text(seq_within(subject)), "DSTERM": rows["term"].to_numpy(),
        "DSDECOD": rows["decod"].to_numpy(), "DSCAT": rows["cat"].to_numpy(),
        "EPOCH": rows["epoch"].to_numpy(), "DSSTDTC": iso(rows["day"].to_numpy())},
        len(rows), DS_COLUMNS)


def _ds(subject: ArrayLike, term: ArrayLike, decod: ArrayLike, category: ArrayLike,
        epoch: ArrayLike, day: ArrayLike, order: ArrayLike) -> pd.DataFrame:
    return pd.DataFrame({"subject": subject, "term": term, "decod": decod, "cat": category,
                         "epoch": epoch, "day": np.asarray(day), "order": order})


def cm_frame(subjects: pd.DataFrame, cfg: TrialConfig, seed: int,
             immune: pd.DataFrame) -> pd.DataFrame:
    """Prior first-line therapy (the drugs of SUPPDM PRIORREG), new therapy after treatment and
    the treatment of immune-related AEs (`immune`: subject, trt, route, indication, start, end)."""
    rng = stream(seed, "cm")
    s = subjects
    n = len(s)
    regimen = s["PRIORREG"].to_numpy()
    drugs = [cat.PRIOR_DRUGS[r] for r in regimen.tolist()]
    owner, pos = ragged(np.array([len(d) for d in drugs]))
    consent = s["consent"].to_numpy()
    start = consent - rng.integers(cat.PRIOR_START_DAYS[0], cat.PRIOR_START_DAYS[1] + 1, n)
    end = consent - rng.integers(cat.PRIOR_END_DAYS[0], cat.PRIOR_END_DAYS[1] + 1, n)
    prior = pd.DataFrame({"subject": owner, "trt": [drugs[o][p] for o, p in zip(owner, pos)],
                          "cat": cat.PRIOR_THERAPY_CATEGORY, "start": start[owner],
                          "end": end[owner]})
    new = np.flatnonzero(s["new_tx"].to_numpy() < NEVER)
    later = pd.DataFrame({"subject": new, "trt": s["new_tx_drug"].to_numpy()[new],
                          "cat": cat.SUBSEQUENT_THERAPY_CATEGORY,
                          "start": s["new_tx"].to_numpy()[new], "end": NEVER})
    treated = immune.assign(cat=cat.IMMUNE_CM_CATEGORY)
    rows = pd.concat([prior, later, treated]).sort_values(["subject", "start"], kind="stable")
    rows = rows.fillna({"route": "", "indication": ""})
    subject = rows["subject"].to_numpy(dtype=np.int64)
    return text_frame({
        "STUDYID": cfg.study.id, "DOMAIN": "CM", "USUBJID": s["USUBJID"].to_numpy()[subject],
        "CMSEQ": int_text(seq_within(subject)), "CMTRT": rows["trt"].to_numpy(),
        "CMDECOD": rows["trt"].to_numpy(), "CMCAT": rows["cat"].to_numpy(),
        "CMINDC": rows["indication"].to_numpy(), "CMROUTE": rows["route"].to_numpy(),
        "CMSTDTC": iso(rows["start"].to_numpy()), "CMENDTC": iso(rows["end"].to_numpy())},
        len(rows), CM_COLUMNS)


def vs_frame(subjects: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """Weight and height at screening (the baseline)."""
    s = subjects
    n = len(s)
    subject = np.repeat(np.arange(n), 2)
    test = np.tile(np.array(["WEIGHT", "HEIGHT"], dtype=object), n)
    value = np.column_stack([s["WEIGHT"].to_numpy(), s["HEIGHT"].to_numpy()]).ravel()
    text = number_text(value)
    unit = np.tile(np.array(["kg", "cm"], dtype=object), n)
    return text_frame({
        "STUDYID": cfg.study.id, "DOMAIN": "VS", "USUBJID": s["USUBJID"].to_numpy()[subject],
        "VSSEQ": np.tile(np.array(["1", "2"], dtype=object), n), "VSTESTCD": test,
        "VSTEST": np.where(test == "WEIGHT", "Weight", "Height"), "VSORRES": text,
        "VSORRESU": unit, "VSSTRESC": text, "VSSTRESN": text, "VSSTRESU": unit, "VSBLFL": "Y",
        "VISITNUM": "0", "VISIT": "SCREENING", "VSDTC": iso(s["screening"].to_numpy()[subject])},
        2 * n, VS_COLUMNS)

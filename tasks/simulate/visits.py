"""Every visit of every subject (SV), and which of them draw blood for the liver panel.

Screening; each cycle's day 1 and the liver-panel days of catalogue.LAB_DAYS_* (weekly in cycle 1
and in HAIC cycles, day 8 later); tumour assessments; end of treatment; the safety follow-up
(last dose + cfg.safety.teae_window_days); survival follow-up contacts under 60 days apart.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from tasks.config import TrialConfig
from tasks.simulate import catalogue as cat
from tasks.simulate.arrays import NEVER, cumsum_within, iso, ragged, stream, text_frame
from tasks.simulate.exposure import Exposure, cycle_visit, cycle_visitnum
from tasks.simulate.tumour import Tumours

SV_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "VISITNUM", "VISIT", "EPOCH", "SVSTDTC", "SVENDTC"]
SURVIVAL_VISIT = "SURVIVAL FOLLOW-UP"


def _rows(subject: ArrayLike, day: ArrayLike, visit: ArrayLike, visitnum: ArrayLike,
          epoch: ArrayLike, labs: ArrayLike, kind: ArrayLike) -> pd.DataFrame:
    return pd.DataFrame({"subject": subject, "day": day, "visit": visit, "visitnum": visitnum,
                         "epoch": epoch, "labs": labs, "kind": kind})


def assessment_visit(k: np.ndarray, interval: int) -> tuple[np.ndarray, np.ndarray]:
    """Tumour assessment k: VISIT "WEEK 6k" (or "ASSESSMENT k"), VISITNUM 500 + k."""
    if interval % 7 == 0:
        name = np.char.add("WEEK ", (k * (interval // 7)).astype(str))
    else:
        name = np.char.add("ASSESSMENT ", k.astype(str))
    return name.astype(object), (500 + k).astype(str).astype(object)


def visit_table(subjects: pd.DataFrame, exposure: Exposure, tumours: Tumours, cfg: TrialConfig,
                seed: int) -> pd.DataFrame:
    """subject, day, visit, visitnum, epoch, labs (blood drawn), kind; sorted by subject, day."""
    rng = stream(seed, "visits")
    n = len(subjects)
    col = {c: subjects[c].to_numpy() for c in ("screening", "d0", "stop_day", "eot_day",
                                                "eot_reason", "eos_day", "death_day",
                                                "last_dose", "treated")}
    parts = [_rows(np.arange(n), col["screening"], "SCREENING", "0", "SCREENING", True,
                   "screening")]
    cyc = exposure.cycles
    s, k = cyc["subject"].to_numpy(), cyc["cycle"].to_numpy()
    no_c1d1_labs = rng.random(n) < cat.MISSING_C1D1_LABS
    parts.append(_rows(s, cyc["day"].to_numpy(), cycle_visit(k, 1), cycle_visitnum(k, 1),
                       "TREATMENT", ~((k == 1) & no_c1d1_labs[s]), np.where(k == 1, "c1d1", "d1")))
    end = np.minimum(col["stop_day"], col["death_day"])
    course = cyc["course"].to_numpy()
    lab_days = sorted({*cat.LAB_DAYS_FIRST_CYCLE, *cat.LAB_DAYS_COURSE_CYCLES,
                       *cat.LAB_DAYS_OTHER_CYCLES})
    for day_in_cycle in lab_days:
        which = np.select([k == 1, course], [day_in_cycle in cat.LAB_DAYS_FIRST_CYCLE,
                                             day_in_cycle in cat.LAB_DAYS_COURSE_CYCLES],
                          day_in_cycle in cat.LAB_DAYS_OTHER_CYCLES)
        day = cyc["day"].to_numpy() + day_in_cycle - 1
        keep = which & (day < end[s])
        parts.append(_rows(s[keep], day[keep], cycle_visit(k[keep], day_in_cycle),
                           cycle_visitnum(k[keep], day_in_cycle), "TREATMENT", True,
                           np.where(cyc["course"].to_numpy()[keep], "course", "extra")))
    v = tumours.visits[tumours.visits["k"] > 0]
    name, number = assessment_visit(v["k"].to_numpy(), cfg.response.assessment_interval_days)
    in_treatment = v["day"].to_numpy() < col["eot_day"][v["subject"].to_numpy()]
    parts.append(_rows(v["subject"].to_numpy(), v["day"].to_numpy(), name, number,
                       np.where(in_treatment, "TREATMENT", "FOLLOW-UP"), False, "tumour"))
    eot = np.flatnonzero(col["treated"] & (col["eot_reason"] != "DEATH"))
    parts.append(_rows(eot, col["eot_day"][eot], "END OF TREATMENT", "900", "TREATMENT", True,
                       "eot"))
    sfu = col["last_dose"] + cfg.safety.teae_window_days
    has_sfu = (col["treated"] & (sfu > col["eot_day"]) & (sfu < col["eos_day"])
               & (sfu < col["death_day"]) & (col["eot_reason"] != "DEATH"))
    parts.append(_rows(np.flatnonzero(has_sfu), sfu[has_sfu], "SAFETY FOLLOW-UP", "901",
                       "FOLLOW-UP", True, "sfu"))
    parts.append(_survival(col, np.where(has_sfu, sfu, col["eot_day"]), rng))
    visits = pd.concat(parts, ignore_index=True)
    return visits.sort_values(["subject", "day", "visitnum"], kind="stable").reset_index(drop=True)


def _survival(col: dict[str, np.ndarray], start: np.ndarray,
              rng: np.random.Generator) -> pd.DataFrame:
    """Contacts every 7-8 weeks after treatment until death or the end of study."""
    low, high = cat.SURVIVAL_CONTACT_DAYS
    stop = np.minimum(col["eos_day"], col["death_day"])
    alive = col["treated"] & (col["eot_reason"] != "DEATH") & (stop < NEVER) & (start < stop)
    count = np.where(alive, (stop - start) // low + 1, 0)
    owner, pos = ragged(count)
    day = start[owner] + cumsum_within(rng.integers(low, high + 1, len(owner)), owner)
    keep = day < stop[owner]
    j = pos[keep] + 1
    return _rows(owner[keep], day[keep], SURVIVAL_VISIT, (1000 + j).astype(str), "FOLLOW-UP",
                 False, "survival")


def sv_frame(visits: pd.DataFrame, subjects: pd.DataFrame, study_id: str) -> pd.DataFrame:
    day = iso(visits["day"].to_numpy())
    return text_frame({"STUDYID": study_id, "DOMAIN": "SV",
                       "USUBJID": subjects["USUBJID"].to_numpy()[visits["subject"].to_numpy()],
                       "VISITNUM": visits["visitnum"].to_numpy(),
                       "VISIT": visits["visit"].to_numpy(),
                       "EPOCH": visits["epoch"].to_numpy(), "SVSTDTC": day, "SVENDTC": day},
                      len(visits), SV_COLUMNS)

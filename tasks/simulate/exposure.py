"""Study drug administrations (EX): cycles from the first dose until treatment stops.

Cycles last the shortest interval of the configured drugs (21 days) and are sometimes delayed.
Each component (cfg.study.components) is given as a unit: a limited course (drugs with
max_administrations, HAIC) may stop early; any component may be reduced one dose level (EXADJ).
Only doses given are recorded.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tasks.config import TrialConfig
from tasks.errors import ConfigError
from tasks.simulate import catalogue as cat
from tasks.simulate.arrays import (NEVER, choose, cumsum_within, iso, number_text, ragged,
                                   seq_within, stream, text_frame)

EX_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "EXSEQ", "EXTRT", "EXDOSE", "EXDOSU", "EXROUTE",
              "EXSTDTC", "EXENDTC", "EXADJ", "VISIT", "VISITNUM", "EPOCH"]


@dataclass
class Exposure:
    doses: pd.DataFrame          # subject, cycle, day, extrt, unit, route, dose, adjusted
    cycles: pd.DataFrame         # subject, cycle, day, course (a limited-course dose given)
    last_dose: np.ndarray        # per subject: last day with a dose > 0 (NEVER if none)


def cycle_days(cfg: TrialConfig) -> int:
    intervals = [d.interval_days for c in cfg.study.components for d in c.drugs if d.interval_days]
    if not intervals:
        raise ConfigError("simulation: study.components must name the drugs with interval_days")
    return min(intervals)


def _cycles(subjects: pd.DataFrame, length: int, rng: np.random.Generator) -> pd.DataFrame:
    """Cycle starts before each treated subject's stop day, delays accumulating."""
    idx = np.flatnonzero(subjects["treated"].to_numpy())
    d0 = subjects["d0"].to_numpy()[idx]
    stop = subjects["stop_day"].to_numpy()[idx]
    owner, pos = ragged(np.maximum(-(-(stop - d0) // length), 0))
    delay = np.where(pos == 0, 0, choose(rng, cat.CYCLE_DELAY_P, len(pos)).astype(np.int64))
    day = d0[owner] + pos * length + cumsum_within(delay, owner)
    keep = day < stop[owner]
    cycles = pd.DataFrame({"subject": idx[owner], "cycle": pos + 1, "day": day})
    return cycles[keep].reset_index(drop=True)


def administer(subjects: pd.DataFrame, cfg: TrialConfig, seed: int) -> Exposure:
    rng = stream(seed, "exposure")
    length = cycle_days(cfg)
    cycles = _cycles(subjects, length, rng)
    n, s, k = len(subjects), cycles["subject"].to_numpy(), cycles["cycle"].to_numpy()
    parts, course = [], np.zeros(len(cycles), dtype=bool)
    for component in cfg.study.components:
        limits = [d.max_administrations for d in component.drugs if d.max_administrations]
        limited = bool(limits)
        last = np.full(n, np.iinfo(np.int64).max)
        if limited:   # a limited course may stop before its maximum
            last = np.minimum(min(limits), rng.geometric(cat.COURSE_STOP_P, n))
        reduced_from = 1 + rng.geometric(cat.DOSE_REDUCTION_P, n)
        if component.code in cat.NOT_REDUCED:
            reduced_from[:] = np.iinfo(np.int64).max
        for drug in component.drugs:
            if drug.planned_dose is None:
                raise ConfigError(f"simulation: drug {drug.extrt} needs a planned_dose")
            every = max(1, (drug.interval_days or length) // length)
            number = (k - 1) // every + 1
            given = ((k - 1) % every == 0) & (k <= last[s])
            if drug.max_administrations:
                given &= number <= drug.max_administrations
            factor = np.where(k >= reduced_from[s], cat.REDUCED_DOSE_SHARE, 1.0)
            dose = drug.planned_dose * factor
            if limited:
                course |= given
            route = cat.ROUTES.get(component.code, cat.DEFAULT_ROUTE)
            parts.append(pd.DataFrame({
                "subject": s, "cycle": k, "day": cycles["day"].to_numpy(), "extrt": drug.extrt,
                "unit": drug.dose_unit or "", "route": route,
                "dose": np.round(dose, 2), "adjusted": factor < 1,
                "order": len(parts)})[given])
    if not parts:
        raise ConfigError("simulation: study.components must name the study drugs")
    doses = pd.concat(parts).sort_values(["subject", "day", "order"], kind="stable")
    last_dose = np.full(n, NEVER)
    last = doses.groupby("subject")["day"].max()
    last_dose[last.index.to_numpy()] = last.to_numpy()
    return Exposure(doses.reset_index(drop=True), cycles.assign(course=course), last_dose)


def ex_frame(exposure: Exposure, subjects: pd.DataFrame, study_id: str) -> pd.DataFrame:
    d = exposure.doses
    s = d["subject"].to_numpy()
    day = iso(d["day"].to_numpy())
    cycle = d["cycle"].to_numpy()
    return text_frame({
        "STUDYID": study_id, "DOMAIN": "EX", "USUBJID": subjects["USUBJID"].to_numpy()[s],
        "EXSEQ": seq_within(s).astype(str), "EXTRT": d["extrt"].to_numpy(),
        "EXDOSE": number_text(d["dose"].to_numpy()), "EXDOSU": d["unit"].to_numpy(),
        "EXROUTE": d["route"].to_numpy(), "EXSTDTC": day, "EXENDTC": day,
        "EXADJ": np.where(d["adjusted"].to_numpy(), cat.DOSE_ADJUSTMENT_REASON, ""),
        "VISIT": cycle_visit(cycle, 1), "VISITNUM": cycle_visitnum(cycle, 1),
        "EPOCH": "TREATMENT"}, len(d))[EX_COLUMNS]


def cycle_visit(cycle: np.ndarray, day: int) -> np.ndarray:
    return np.char.add(np.char.add("CYCLE ", cycle.astype(str)), f" DAY {day}").astype(object)


def cycle_visitnum(cycle: np.ndarray, day: int) -> np.ndarray:
    """CYCLE n DAY d is visit number n.dd (chronological within treatment)."""
    return np.char.add(cycle.astype(str), f".{day:02d}").astype(object)

"""Study drug administrations (EX): cycles from the first dose until treatment stops.

Cycles last the shortest interval of the configured drugs (21 days) and are sometimes delayed.
Each component (cfg.study.components) is given as a unit: a limited course (drugs with
max_administrations, HAIC) may stop early. An adverse event's action with a component changes
its next dose after the onset (apply_actions): an interruption withholds it (EXDOSE 0, EXOCCUR
N), a reduction lowers it and every later dose one level (EXADJ gives the reason of both).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tasks.config import TrialConfig
from tasks.errors import ConfigError
from tasks.simulate import catalogue as cat
from tasks.simulate.arrays import (
    NEVER,
    choose,
    cumsum_within,
    int_text,
    iso,
    number_text,
    ragged,
    seq_within,
    stream,
    text_frame,
)

EX_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "EXSEQ", "EXTRT", "EXDOSE", "EXDOSU", "EXROUTE",
              "EXOCCUR", "EXSTDTC", "EXENDTC", "EXADJ", "VISIT", "VISITNUM", "EPOCH"]
CHANGES = ("DRUG INTERRUPTED", "DOSE REDUCED")
KEY = np.int64(10**8)           # subject * KEY + day: one sortable number per subject and day


@dataclass
class Exposure:
    doses: pd.DataFrame          # subject, cycle, day, component, extrt, unit, route, planned,
                                 # dose, adjusted, given
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
    parts: list[pd.DataFrame] = []
    course = np.zeros(len(cycles), dtype=bool)
    for j, component in enumerate(cfg.study.components):
        limits = [d.max_administrations for d in component.drugs if d.max_administrations]
        limited = bool(limits)
        last = np.full(n, np.iinfo(np.int64).max)
        if limited:   # a limited course may stop before its maximum
            last = np.minimum(min(limits), rng.geometric(cat.COURSE_STOP_P, n))
        for drug in component.drugs:
            if drug.planned_dose is None:
                raise ConfigError(f"simulation: drug {drug.extrt} needs a planned_dose")
            every = max(1, (drug.interval_days or length) // length)
            number = (k - 1) // every + 1
            given = ((k - 1) % every == 0) & (k <= last[s])
            if drug.max_administrations:
                given &= number <= drug.max_administrations
            if limited:
                course |= given
            route = cat.ROUTES.get(component.code, cat.DEFAULT_ROUTE)
            parts.append(pd.DataFrame({
                "subject": s, "cycle": k, "day": cycles["day"].to_numpy(), "component": j,
                "extrt": drug.extrt, "unit": drug.dose_unit or "", "route": route,
                "planned": float(drug.planned_dose), "dose": float(drug.planned_dose),
                "adjusted": False, "given": True, "order": len(parts)})[given])
    if not parts:
        raise ConfigError("simulation: study.components must name the study drugs")
    doses = pd.concat(parts).sort_values(["subject", "day", "order"], kind="stable")
    last_dose = np.full(n, NEVER)
    final = doses.groupby("subject")["day"].max()
    last_dose[final.index.to_numpy()] = final.to_numpy()
    return Exposure(doses.reset_index(drop=True), cycles.assign(course=course), last_dose)


def apply_actions(exposure: Exposure, subject: np.ndarray, onset: np.ndarray, action: np.ndarray,
                  cfg: TrialConfig) -> tuple[Exposure, np.ndarray]:
    """EX after the AEs' actions (rows x components): each interruption withholds the
    component's next dose after the onset, each reduction lowers that dose and the later ones
    one level (at most catalogue.MAX_REDUCTIONS). Where there is no next dose, the action
    becomes NOT APPLICABLE; the subject's last dose day is never withheld (the interruption
    becomes DOSE NOT CHANGED), so the last dose date stays what the course drew."""
    doses = exposure.doses.sort_values(["subject", "day", "order"], kind="stable").reset_index(
        drop=True)
    action = action.copy()
    withheld = np.zeros(len(doses), dtype=bool)
    steps = np.zeros(len(doses), dtype=np.int64)
    for j, _ in enumerate(cfg.study.components):
        mine = np.flatnonzero(doses["component"].to_numpy() == j)
        days = doses.loc[mine].drop_duplicates(["subject", "day"])
        key = days["subject"].to_numpy() * KEY + days["day"].to_numpy()
        rows = np.flatnonzero(np.isin(action[:, j], CHANGES))
        at = np.searchsorted(key, subject[rows] * KEY + onset[rows], side="right")
        found = at < len(key)
        found[found] = days["subject"].to_numpy()[at[found]] == subject[rows[found]]
        action[rows[~found], j] = "NOT APPLICABLE"
        rows, at = rows[found], at[found]
        next_day = days["day"].to_numpy()[at]
        final = ((action[rows, j] == "DRUG INTERRUPTED")
                 & (next_day >= exposure.last_dose[subject[rows]]))
        action[rows[final], j] = "DOSE NOT CHANGED"
        rows, next_day = rows[~final], next_day[~final]
        hit = pd.MultiIndex.from_arrays([doses.loc[mine, "subject"], doses.loc[mine, "day"]])
        for kind in CHANGES:
            chosen = action[rows, j] == kind
            marked = hit.isin(pd.MultiIndex.from_arrays([subject[rows[chosen]], next_day[chosen]]))
            if kind == "DRUG INTERRUPTED":
                withheld[mine[marked]] = True
            else:   # a reduction from this dose on: count the reductions up to each dose
                counts = pd.Series(subject[rows[chosen]] * KEY + next_day[chosen]).value_counts()
                step = counts.reindex(doses.loc[mine, "subject"].to_numpy() * KEY
                                      + doses.loc[mine, "day"].to_numpy()).fillna(0).to_numpy()
                frame = doses.loc[mine].assign(step=step)
                steps[mine] = frame.groupby(["subject", "order"])["step"].cumsum().to_numpy()
    factor = cat.REDUCED_DOSE_SHARE ** np.minimum(steps, cat.MAX_REDUCTIONS)
    dose = np.where(withheld, 0.0, np.round(doses["planned"].to_numpy() * factor, 2))
    doses = doses.assign(dose=dose, given=~withheld, adjusted=withheld | (steps > 0))
    return Exposure(doses, exposure.cycles, exposure.last_dose), action


def ex_frame(exposure: Exposure, subjects: pd.DataFrame, study_id: str) -> pd.DataFrame:
    d = exposure.doses
    s = d["subject"].to_numpy()
    day = iso(d["day"].to_numpy())
    cycle = d["cycle"].to_numpy()
    return text_frame({
        "STUDYID": study_id, "DOMAIN": "EX", "USUBJID": subjects["USUBJID"].to_numpy()[s],
        "EXSEQ": int_text(seq_within(s)), "EXTRT": d["extrt"].to_numpy(),
        "EXDOSE": number_text(d["dose"].to_numpy()), "EXDOSU": d["unit"].to_numpy(),
        "EXROUTE": d["route"].to_numpy(), "EXOCCUR": np.where(d["given"].to_numpy(), "Y", "N"),
        "EXSTDTC": day, "EXENDTC": day,
        "EXADJ": np.where(d["adjusted"].to_numpy(), cat.DOSE_ADJUSTMENT_REASON, ""),
        "VISIT": cycle_visit(cycle, 1), "VISITNUM": cycle_visitnum(cycle, 1),
        "EPOCH": "TREATMENT"}, len(d), EX_COLUMNS)


def cycle_visit(cycle: np.ndarray, day: int) -> np.ndarray:
    return np.char.add(np.char.add("CYCLE ", cycle.astype(str)), f" DAY {day}").astype(object)


def cycle_visitnum(cycle: np.ndarray, day: int) -> np.ndarray:
    """CYCLE n DAY d is visit number n.dd (chronological within treatment)."""
    return np.char.add(cycle.astype(str), f".{day:02d}").astype(object)

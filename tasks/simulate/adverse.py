"""Adverse events (AE) of the regimen with per-component relatedness and action (SUPPAE).

Onsets: a Poisson stream from first dose to last dose + cfg.safety.teae_window_days (limited-
course terms within days of a HAIC dose), decompensation events at the subject's Child-Pugh
rate, immune-related events up to catalogue.AE_LATE_DAYS after the last dose, background events
between consent and first dose; the event that stopped treatment (AEACN DRUG WITHDRAWN) and, for
deaths caused by an AE, the fatal event (grade 5 on the day of death, after a grade 3-4 record of
the same term). Lab-type events come from LB (tasks.simulate.lab_events) and join them in
`describe_events`, which draws seriousness, outcome, relatedness and the action with each
component: an interruption or reduction applies to the related components (to all when none
is), and EX follows it (tasks.simulate.exposure.apply_actions).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tasks.config import TrialConfig
from tasks.dates import DAYS_PER_MONTH
from tasks.simulate import catalogue as cat
from tasks.simulate.arrays import (
    NEVER,
    choose,
    int_text,
    iso,
    ragged,
    seq_within,
    shared_text,
    stream,
    text_frame,
)
from tasks.simulate.exposure import Exposure, apply_actions

AE_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "AETOXGR",
              "AESEV", "AESER", "AEACN", "AEREL", "AEOUT", "AESDTH", "AESTDTC", "AEENDTC"]
SUPP_COLUMNS = ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL",
                "QORIG", "QEVAL"]
LN2 = np.log(2.0)


class _Terms:
    """The catalogue's terms as arrays (fatal-only terms appended with weight 0)."""

    def __init__(self, codes: list[str]) -> None:
        terms = list(cat.TERMS)
        known = {t.decod for t in terms}
        for decod, (bodsys, _, related) in cat.FATAL_TERMS.items():
            if decod not in known:
                terms.append(cat.Term(decod, bodsys, (decod,), 0, (0, 0, 0.5, 0.5), 5, related))
        self.decod = np.array([t.decod for t in terms], dtype=object)
        self.bodsys = np.array([t.bodsys for t in terms], dtype=object)
        self.phase = np.array([t.phase for t in terms], dtype=object)
        self.weight = np.array([t.weight for t in terms], dtype=float)
        grades = np.array([t.grades for t in terms], dtype=float)
        self.cum = np.cumsum(grades / np.maximum(grades.sum(axis=1, keepdims=True), 1e-12), axis=1)
        self.days = np.array([t.days for t in terms], dtype=float)
        self.related = np.array([[t.related.get(c, cat.DEFAULT_RELATEDNESS) for c in codes]
                                 for t in terms]).reshape(len(terms), len(codes))
        self.verbatim = np.array([v for t in terms for v in t.verbatims], dtype=object)
        self.n_verbatim = np.array([len(t.verbatims) for t in terms])
        self.first_verbatim = np.cumsum(self.n_verbatim) - self.n_verbatim
        self.index = {d: i for i, d in enumerate(self.decod)}

    def draw(self, rng: np.random.Generator, n: int, phases: tuple[str, ...]) -> np.ndarray:
        w = np.where(np.isin(self.phase, phases), self.weight, 0.0)
        return rng.choice(len(w), n, p=w / w.sum())

    def named(self, rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
        codes = np.array([self.index[d] for d in shares])
        p = np.array(list(shares.values()))
        return codes[rng.choice(len(codes), n, p=p / p.sum())]


def _window(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, rate: float | np.ndarray,
            subject: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Poisson(rate per month, per subject or for all) onsets uniform in [lo, hi] per subject
    (none if hi < lo)."""
    span = np.maximum(hi - lo + 1, 0)
    owner, _ = ragged(rng.poisson(rate * span / DAYS_PER_MONTH))
    offset = np.floor(rng.random(len(owner)) * span[owner]).astype(np.int64)
    return subject[owner], lo[owner] + offset


def _events(subjects: pd.DataFrame, exposure: Exposure, cfg: TrialConfig, terms: _Terms,
            rng: np.random.Generator) -> pd.DataFrame:
    """Onsets of every kind (on treatment, late, before dosing, stopping, fatal) with terms."""
    col = {c: subjects[c].to_numpy() for c in ("d0", "last_dose", "eos_day", "death_day", "consent",
                                                "planned_d0", "treated", "enrolled")}
    ends = np.minimum(col["eos_day"], col["death_day"])
    t = np.flatnonzero(col["treated"])
    on_hi = np.minimum(col["last_dose"] + cfg.safety.teae_window_days, ends)
    s, day = _window(rng, col["d0"][t], on_hi[t], cat.AE_RATE_PER_MONTH, t)
    term = terms.draw(rng, len(s), ("treatment", "course", "immune", "background"))
    day = _course_onsets(s, day, term, terms, exposure, on_hi, rng)
    on = pd.DataFrame({"subject": s, "start": day, "term": term, "kind": "on"})
    child_pugh = subjects["CHILDPUG"].to_numpy()[t]
    rate = np.array([cat.DECOMPENSATION_RATE.get(c, 0.0) for c in child_pugh])
    s, day = _window(rng, col["d0"][t], on_hi[t], rate, t)
    decompensation = pd.DataFrame({"subject": s, "start": day, "kind": "on",
                                   "term": terms.draw(rng, len(s), ("decompensation",))})
    late_lo = col["last_dose"] + cfg.safety.teae_window_days + 1
    late_hi = np.minimum(col["last_dose"] + cat.AE_LATE_DAYS, ends)
    s, day = _window(rng, late_lo[t], late_hi[t], cat.AE_LATE_RATE * DAYS_PER_MONTH
                     / max(cat.AE_LATE_DAYS - cfg.safety.teae_window_days, 1), t)
    late = pd.DataFrame({"subject": s, "start": day, "term": terms.draw(rng, len(s), ("immune",)),
                         "kind": "late"})
    e = np.flatnonzero(col["enrolled"])
    first = np.minimum(np.where(col["treated"], col["d0"], col["planned_d0"]), col["eos_day"])
    s, day = _window(rng, col["consent"][e], first[e] - 1, cat.AE_PRE_RATE * DAYS_PER_MONTH
                     / float(np.mean(cat.SCREENING_DAYS)), e)
    pre = pd.DataFrame({"subject": s, "start": day, "kind": "pre",
                        "term": terms.draw(rng, len(s), ("background",))})
    stops = np.flatnonzero(subjects["eot_reason"].to_numpy() == "ADVERSE EVENT")
    stopping = pd.DataFrame({"subject": stops, "start": subjects["ae_stop"].to_numpy()[stops],
                             "term": terms.named(rng, cat.STOPPING_TERMS, len(stops)),
                             "kind": "stop"})
    return pd.concat([on, decompensation, late, pre, stopping, _fatal(subjects, terms, rng)],
                     ignore_index=True)


def _course_onsets(s: np.ndarray, day: np.ndarray, term: np.ndarray, terms: _Terms,
                   exposure: Exposure, hi: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Limited-course terms start 0-3 days after one of the subject's course doses."""
    course = exposure.cycles[exposure.cycles["course"]]
    count = np.bincount(course["subject"], minlength=len(hi))
    start = np.cumsum(count) - count
    pick = (terms.phase[term] == "course") & (count[s] > 0)
    which = start[s] + np.floor(rng.random(len(s)) * count[s]).astype(np.int64)
    if len(course) == 0:
        return day
    course_day = course["day"].to_numpy()[np.minimum(which, len(course) - 1)]
    onset = np.where(pick, course_day + rng.integers(0, 4, len(s)), day)
    return np.minimum(onset, hi[s])


def _fatal(subjects: pd.DataFrame, terms: _Terms, rng: np.random.Generator) -> pd.DataFrame:
    """Grade 5 on the day of death, after the same event at grade 3-4 (one record per grade)."""
    dead = np.flatnonzero(subjects["death_kind"].to_numpy() == "ADVERSE EVENT")
    death = subjects["death_day"].to_numpy()[dead]
    term = np.array([terms.index[d] for d in subjects["death_term"].to_numpy()[dead]],
                    dtype=np.int64)
    low, high = cat.FATAL_PRELUDE_DAYS
    before = np.maximum(death - rng.integers(low, high + 1, len(dead)),
                        subjects["d0"].to_numpy()[dead])
    return pd.concat([
        pd.DataFrame({"subject": dead, "start": death, "term": term, "kind": "fatal"}),
        pd.DataFrame({"subject": dead, "start": before, "term": term, "kind": "prelude"})])


def draw_events(subjects: pd.DataFrame, exposure: Exposure, cfg: TrialConfig,
                seed: int) -> pd.DataFrame:
    """The drawn AEs (not lab-type): subject, start, end, decod, grade, kind."""
    rng = stream(seed, "adverse")
    terms = _Terms([c.code for c in cfg.study.components])
    ae = _events(subjects, exposure, cfg, terms, rng)
    n, term, kind = len(ae), ae["term"].to_numpy(), ae["kind"].to_numpy()
    s = ae["subject"].to_numpy()
    u = rng.random(n)
    grade = 1 + (u[:, None] > terms.cum[term, :3]).sum(axis=1)
    grade = np.where(kind == "pre", np.minimum(grade, 2), grade)
    grade = np.where(kind == "stop", choose(rng, cat.STOPPING_GRADE_P, n).astype(np.int64), grade)
    grade = np.select([kind == "fatal", kind == "prelude"], [5, 3 + (rng.random(n) < 0.5)], grade)
    ends = np.minimum(subjects["eos_day"].to_numpy(), subjects["death_day"].to_numpy())[s]
    length = np.floor(rng.exponential(size=n) * terms.days[term] / LN2).astype(np.int64)
    end = ae["start"].to_numpy() + length
    death = subjects["death_day"].to_numpy()[s]
    end = np.select([kind == "fatal", kind == "prelude"], [ae["start"].to_numpy(), death - 1], end)
    end = np.where((end > ends) & (kind != "fatal"), NEVER, end)
    return pd.DataFrame({"subject": s, "start": ae["start"].to_numpy(), "end": end,
                         "decod": terms.decod[term], "grade": grade, "kind": kind})


def describe_events(events: pd.DataFrame, subjects: pd.DataFrame, exposure: Exposure,
                    cfg: TrialConfig, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray,
                                                          Exposure]:
    """AE rows (subject, start, end, decod, bodsys, verbatim, grade, serious, outcome, action)
    sorted by subject and onset, the relatedness and per-component action matrices (rows x
    components), and the exposure with the dose changes the actions made."""
    rng = stream(seed, "ae_detail")
    codes = [c.code for c in cfg.study.components]
    terms = _Terms(codes)
    term = np.array([terms.index[d] for d in events["decod"]], dtype=np.int64)
    order = np.lexsort((events["grade"].to_numpy(), term, events["start"].to_numpy(),
                        events["subject"].to_numpy()))
    ae, term = events.iloc[order].reset_index(drop=True), term[order]
    n, kind, grade = len(ae), ae["kind"].to_numpy(), ae["grade"].to_numpy()
    serious = rng.random(n) < _by_grade(cat.SERIOUS_P, 0.0)[grade]
    outcome = np.select(
        [grade == 5, ae["end"].to_numpy() >= NEVER,
         (grade >= 3) & (rng.random(n) < cat.SEQUELAE_P)],
        ["FATAL", "NOT RECOVERED/NOT RESOLVED", "RECOVERED/RESOLVED WITH SEQUELAE"],
        "RECOVERED/RESOLVED")
    related = rng.random((n, len(codes))) < terms.related[term]
    related[kind == "pre"] = False
    stop_rows = np.flatnonzero(kind == "stop")
    none = stop_rows[~related[stop_rows].any(axis=1)]
    related[none, np.argmax(terms.related[term[none]], axis=1)] = True
    drawn = _action(ae, grade, subjects, rng)
    exposure, per_component = apply_actions(exposure, ae["subject"].to_numpy(),
                                            ae["start"].to_numpy(),
                                            _per_component(drawn, related, cfg), cfg)
    rank = pd.Series(np.arange(len(cat.ACTIONS)), index=list(cat.ACTIONS))
    worst = rank.reindex(per_component.ravel()).to_numpy().reshape(per_component.shape)
    ae = ae.assign(bodsys=terms.bodsys[term], serious=serious, outcome=outcome,
                   action=np.array(cat.ACTIONS, dtype=object)[worst.max(axis=1, initial=0)],
                   verbatim=terms.verbatim[terms.first_verbatim[term] + np.floor(
                       rng.random(n) * terms.n_verbatim[term]).astype(np.int64)])
    return ae, related, per_component, exposure


def _per_component(action: np.ndarray, related: np.ndarray, cfg: TrialConfig) -> np.ndarray:
    """The drawn action with each component: an interruption or reduction with the related
    components (all of them when none is), the others unchanged; withdrawal and "not
    applicable" with every component; a component never reduced is interrupted instead."""
    changes = np.isin(action, ["DRUG INTERRUPTED", "DOSE REDUCED"])
    affected = related | ~related.any(axis=1, keepdims=True)
    per = np.where(changes[:, None] & affected, action[:, None], "DOSE NOT CHANGED").astype(object)
    per[~changes] = action[~changes, None]
    for j, component in enumerate(cfg.study.components):
        if component.code in cat.NOT_REDUCED:
            per[per[:, j] == "DOSE REDUCED", j] = "DRUG INTERRUPTED"
    return per


def _by_grade(values: dict[int, Any], missing: str | float) -> np.ndarray:
    """A lookup array indexed by grade (0..5)."""
    kind = object if isinstance(missing, str) else float
    return np.array([values.get(g, missing) for g in range(6)], dtype=kind)


def _action(ae: pd.DataFrame, grade: np.ndarray, subjects: pd.DataFrame,
            rng: np.random.Generator) -> np.ndarray:
    """The action with study treatment: NOT APPLICABLE off treatment (before the first dose,
    after the stop); DRUG WITHDRAWN for the event that stopped treatment; otherwise drawn by
    grade."""
    s, start, kind = ae["subject"].to_numpy(), ae["start"].to_numpy(), ae["kind"].to_numpy()
    on = (start >= subjects["d0"].to_numpy()[s]) & (start < subjects["stop_day"].to_numpy()[s])
    action = np.full(len(ae), "NOT APPLICABLE", dtype=object)
    for g, shares in cat.ACTION_P.items():
        rows = on & (grade == g)
        action[rows] = choose(rng, shares, int(rows.sum()))
    died_on_treatment = subjects["eot_reason"].to_numpy()[s] == "DEATH"
    action[(kind == "stop") | ((kind == "fatal") & died_on_treatment)] = "DRUG WITHDRAWN"
    return action


def ae_frames(ae: pd.DataFrame, related: np.ndarray, action: np.ndarray, subjects: pd.DataFrame,
              cfg: TrialConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """AE and SUPPAE (per component: relatedness_qnam and action_qnam) as text; AEACN is the
    most severe of the components' actions."""
    s = ae["subject"].to_numpy()
    usubjid = subjects["USUBJID"].to_numpy()[s]
    seq = int_text(seq_within(s))
    grade = ae["grade"].to_numpy()
    any_related = related.any(axis=1) if related.shape[1] else np.zeros(len(ae), dtype=bool)
    frame = text_frame({
        "STUDYID": cfg.study.id, "DOMAIN": "AE", "USUBJID": usubjid, "AESEQ": seq,
        "AETERM": ae["verbatim"].to_numpy(), "AEDECOD": ae["decod"].to_numpy(),
        "AEBODSYS": ae["bodsys"].to_numpy(), "AETOXGR": grade.astype(str),
        "AESEV": _by_grade(cat.SEVERITY, "")[grade],
        "AESER": np.where(ae["serious"].to_numpy(), "Y", "N"),
        "AEACN": ae["action"].to_numpy(), "AEREL": np.where(any_related, "RELATED", "NOT RELATED"),
        "AEOUT": ae["outcome"].to_numpy(), "AESDTH": np.where(grade == 5, "Y", "N"),
        "AESTDTC": iso(ae["start"].to_numpy()), "AEENDTC": iso(ae["end"].to_numpy())},
        len(ae), AE_COLUMNS)
    parts = []
    components = cfg.study.components
    for j, component in enumerate(components):
        qualifiers = ((component.relatedness_qnam, f"Relationship to {component.label}",
                       np.where(related[:, j], "RELATED", "NOT RELATED"), j),
                      (component.action_qnam, f"Action Taken with {component.label}",
                       action[:, j], len(components) + j))
        for qnam, label, values, order in qualifiers:
            if qnam:
                parts.append(pd.DataFrame({
                    "USUBJID": usubjid, "IDVARVAL": seq, "QNAM": qnam, "QLABEL": label[:40],
                    "QVAL": shared_text(values), "row": np.arange(len(ae)), "order": order}))
    supp = (pd.concat(parts).sort_values(["row", "order"], kind="stable")
            if parts else pd.DataFrame(columns=["USUBJID", "IDVARVAL", "QNAM", "QLABEL", "QVAL"]))
    supp_frame = text_frame({
        "STUDYID": cfg.study.id, "RDOMAIN": "AE", "USUBJID": supp["USUBJID"].to_numpy(),
        "IDVAR": "AESEQ", "IDVARVAL": supp["IDVARVAL"].to_numpy(), "QNAM": supp["QNAM"].to_numpy(),
        "QLABEL": supp["QLABEL"].to_numpy(), "QVAL": supp["QVAL"].to_numpy(), "QORIG": "CRF",
        "QEVAL": "INVESTIGATOR"}, len(supp), SUPP_COLUMNS)
    return frame, supp_frame

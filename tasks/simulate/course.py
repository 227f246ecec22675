"""Each subject's course: consent, screening, baseline, latent outcome, end of treatment and study.

Days are day numbers (days since 1970-01-01, NEVER for what does not happen). The latent times
are drawn once for the whole history, so every cutoff of the same seed sees the same trial.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from tasks.config import Simulation, TrialConfig
from tasks.dates import DAYS_PER_MONTH
from tasks.errors import ConfigError
from tasks.simulate import catalogue as cat
from tasks.simulate.arrays import NEVER, choose, epoch_day, stream

LN2 = np.log(2.0)


def study_end(sim: Simulation) -> np.int64:
    """The last day of the simulated trial: end of enrolment + the follow-up period."""
    months = sim.enrolment_months + sim.follow_up_months
    return epoch_day(sim.first_enrolment) + np.int64(round(months * DAYS_PER_MONTH))


def _ramped(u: np.ndarray, period: float, ramp: float) -> np.ndarray:
    """Inverse CDF of an accrual density rising linearly over `ramp` days, then flat."""
    area = period - ramp / 2
    v = u * area
    return np.where(v <= ramp / 2, np.sqrt(2 * ramp * v), v + ramp / 2)


def enrol(cfg: TrialConfig, sim: Simulation, n: int, seed: int,
          numbered: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Consented subjects in consent order: site, number, screening outcome, demography,
    baseline characteristics. `numbered`: subjects each site has numbered already (a trial
    simulated in parts), whose numbers this one's follow."""
    if n < 1:
        raise ConfigError("simulation: the number of subjects must be at least 1")
    rng = stream(seed, "enrolment")
    if not sim.sites:
        raise ConfigError("simulation.sites: name at least one site")
    period = sim.enrolment_months * DAYS_PER_MONTH
    offset = _ramped(np.sort(rng.random(n)), period, cat.ENROLMENT_RAMP_SHARE * period)
    consent = epoch_day(sim.first_enrolment) + np.floor(offset).astype(np.int64)
    shares = rng.dirichlet(np.full(len(sim.sites), cat.SITE_CONCENTRATION))
    site = rng.choice(len(sim.sites), n, p=shares)
    number = pd.Series(site).groupby(site).cumcount().to_numpy() + 1
    if numbered:
        number += np.array([numbered.get(name, 0) for name in sim.sites], dtype=np.int64)[site]
    if number.max() > 9999:
        raise ConfigError("simulation: more than 9999 subjects at one site; name more sites")
    site_id = np.array(sim.sites, dtype=object)[site]
    subjid = site_id + "-" + pd.Series(number).map("{:04d}".format).to_numpy(dtype=object)
    sf = rng.random(n) < sim.screen_failure_rate
    to_dose = rng.integers(cat.SCREENING_DAYS[0], cat.SCREENING_DAYS[1] + 1, n)
    to_fail = rng.integers(cat.SCREEN_FAILURE_DAYS[0], cat.SCREEN_FAILURE_DAYS[1] + 1, n)
    not_treated = ~sf & (rng.random(n) < cat.NOT_TREATED_RATE)
    screening_end = np.where(sf, to_fail, to_dose)
    subjects = pd.DataFrame({
        "USUBJID": cfg.study.id + "-" + subjid, "SUBJID": subjid, "SITEID": site_id,
        "consent": consent,
        "screening": consent + np.floor(rng.random(n) * screening_end).astype(np.int64),
        "sf": sf, "sf_day": np.where(sf, consent + to_fail, NEVER),
        "enrolled": ~sf, "treated": ~sf & ~not_treated,
        "planned_d0": consent + to_dose,
        "d0": np.where(~sf & ~not_treated, consent + to_dose, NEVER),
    })
    subjects = _demography(subjects, rng)
    return _characteristics(subjects, rng)


def _demography(subjects: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(subjects)
    mean, sd, low, high = cat.AGE
    age = np.clip(np.round(rng.normal(mean, sd, n)), low, high).astype(np.int64)
    sex = np.where(rng.random(n) < cat.MALE_SHARE, "M", "F").astype(object)
    consent_year = subjects["consent"].to_numpy().astype("datetime64[D]").astype("datetime64[Y]")
    birth_year = consent_year.astype(np.int64) + 1970 - age - (rng.random(n) < 0.5)
    male = sex == "M"
    height = np.where(male, rng.normal(*cat.HEIGHT_CM["M"], n), rng.normal(*cat.HEIGHT_CM["F"], n))
    weight = np.where(male, rng.normal(*cat.WEIGHT_KG["M"], n), rng.normal(*cat.WEIGHT_KG["F"], n))
    return subjects.assign(AGE=age, SEX=sex, RACE=choose(rng, cat.RACE, n),
                           BRTHYR=birth_year, HEIGHT=np.round(height), WEIGHT=np.round(
                               np.clip(weight, 35, 120), 1))


def _characteristics(subjects: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Every catalogued baseline characteristic (also those the config does not report: the
    tumour depends on extrahepatic spread and vascular invasion), implied ones last."""
    n = len(subjects)
    for qnam, shares in cat.CHARACTERISTICS.items():
        subjects[qnam] = choose(rng, shares, n)
    for qnam, (yes, no, conditions) in cat.IMPLIED.items():
        holds = np.zeros(n, dtype=bool)
        for other, value in conditions.items():
            holds |= subjects[other].to_numpy() == value
        subjects[qnam] = np.where(holds, yes, no).astype(object)
    return subjects


@lru_cache(maxsize=16)
def _latent_medians(orr: float, pfs_months: float, os_months: float,
                    interval: int) -> tuple[float, float, float]:
    """Medians (days) of the non-responders' progression time, the responders' time after
    response, and survival after progression, such that PFS (seen at the next assessment, half
    an interval later on average) and OS have the configured medians. Fixed sample: the same
    values for every seed."""
    rng = np.random.default_rng(0)
    m = cat.CALIBRATION_DRAWS
    responder = rng.random(m) < orr
    onset = (rng.choice(np.arange(1, 4), m, p=cat.RESPONSE_ONSET_P) * interval
             + cat.RESPONDER_PD_AFTER_DAYS)
    e1, e2 = rng.exponential(size=(2, m))
    dies_first = rng.random(m) < cat.DEATH_BEFORE_PROGRESSION

    def latent(m0: float) -> np.ndarray:
        return np.where(responder, onset + e1 * cat.RESPONDER_PFS_RATIO * m0 / LN2, e1 * m0 / LN2)

    m0 = _bisect(lambda x: np.median(latent(x)) - (pfs_months * DAYS_PER_MONTH - interval / 2))
    pfs = latent(m0)
    mp = _bisect(lambda x: np.median(np.where(dies_first, pfs, pfs + e2 * x / LN2))
                 - os_months * DAYS_PER_MONTH)
    return m0, cat.RESPONDER_PFS_RATIO * m0, mp


def _bisect(f: Callable[[float], float], low: float = 1.0, high: float = 1e5) -> float:
    if f(low) >= 0:
        return low
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if f(mid) < 0 else (low, mid)
    return (low + high) / 2


def draw_outcome(subjects: pd.DataFrame, cfg: TrialConfig, sim: Simulation,
                 seed: int) -> pd.DataFrame:
    """Latent times: responder (CR), progression (days after first dose), death, stopping for
    toxicity or by choice, loss to follow-up."""
    n, rng = len(subjects), stream(seed, "outcome")
    interval = cfg.response.assessment_interval_days
    m0, m1, mp = _latent_medians(sim.true_orr, sim.median_pfs_months, sim.median_os_months,
                                 interval)
    responder = rng.random(n) < sim.true_orr
    onset = rng.choice(np.arange(1, 4), n, p=cat.RESPONSE_ONSET_P)
    e1, e2, e3, e4, e5 = rng.exponential(size=(5, n))
    progression = np.where(responder, onset * interval + cat.RESPONDER_PD_AFTER_DAYS
                           + e1 * m1 / LN2, e1 * m0 / LN2)
    dies_first = rng.random(n) < cat.DEATH_BEFORE_PROGRESSION
    survival = np.where(dies_first, progression, progression + e2 * mp / LN2)
    d0 = subjects["d0"].to_numpy()
    treated = subjects["treated"].to_numpy()

    def after_d0(days: np.ndarray) -> np.ndarray:
        return np.where(treated, d0 + 1 + np.floor(days).astype(np.int64), NEVER)

    return subjects.assign(
        responder=responder & treated, cr=responder & treated & (rng.random(n) < cat.CR_SHARE),
        onset=onset, progression=progression,
        death_latent=after_d0(survival),
        ae_stop=after_d0(e3 * cat.AE_STOP_MEDIAN_MONTHS * DAYS_PER_MONTH / LN2),
        withdraw=after_d0(e4 * cat.WITHDRAWAL_MEDIAN_MONTHS * DAYS_PER_MONTH / LN2),
        physician=rng.random(n) < cat.PHYSICIAN_DECISION_SHARE,
        consent_withdrawn=rng.random(n) < cat.CONSENT_WITHDRAWN_SHARE,
        lost_gap=np.floor(e5 * cat.LOST_MEDIAN_MONTHS * DAYS_PER_MONTH / LN2).astype(np.int64),
        u_death=rng.random(n), u_subsequent=rng.random(n), u_delay=rng.random(n))


def end_treatment(subjects: pd.DataFrame, pd_day: np.ndarray, end: np.int64) -> pd.DataFrame:
    """The first of progression seen, death, toxicity, withdrawal and study end stops treatment:
    `stop_day` (no dose on or after it), the end-of-treatment date `eot_day` and its reason."""
    death = subjects["death_latent"].to_numpy()
    withdraw = subjects["withdraw"].to_numpy()
    triggers = np.column_stack([pd_day, death, subjects["ae_stop"].to_numpy(), withdraw,
                                np.full(len(subjects), end)])
    first = np.argmin(triggers, axis=1)
    stop = triggers[np.arange(len(subjects)), first]
    low, high = cat.PD_STOP_DELAY_DAYS
    delay = np.where(first == 0, low + np.floor(subjects["u_delay"].to_numpy() * (high - low + 1)),
                     np.where(first == 2, np.floor(subjects["u_delay"].to_numpy() * 4), 0))
    by_choice = np.where(subjects["physician"], "PHYSICIAN DECISION", "WITHDRAWAL BY SUBJECT")
    reason = np.select([first == 0, first == 1, first == 2, first == 3],
                       ["PROGRESSIVE DISEASE", "DEATH", "ADVERSE EVENT", by_choice], "COMPLETED")
    treated = subjects["treated"].to_numpy()
    eot = np.minimum(stop + delay.astype(np.int64), np.minimum(death, end))
    return subjects.assign(stop_day=np.where(treated, stop, NEVER),
                           eot_day=np.where(treated, eot, NEVER),
                           eot_reason=np.where(treated, reason, "").astype(object))


def follow_up(subjects: pd.DataFrame, pd_day: np.ndarray, end: np.int64,
              seed: int) -> pd.DataFrame:
    """End of study (death, consent withdrawn, lost, completed), recorded death and its cause,
    and a new anticancer therapy after treatment (which ends tumour follow-up). Needs
    `last_dose` (an AE causes death only near treatment)."""
    rng = stream(seed, "course")
    n = len(subjects)
    s = {c: subjects[c].to_numpy() for c in ("treated", "enrolled", "eot_day", "eot_reason",
                                              "death_latent", "lost_gap", "planned_d0")}
    treated = s["treated"]
    leaves = (treated & (s["eot_reason"] == "WITHDRAWAL BY SUBJECT")
              & subjects["consent_withdrawn"].to_numpy())
    options = np.column_stack([
        s["death_latent"], np.where(leaves, s["eot_day"], NEVER),
        np.where(treated, s["eot_day"] + cat.LOST_AFTER_DAYS + s["lost_gap"], NEVER),
        np.full(n, end)])
    first = np.argmin(options, axis=1)
    eos = options[np.arange(n), first]
    reason = np.select([first == 0, first == 1, first == 2],
                       ["DEATH", "WITHDRAWAL BY SUBJECT", "LOST TO FOLLOW-UP"], "COMPLETED")
    untreated = s["enrolled"] & ~treated
    eos = np.where(untreated, s["planned_d0"], np.where(s["enrolled"], eos, NEVER))
    reason = np.where(untreated, "WITHDRAWAL BY SUBJECT", np.where(s["enrolled"], reason, ""))
    death = np.where(treated & (first == 0), s["death_latent"], NEVER)

    # a new therapy: after progression, or after stopping for another reason (before any PD)
    low, high = cat.SUBSEQUENT_DELAY_DAYS
    delay = rng.integers(low, high + 1, n)
    other_stop = np.isin(s["eot_reason"], ["ADVERSE EVENT", "PHYSICIAN DECISION",
                                           "WITHDRAWAL BY SUBJECT"]) & ~leaves
    u = subjects["u_subsequent"].to_numpy()
    early = np.where(other_stop & (u < cat.SUBSEQUENT_AFTER_OTHER_STOP)
                     & (s["eot_day"] + delay < pd_day), s["eot_day"] + delay, NEVER)
    seen = np.where((pd_day < early) & (pd_day <= eos) & (pd_day < death), pd_day, NEVER)
    later = np.where((seen < NEVER) & (u < cat.SUBSEQUENT_AFTER_PD), seen + delay, NEVER)
    new_tx = np.minimum(early, later)
    new_tx = np.where((new_tx < eos) & (new_tx < death), new_tx, NEVER)
    subjects = subjects.assign(eos_day=eos, eos_reason=reason.astype(object), death_day=death,
                               pd_seen=seen, new_tx=new_tx,
                               new_tx_drug=choose(rng, cat.SUBSEQUENT_DRUGS, n))
    return _death_cause(subjects, rng)


def _death_cause(subjects: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """DISEASE PROGRESSION mostly; an AE (a fatal AE is recorded) only near treatment; other."""
    n = len(subjects)
    death = subjects["death_day"].to_numpy()
    after_pd = subjects["pd_seen"].to_numpy() < NEVER
    p_ae = np.where(after_pd, cat.AE_DEATH_SHARE["after_pd"], cat.AE_DEATH_SHARE["without_pd"])
    p_other = np.where(after_pd, cat.OTHER_DEATH_SHARE["after_pd"],
                       cat.OTHER_DEATH_SHARE["without_pd"])
    near = death <= subjects["last_dose"].to_numpy() + cat.AE_DEATH_WINDOW_DAYS
    u = subjects["u_death"].to_numpy()
    kind = np.select([death >= NEVER, (u < p_ae) & near, u > 1 - p_other],
                     ["", "ADVERSE EVENT", "OTHER"], cat.DEATH_BY_PROGRESSION)
    fatal_term = choose(rng, {term: share for term, (_, share, _) in cat.FATAL_TERMS.items()}, n)
    others = np.array(cat.OTHER_DEATH_TERMS, dtype=object)
    other = others[rng.integers(0, len(others), n)]
    term = np.select([kind == "ADVERSE EVENT", kind == "OTHER", kind == ""],
                     [fatal_term, other, ""], cat.DEATH_BY_PROGRESSION)
    return subjects.assign(death_kind=kind.astype(object), death_term=term.astype(object))

"""Liver panel and AFP (LB) at every visit that draws blood.

A cirrhotic baseline (transaminases and ALP often above the normal range, platelets low;
lower albumin and higher bilirubin in Child-Pugh B), visit-to-visit noise, a transaminase rise
and platelet fall a week after each HAIC dose, grade 2-3 transaminase episodes in some subjects,
ALT/AST in the CTCAE band of each immune-mediated hepatitis AE while it lasts, AFP falling in
responders and rising in the others, bilirubin kept under 2 x ULN except in rare potential Hy's
law cases. LBBLFL marks the last value on or before the first dose. `lab_values` gives the
numbers (lab-type AEs are made from them: tasks.simulate.lab_events), `lb_frame` the LB text.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tasks.config import TrialConfig
from tasks.dates import DAYS_PER_MONTH
from tasks.errors import ConfigError
from tasks.simulate import catalogue as cat
from tasks.simulate.arrays import int_text, iso, number_text, ragged, seq_within, stream, text_frame

PANEL_ONLY_VISITS = ("course", "extra")     # liver-panel days between day-1 visits
LB_COLUMNS = ["STUDYID", "DOMAIN", "USUBJID", "LBSEQ", "LBTESTCD", "LBTEST", "LBCAT", "LBORRES",
              "LBORRESU", "LBORNRLO", "LBORNRHI", "LBSTRESC", "LBSTRESN", "LBSTRESU", "LBSTNRLO",
              "LBSTNRHI", "LBBLFL", "VISITNUM", "VISIT", "LBDTC"]


def lab_tests(cfg: TrialConfig) -> list[str]:
    """The configured liver tests, then the configured baseline labs (AFP), once each."""
    codes = list(dict.fromkeys([*cfg.labs.liver_tests.values(),
                                *(b.lbtestcd for b in cfg.baseline.labs)]))
    unknown = [c for c in codes if c not in cat.LAB_TESTS]
    if unknown:
        raise ConfigError(f"simulation: no simulated values for lab test(s) {', '.join(unknown)}")
    return codes


def _values(rows: pd.DataFrame, codes: list[str], subjects: pd.DataFrame, n_subjects: int,
            hepatitis: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    tests = [cat.LAB_TESTS[c] for c in codes]
    test = rows["test"].to_numpy()
    s = rows["subject"].to_numpy()
    code = np.array(codes, dtype=object)[test]
    median = np.array([t.median for t in tests])[test]
    log_sd = np.array([t.log_sd for t in tests])
    noise = np.array([t.noise for t in tests])[test]
    high = np.array([t.high for t in tests])[test]
    level = np.exp(rng.standard_normal((n_subjects, len(codes))) * log_sd)
    child_pugh_b = subjects["CHILDPUG"].to_numpy() == "B"
    for j, c in enumerate(codes):
        level[child_pugh_b, j] *= cat.CHILD_PUGH_B_LEVEL.get(c, 1.0)
    value = median * level[s, test] * np.exp(noise * rng.standard_normal(len(rows)))
    months = np.maximum(rows["day"].to_numpy() - subjects["d0"].to_numpy()[s], 0) / DAYS_PER_MONTH
    course = rows["kind"].to_numpy() == "course"
    transaminase = np.isin(code, cat.TRANSAMINASES)
    rise = rng.uniform(*cat.COURSE_DAY8_TRANSAMINASE_RISE, len(rows))
    fall = rng.uniform(*cat.COURSE_DAY8_PLATELET_FALL, len(rows))
    value *= np.where(course & transaminase, rise, 1)
    value *= np.where(course & (code == cat.PLATELETS), fall, 1)
    value *= np.where(code == cat.ALBUMIN, np.exp(cat.ALBUMIN_DRIFT_PER_MONTH * months), 1)
    responder = subjects["responder"].to_numpy()
    slope = np.where(responder, rng.uniform(*cat.AFP_SLOPE_PER_MONTH["responder"], n_subjects),
                     rng.uniform(*cat.AFP_SLOPE_PER_MONTH["other"], n_subjects))
    afp = code == cat.TUMOUR_MARKER
    value = np.where(afp, np.maximum(value * np.exp(slope[s] * months), cat.AFP_FLOOR), value)
    value = _hepatitis(rows, value, transaminase, high, n_subjects, rng)
    value = _immune_hepatitis(rows, value, transaminase, high, hepatitis, rng)
    bili = code == cat.BILIRUBIN
    cap = high * rng.uniform(*cat.BILIRUBIN_CAP_ULN, len(rows))
    value = np.where(bili, np.minimum(value, cap), value)
    return _hys_law(rows, value, code, high, subjects, rng)


def _post_baseline_position(rows: pd.DataFrame, n_subjects: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row: 0-based position among its subject's post-baseline lab visits (-1 at baseline),
    and per subject the number of such visits."""
    post = rows["post"].to_numpy()
    visit_key = rows["visit_row"].to_numpy()
    first_test = rows["test"].to_numpy() == 0
    s = rows["subject"].to_numpy()
    counts = np.bincount(s[post & first_test], minlength=n_subjects)
    order = np.full(visit_key.max() + 1 if len(visit_key) else 0, -1)
    vis = visit_key[post & first_test]
    order[vis] = seq_within(s[post & first_test]) - 1
    return np.where(post, order[visit_key], -1), counts


def _hepatitis(rows: pd.DataFrame, value: np.ndarray, transaminase: np.ndarray,
               high: np.ndarray, n_subjects: int, rng: np.random.Generator) -> np.ndarray:
    """A run of 1-3 post-baseline visits with ALT/AST at 3-9 x ULN in some subjects."""
    position, counts = _post_baseline_position(rows, n_subjects)
    has = (rng.random(n_subjects) < cat.HEPATITIS_EPISODE_P) & (counts > 0)
    start = np.floor(rng.random(n_subjects) * counts).astype(np.int64)
    length = rng.integers(cat.HEPATITIS_VISITS[0], cat.HEPATITIS_VISITS[1] + 1, n_subjects)
    peak = rng.uniform(*cat.HEPATITIS_PEAK_ULN, n_subjects)
    s = rows["subject"].to_numpy()
    inside = has[s] & (position >= start[s]) & (position < start[s] + length[s]) & transaminase
    level = high * peak[s] * rng.uniform(0.8, 1.2, len(rows))
    return np.where(inside, np.maximum(value, level), value)


def _immune_hepatitis(rows: pd.DataFrame, value: np.ndarray, transaminase: np.ndarray,
                      high: np.ndarray, hepatitis: pd.DataFrame,
                      rng: np.random.Generator) -> np.ndarray:
    """ALT/AST in the CTCAE band of the grade of each immune-mediated hepatitis AE (subject,
    start, end, grade) at the visits from its onset to its end (an ongoing one: to
    IMMUNE_HEPATITIS_OPEN_DAYS after onset)."""
    if hepatitis.empty:
        return value
    s, day = rows["subject"].to_numpy(), rows["day"].to_numpy()
    start = hepatitis["start"].to_numpy()
    end = np.minimum(hepatitis["end"].to_numpy(), start + cat.IMMUNE_HEPATITIS_OPEN_DAYS)
    pair = pd.DataFrame({"row": np.arange(len(rows)), "subject": s}).merge(
        pd.DataFrame({"subject": hepatitis["subject"].to_numpy(),
                      "event": np.arange(len(hepatitis))}),
        on="subject")
    row, event = pair["row"].to_numpy(), pair["event"].to_numpy()
    inside = transaminase[row] & (day[row] >= start[event]) & (day[row] <= end[event])
    row, event = row[inside], event[inside]
    band = np.array([cat.IMMUNE_HEPATITIS_ULN[g] for g in hepatitis["grade"].to_numpy()[event]])
    level = high[row] * rng.uniform(band[:, 0], band[:, 1]) if len(row) else np.zeros(0)
    out = value.copy()
    np.maximum.at(out, row, level)
    return out


def _hys_law(rows: pd.DataFrame, value: np.ndarray, code: np.ndarray, high: np.ndarray,
             subjects: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """A few subjects with ALT/AST > 3 x ULN and bilirubin > 2 x ULN at one visit."""
    position, counts = _post_baseline_position(rows, len(subjects))
    candidates = np.flatnonzero(subjects["treated"].to_numpy() & (counts >= 2))
    k = min(int(round(subjects["treated"].sum() * cat.HYS_LAW_PER_SUBJECT)), len(candidates))
    cases = rng.choice(candidates, k, replace=False) if k else np.array([], dtype=np.int64)
    at = np.full(len(subjects), -2)
    at[cases] = np.floor(rng.random(k) * counts[cases]).astype(np.int64)
    s = rows["subject"].to_numpy()
    hit = position == at[s]
    alt = high * rng.uniform(*cat.HYS_LAW_ALT_ULN, len(rows))
    bili = high * rng.uniform(*cat.HYS_LAW_BILI_ULN, len(rows))
    value = np.where(hit & np.isin(code, cat.TRANSAMINASES), alt, value)
    return np.where(hit & (code == cat.BILIRUBIN), bili, value)


def lab_values(visits: pd.DataFrame, subjects: pd.DataFrame, cfg: TrialConfig, seed: int,
               hepatitis: pd.DataFrame) -> pd.DataFrame:
    """Every lab visit x every test as numbers rounded as reported: subject, day, visit,
    visitnum, code (LBTESTCD), value, low, high, post (after the first dose), baseline (LBBLFL);
    `hepatitis`: the immune-mediated hepatitis AEs (subject, start, end, grade)."""
    rng = stream(seed, "labs")
    codes = lab_tests(cfg)
    drawn = visits[visits["labs"].to_numpy()].reset_index(drop=True)
    visit_row, test = ragged(np.full(len(drawn), len(codes)))
    rows = drawn.iloc[visit_row].reset_index(drop=True).assign(test=test, visit_row=visit_row)
    marker_only_in_full_panel = (np.array(codes, dtype=object)[test] == cat.TUMOUR_MARKER) & (
        rows["kind"].isin(PANEL_ONLY_VISITS).to_numpy())
    rows = rows[~marker_only_in_full_panel].reset_index(drop=True)
    test = rows["test"].to_numpy()
    d0 = subjects["d0"].to_numpy()[rows["subject"].to_numpy()]
    rows["post"] = rows["day"].to_numpy() > d0
    value = _values(rows, codes, subjects, len(subjects), hepatitis, rng)
    tests = [cat.LAB_TESTS[c] for c in codes]
    decimals = np.array([t.decimals for t in tests])[test]
    s = rows["subject"].to_numpy()
    pre = (rows["day"].to_numpy() <= d0) & subjects["treated"].to_numpy()[s]
    last_pre = pd.Series(np.where(pre, rows["day"].to_numpy(), -1)).groupby(s).transform("max")
    return pd.DataFrame({
        "subject": s, "day": rows["day"].to_numpy(), "visit": rows["visit"].to_numpy(),
        "visitnum": rows["visitnum"].to_numpy(), "code": np.array(codes, dtype=object)[test],
        "value": np.where(decimals == 0, np.maximum(np.round(value), 1), np.round(value, 1)),
        "decimals": decimals, "low": np.array([t.low for t in tests])[test],
        "high": np.array([t.high for t in tests])[test], "post": rows["post"].to_numpy(),
        "baseline": pre & (rows["day"].to_numpy() == last_pre.to_numpy())})


def lb_frame(labs: pd.DataFrame, subjects: pd.DataFrame, cfg: TrialConfig) -> pd.DataFrame:
    """LB as text: the values of lab_values() with units, normal ranges and the baseline flag."""
    code = labs["code"].to_numpy()
    tests = {c: cat.LAB_TESTS[c] for c in np.unique(code)}
    decimals = labs["decimals"].to_numpy()
    text = np.empty(len(labs), dtype=object)
    for places in np.unique(decimals):
        text[decimals == places] = number_text(labs["value"].to_numpy()[decimals == places],
                                               int(places))
    low, high = number_text(labs["low"].to_numpy()), number_text(labs["high"].to_numpy())
    unit = pd.Series(code).map({c: t.unit for c, t in tests.items()}).to_numpy(dtype=object)
    s = labs["subject"].to_numpy()
    return text_frame({
        "STUDYID": cfg.study.id, "DOMAIN": "LB", "USUBJID": subjects["USUBJID"].to_numpy()[s],
        "LBSEQ": int_text(seq_within(s)), "LBTESTCD": code,
        "LBTEST": pd.Series(code).map({c: t.name for c, t in tests.items()}).to_numpy(dtype=object),
        "LBCAT": pd.Series(code).map({c: t.category for c, t in tests.items()})
        .to_numpy(dtype=object),
        "LBORRES": text, "LBORRESU": unit, "LBORNRLO": low, "LBORNRHI": high,
        "LBSTRESC": text, "LBSTRESN": text, "LBSTRESU": unit, "LBSTNRLO": low, "LBSTNRHI": high,
        "LBBLFL": np.where(labs["baseline"].to_numpy(), "Y", ""),
        "VISITNUM": labs["visitnum"].to_numpy(), "VISIT": labs["visit"].to_numpy(),
        "LBDTC": iso(labs["day"].to_numpy())}, len(labs), LB_COLUMNS)

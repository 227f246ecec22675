"""Kaplan-Meier summaries as R survival reports them: quantiles with Brookmeyer-Crowley log-log
CIs, landmark rates, number at risk, reverse-KM follow-up (lifelines draws the curve)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from numpy.typing import ArrayLike
from scipy.stats import norm

from tasks.dates import DAYS_PER_MONTH
from tasks.errors import BadInputError

# R survival's quantile.survfit tolerance: S(t) within this of 1 - p counts as exactly 1 - p.
R_TOLERANCE = float(np.sqrt(np.finfo(float).eps))
QUARTILES = (0.25, 0.5, 0.75)


@dataclass(frozen=True)
class Quantile:
    """The time by which a fraction `prob` had the event; None where R says NA (not reached)."""
    prob: float
    estimate: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class Landmark:
    """S(t) at a landmark with its Greenwood log-log CI; all None after the last observation."""
    time: float
    n_risk: int
    surv: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class KMSummary:
    """One endpoint's Kaplan-Meier summary; every time in months (days / 30.4375)."""
    n: int
    events: int
    censored: int
    conf_level: float
    median: Quantile
    q1: Quantile
    q3: Quantile
    landmarks: tuple[Landmark, ...]
    follow_up: Quantile          # reverse Kaplan-Meier median follow-up


# times and event indicators: any array-like of numbers (lists, arrays, Series)
def _check(time: ArrayLike, event: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    if t.shape != e.shape:
        raise BadInputError(f"Kaplan-Meier: {t.size} times but {e.size} event indicators")
    if np.isnan(t).any() or (t < 0).any():
        raise BadInputError(f"Kaplan-Meier: {int((np.isnan(t) | (t < 0)).sum())} times missing or "
                            "negative")
    if not np.isin(e, (0, 1)).all():
        raise BadInputError("Kaplan-Meier: event indicators must be 0 (censored) or 1 (event)")
    return t, e.astype(bool)


def km_table(time: ArrayLike, event: ArrayLike,
             conf_level: float = 0.95) -> pd.DataFrame:
    """The product-limit estimate at every distinct observed time, as R survfit holds it: n_risk,
    n_event, n_censor, surv, std_err (of log S, Greenwood), and the log-log limits lower/upper
    (NaN where S is 0 or 1, as R gives NA)."""
    t, e = _check(time, event)
    times, inverse = np.unique(t, return_inverse=True)
    n_event = np.bincount(inverse, weights=e, minlength=times.size)
    n_total = np.bincount(inverse, minlength=times.size).astype(float)
    n_risk = t.size - (np.cumsum(n_total) - n_total)
    surv = np.cumprod(1.0 - n_event / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        std_err = np.sqrt(np.cumsum(n_event / (n_risk * (n_risk - n_event))))
        log_s = np.log(np.where((surv > 0) & (surv < 1), surv, np.nan))
        z = norm.ppf(1 - (1 - conf_level) / 2)
        spread = z * std_err / log_s
        lower = np.exp(-np.exp(np.log(-log_s) - spread))
        upper = np.exp(-np.exp(np.log(-log_s) + spread))
    return pd.DataFrame({"time": times, "n_risk": n_risk.astype(int),
                         "n_event": n_event.astype(int),
                         "n_censor": (n_total - n_event).astype(int), "surv": surv,
                         "std_err": std_err, "lower": lower, "upper": upper})


def _first_reaching(y: np.ndarray, index: np.ndarray, p: np.ndarray) -> np.ndarray:
    """R approx(y, index, p, method="constant", f=1): the index of the first y >= p, NaN when p is
    outside the range of y (pairs with a missing y are left out, as approx does)."""
    keep = ~np.isnan(y)
    y, index = y[keep], index[keep]
    order = np.argsort(y, kind="stable")
    y, index = y[order], index[order]
    position = np.searchsorted(y, p, side="left")
    inside = (p >= y[0]) & (p <= y[-1])
    return np.where(inside, index[np.minimum(position, y.size - 1)], np.nan)


def _findq(x: np.ndarray, y: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """R survival's findq: the time where the cumulative incidence y first reaches each p; where
    y equals p over an interval, the midpoint of that interval (so 1..10 all events gives 5.5)."""
    if np.nanmax(y) < probs.min():
        return np.full(probs.size, np.nan)
    x_max = x[-1]
    distinct = ~pd.Series(y).duplicated().to_numpy()
    x, y = x[distinct], y[distinct]
    index = np.arange(y.size, dtype=float)
    first = _first_reaching(y + R_TOLERANCE, index, probs)
    after = _first_reaching(y - R_TOLERANCE, index, probs)

    def at(i: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(i), np.nan, x[np.nan_to_num(i).astype(int)])

    quant = (at(first) + at(after)) / 2
    if not np.isnan(y[-1]):
        # The curve ends exactly at 1 - p: the interval runs to the last observation.
        last = np.abs(probs - y[-1]) < R_TOLERANCE
        quant = np.where(last, (at(first) + x_max) / 2, quant)
    return quant


def _none(value: float) -> float | None:
    return None if value is None or np.isnan(value) else float(value)


def km_quantiles(table: pd.DataFrame, probs: Sequence[float] = QUARTILES) -> list[Quantile]:
    """Quantiles of the survival time with Brookmeyer-Crowley limits (where the CI band of S
    crosses 1 - p), exactly as R quantile(survfit(..., conf.type = "log-log"))."""
    p = np.asarray(probs, dtype=float)
    x = np.concatenate(([0.0], table["time"].to_numpy(float)))

    def cross(curve: str) -> np.ndarray:
        return _findq(x, np.concatenate(([0.0], 1.0 - table[curve].to_numpy(float))), p)

    estimate, low, high = cross("surv"), cross("lower"), cross("upper")
    return [Quantile(float(p[i]), _none(estimate[i]), _none(low[i]), _none(high[i]))
            for i in range(p.size)]


def number_at_risk(time: ArrayLike, at: ArrayLike) -> np.ndarray:
    """Subjects still under observation at each time (observed time >= t)."""
    ordered = np.sort(np.asarray(time, dtype=float))
    return ordered.size - np.searchsorted(ordered, np.asarray(at, dtype=float), side="left")


def km_landmarks(table: pd.DataFrame, times: Sequence[float]) -> list[Landmark]:
    """S(t) with its limits as R summary(fit, times = t): the estimate at the last observed time
    <= t; S = 1 with limits 1 before the first observation; None after the last observation."""
    out = []
    observed = table["time"].to_numpy(float)
    for t in np.asarray(times, dtype=float):
        if observed.size == 0 or t > observed[-1]:
            out.append(Landmark(float(t), 0, None, None, None))
            continue
        n_risk = int(table["n_risk"].iloc[np.searchsorted(observed, t, side="left")])
        row = np.searchsorted(observed, t, side="right") - 1
        if row < 0:
            out.append(Landmark(float(t), n_risk, 1.0, 1.0, 1.0))
            continue
        rec = table.iloc[row]
        out.append(Landmark(float(t), n_risk, float(rec["surv"]), _none(rec["lower"]),
                            _none(rec["upper"])))
    return out


def _scaled(q: Quantile, scale: float) -> Quantile:
    def s(v: float | None) -> float | None:
        return None if v is None else v / scale
    return Quantile(q.prob, s(q.estimate), s(q.ci_low), s(q.ci_high))


def km_summary(time_days: ArrayLike, event: ArrayLike,
               landmarks_months: Sequence[float], conf_level: float = 0.95) -> KMSummary:
    """Median and quartiles (Brookmeyer-Crowley, log-log), landmark rates and the reverse-KM
    median follow-up of one endpoint; times in days in, months out."""
    t, e = _check(time_days, event)
    table = km_table(t, e, conf_level)
    q1, median, q3 = (_scaled(q, DAYS_PER_MONTH) for q in km_quantiles(table, QUARTILES))
    follow_up = _scaled(km_quantiles(km_table(t, ~e, conf_level), (0.5,))[0], DAYS_PER_MONTH)
    marks = tuple(Landmark(lm.time / DAYS_PER_MONTH, lm.n_risk, lm.surv, lm.ci_low, lm.ci_high)
                  for lm in km_landmarks(table, [m * DAYS_PER_MONTH for m in landmarks_months]))
    return KMSummary(n=int(t.size), events=int(e.sum()), censored=int((~e).sum()),
                     conf_level=conf_level, median=median, q1=q1, q3=q3,
                     landmarks=marks, follow_up=follow_up)


def km_curve(time: ArrayLike, event: ArrayLike,
             conf_level: float = 0.95) -> pd.DataFrame:
    """The step curve for a figure (lifelines, exponential Greenwood band): time, surv, lower,
    upper from time 0, plus n_risk/n_event/n_censor at each time."""
    t, e = _check(time, event)
    if t.size == 0:
        return pd.DataFrame(columns=["time", "n_risk", "n_event", "n_censor", "surv", "lower",
                                     "upper"])
    fitter = KaplanMeierFitter(alpha=1 - conf_level).fit(t, e)
    band = fitter.confidence_interval_survival_function_
    events = fitter.event_table
    return pd.DataFrame({
        "time": fitter.survival_function_.index.to_numpy(float),
        "n_risk": events["at_risk"].to_numpy(int),
        "n_event": events["observed"].to_numpy(int),
        "n_censor": events["censored"].to_numpy(int),
        "surv": fitter.survival_function_.iloc[:, 0].to_numpy(float),
        "lower": band.iloc[:, 0].to_numpy(float),
        "upper": band.iloc[:, 1].to_numpy(float),
    })

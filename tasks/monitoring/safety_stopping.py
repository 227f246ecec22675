"""Bayesian safety stopping: posterior Beta(a + t, b + m - t) of a toxicity rate and its
boundary."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import beta

from tasks.results.verdict import Verdict


@dataclass(frozen=True)
class SafetyResult:
    """t events in m assessable subjects: P(rate > threshold | data), the smallest t that would
    cross at this m (None when no t <= m would), and the verdict."""
    t: int
    m: int
    posterior_prob: float
    boundary_t: int | None
    verdict: Verdict


def exceedance_probability(t: np.ndarray | int, m: np.ndarray | int, threshold: float,
                           a: float, b: float) -> np.ndarray | float:
    """P(rate > threshold | t events in m) under the posterior Beta(a + t, b + m - t)."""
    return beta.sf(threshold, a + np.asarray(t), b + np.asarray(m) - np.asarray(t))


def boundary_table(n: int, threshold: float, cutoff: float, a: float, b: float) -> pd.DataFrame:
    """For m = 1..n: the smallest t whose P(rate > threshold) exceeds `cutoff` (`boundary_t`,
    missing when no t <= m crosses), and that probability (`posterior_prob_at_boundary`).
    P(rate > threshold) rises with t, so a bisection over t runs for all m at once."""
    m = np.arange(1, n + 1)
    # answer in [low, high]; m + 1 = none
    low, high = np.zeros(n, dtype=int), m + 1
    while (low < high).any():
        mid = (low + high) // 2
        crosses = exceedance_probability(np.minimum(mid, m), m, threshold, a, b) > cutoff
        crosses &= mid <= m
        high = np.where(crosses & (low < high), mid, high)
        low = np.where(~crosses & (low < high), mid + 1, low)
    found = low <= m
    return pd.DataFrame({
        "m": m,
        "boundary_t": pd.Series(low, dtype="Int64").mask(~found),
        "posterior_prob_at_boundary": np.where(
            found, exceedance_probability(np.minimum(low, m), m, threshold, a, b), np.nan),
    })


def safety_boundary(m: int, threshold: float, cutoff: float, a: float, b: float) -> int | None:
    """The smallest number of events t (0..m) in m subjects that crosses the boundary, or None."""
    t = np.arange(m + 1)
    crossing = np.flatnonzero(exceedance_probability(t, m, threshold, a, b) > cutoff)
    return int(crossing[0]) if crossing.size else None


def evaluate_safety(t: int, m: int, threshold: float, cutoff: float, a: float,
                    b: float) -> SafetyResult:
    """SAFETY BOUNDARY CROSSED when P(rate > threshold | t, m) > cutoff, else CONTINUE."""
    if not 0 <= t <= m:
        raise ValueError(f"safety stopping needs 0 <= t <= m (t={t}, m={m})")
    prob = float(exceedance_probability(t, m, threshold, a, b))
    return SafetyResult(t=t, m=m, posterior_prob=prob,
                        boundary_t=safety_boundary(m, threshold, cutoff, a, b),
                        verdict=Verdict.SAFETY_BOUNDARY_CROSSED if prob > cutoff
                        else Verdict.CONTINUE)

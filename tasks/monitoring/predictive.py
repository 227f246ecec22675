"""Bayesian predictive probability of success for a single-arm response rate (Lee & Liu 2008)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import beta, betabinom

from tasks.stats.probability import clamp

CREDIBLE_LEVEL = 0.95


@dataclass(frozen=True)
class PPResult:
    """Predictive probability after x responses in m subjects, n_max planned.
    `table`: one row per possible number y of future responses among the n_max - m still to come,
    with its predictive probability (beta-binomial), the posterior P(p > p0) at the end
    (`posterior_prob`) and whether that would be a success (> theta_t)."""
    x: int
    m: int
    n_max: int
    p0: float
    theta_t: float
    pp: float
    posterior_mean: float
    ci_low: float
    ci_high: float
    table: pd.DataFrame


def posterior_summary(x: int, m: int, prior_a: float, prior_b: float) -> tuple[float, float, float]:
    """Mean and equal-tailed 95% credible interval of the posterior Beta(a + x, b + m - x)."""
    a, b = prior_a + x, prior_b + m - x
    tail = (1.0 - CREDIBLE_LEVEL) / 2
    return float(a / (a + b)), float(beta.ppf(tail, a, b)), float(beta.ppf(1 - tail, a, b))


def predictive_probability(x: int, m: int, n_max: int, p0: float, theta_t: float,
                           prior_a: float, prior_b: float) -> PPResult:
    """PP = sum over y = 0..n_max - m of P(Y = y | x) * 1[P(p > p0 | x + y, n_max) > theta_t],
    Y ~ BetaBinomial(n_max - m, a + x, b + m - x): the probability that the trial, continued to
    n_max subjects, ends with a posterior probability above theta_t that the rate exceeds p0."""
    if not 0 <= x <= m <= n_max:
        raise ValueError(f"predictive probability needs 0 <= x <= m <= n_max (x={x}, m={m}, "
                         f"n_max={n_max})")
    remaining = n_max - m
    y = np.arange(remaining + 1)
    predictive = betabinom.pmf(y, remaining, prior_a + x, prior_b + m - x)
    final_prob = beta.sf(p0, prior_a + x + y, prior_b + n_max - x - y)
    success = final_prob > theta_t
    table = pd.DataFrame({"y": y, "predictive_prob": predictive,
                          "posterior_prob": final_prob, "success": success})
    mean, low, high = posterior_summary(x, m, prior_a, prior_b)
    return PPResult(x=x, m=m, n_max=n_max, p0=p0, theta_t=theta_t,
                    pp=clamp(predictive[success].sum()), posterior_mean=mean,
                    ci_low=low, ci_high=high, table=table)

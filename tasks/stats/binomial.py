"""Response rates with the exact (Clopper-Pearson) confidence interval."""
from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import beta


def clopper_pearson(k: int, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Exact two-sided interval for k successes in n trials: the beta quantiles, with the limit
    fixed at 0 when k = 0 and at 1 when k = n (where the beta distribution is undefined)."""
    if n <= 0:
        raise ValueError(f"Clopper-Pearson interval needs n >= 1 (got n={n})")
    if not 0 <= k <= n:
        raise ValueError(f"Clopper-Pearson interval needs 0 <= k <= n (got k={k}, n={n})")
    if not 0 < conf < 1:
        raise ValueError(f"confidence level must be between 0 and 1 (got {conf})")
    alpha = 1.0 - conf
    low = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return low, high


@dataclass(frozen=True)
class Proportion:
    """k of n with its exact interval; rate and limits are None when n = 0."""
    n: int
    responders: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None


def binomial_summary(k: int, n: int, conf: float = 0.95) -> Proportion:
    k, n = int(k), int(n)
    if n == 0:
        return Proportion(0, k, None, None, None)
    low, high = clopper_pearson(k, n, conf)
    return Proportion(n, k, k / n, low, high)

"""Agreement of two raters on one categorical scale: Cohen's (unweighted) kappa."""
from __future__ import annotations

import pandas as pd


def cohen_kappa(first: pd.Series, second: pd.Series) -> float | None:
    """(p_o - p_e) / (1 - p_e): observed agreement p_o against the agreement p_e expected from
    each rater's marginal shares. None without subjects, or when p_e = 1 (both raters put every
    subject in one and the same category: kappa is undefined)."""
    n = len(first)
    if n == 0:
        return None
    a, b = first.reset_index(drop=True), second.reset_index(drop=True)
    observed = float((a == b).mean())
    shares_a, shares_b = a.value_counts(normalize=True), b.value_counts(normalize=True)
    expected = float((shares_a * shares_b.reindex(shares_a.index, fill_value=0.0)).sum())
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)

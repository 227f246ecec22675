"""Simon (1989) two-stage designs: exact optimal and minimax search, and operating characteristics.

Stage 1 treats n1 subjects and stops for futility when responses <= r1; otherwise the trial goes
on to n subjects and the regimen is declared promising when responses > r. For each total n the
search is one set of array operations over (n1, r1, r) on exact binomial tables: no normal
approximation and no Python loop below n.
"""
from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np
from scipy.stats import binom

from tasks.errors import ConfigError
from tasks.stats.probability import clamp

# Exact probabilities are compared with alpha and 1 - beta; this absorbs summation round-off only.
_TOLERANCE = 1e-12

DESIGN_KEYS = ("r1", "n1", "r", "n", "en0", "pet0", "alpha", "power")


class TwoStageDesign(Protocol):
    """Anything with the four boundaries (tasks.config.SimonDesign, or a search result's fields)."""
    @property
    def r1(self) -> int: ...
    @property
    def n1(self) -> int: ...
    @property
    def r(self) -> int: ...
    @property
    def n(self) -> int: ...


class Boundaries(NamedTuple):
    """The four numbers of a two-stage design."""
    r1: int
    n1: int
    r: int
    n: int


def design_operating_characteristics(design: TwoStageDesign,
                                     p: float) -> tuple[float, float, float]:
    """(P(declare promising | p), PET(p), EN(p)) of a two-stage design at response rate p.
    P(declare) = sum_{x1=r1+1..n1} b(x1; n1, p) * P(X2 > r - x1), X2 ~ Bin(n - n1, p)."""
    x1 = np.arange(design.r1 + 1, design.n1 + 1)
    declare = clamp(np.sum(binom.pmf(x1, design.n1, p)
                           * binom.sf(design.r - x1, design.n - design.n1, p)))
    pet = clamp(binom.cdf(design.r1, design.n1, p))
    en = design.n1 + (1.0 - pet) * (design.n - design.n1)
    return declare, pet, float(en)


def _tables(p: float, n_max: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pmf[m, x] = b(x; m, p); cdf[m, x] = P(Bin(m, p) <= x); sf[m, k + 1] = P(Bin(m, p) > k) for
    k = -1..n_max (k = -1 gives 1), for every m = 0..n_max."""
    m = np.arange(n_max + 1)[:, None]
    x = np.arange(n_max + 1)[None, :]
    # arrays in, arrays out (scipy-stubs also allow a float)
    pmf = np.asarray(binom.pmf(x, m, p))
    cdf = np.asarray(binom.cdf(x, m, p))
    sf = np.hstack([np.ones((n_max + 1, 1)), binom.sf(x, m, p)])
    return pmf, cdf, sf


def _declare_probabilities(pmf: np.ndarray, sf: np.ndarray, n1: np.ndarray, n: int) -> np.ndarray:
    """P(declare) for every (n1, r1, r) at total n: array [len(n1), r1 = 0..max n1 - 1, r = 0..n-1].
    Term (x1, r) = b(x1; n1) P(X2 > r - x1); a reverse cumulative sum over x1 gives, at row r1 + 1,
    the sum over x1 > r1."""
    x_top = int(n1.max())
    x = np.arange(x_top + 1)
    r = np.arange(n)
    k = np.maximum(r[None, :] - x[:, None], -1) + 1          # sf column of P(X2 > r - x1)
    terms = pmf[n1][:, :x_top + 1, None] * sf[(n - n1)[:, None, None], k[None, :, :]]
    tail = np.flip(np.cumsum(np.flip(terms, axis=1), axis=1), axis=1)
    return tail[:, 1:, :]


def _best_at_n(tables0: tuple, tables1: tuple, n: int, n1_limit: int, alpha: float,
               beta: float) -> tuple[float, Boundaries] | None:
    """The design with total n (n1 < n1_limit) meeting alpha and beta with the smallest EN(p0),
    as (EN(p0), design); None when there is none. Ties: smallest n1; for a given (n1, r1) the
    largest r that qualifies (the smallest type I error), as in clinfun's ph2simon."""
    n1 = np.arange(1, min(n, n1_limit))
    if n1.size == 0:
        return None
    pmf0, cdf0, sf0 = tables0
    pmf1, _, sf1 = tables1
    alpha_ = _declare_probabilities(pmf0, sf0, n1, n)
    power = _declare_probabilities(pmf1, sf1, n1, n)
    r1 = np.arange(alpha_.shape[1])
    r = np.arange(n)
    ok = ((alpha_ <= alpha + _TOLERANCE) & (power >= 1.0 - beta - _TOLERANCE)
          & (r[None, None, :] >= r1[None, :, None]) & (r1[None, :, None] < n1[:, None, None]))
    has_design = ok.any(axis=2)
    if not has_design.any():
        return None
    pet0 = cdf0[n1][:, : r1.size]
    en0 = np.where(has_design, n1[:, None] + (1.0 - pet0) * (n - n1)[:, None], np.inf)
    i, j = np.unravel_index(np.argmin(en0), en0.shape)
    best_r = int(np.flatnonzero(ok[i, j])[-1])
    return float(en0[i, j]), Boundaries(int(j), int(n1[i]), best_r, n)


def _single_stage_power_bound(p0: float, p1: float, alpha: float, n: np.ndarray) -> np.ndarray:
    """Power at p1 of the most powerful (randomised) level-alpha test on n subjects: by
    Neyman-Pearson no two-stage design with total n can exceed it, so smaller n are skipped."""
    k = np.arange(n.max() + 1)[None, :]
    sf0 = binom.sf(k, n[:, None], p0)
    # smallest k with P0(S > k) <= alpha
    crit = np.argmax(sf0 <= alpha + _TOLERANCE, axis=1)
    at0 = binom.pmf(crit, n, p0)
    gamma = np.where(at0 > 0, (alpha - binom.sf(crit, n, p0)) / np.where(at0 > 0, at0, 1.0), 0.0)
    return binom.sf(crit, n, p1) + np.clip(gamma, 0.0, 1.0) * binom.pmf(crit, n, p1)


def design_summary(design: TwoStageDesign, p0: float, p1: float) -> dict:
    """The design with its exact EN(p0), PET(p0), type I error and power (keys DESIGN_KEYS)."""
    alpha, pet0, en0 = design_operating_characteristics(design, p0)
    power, _, _ = design_operating_characteristics(design, p1)
    return {"r1": int(design.r1), "n1": int(design.n1), "r": int(design.r), "n": int(design.n),
            "en0": en0, "pet0": pet0, "alpha": alpha, "power": power}


def _check(p0: float, p1: float, alpha: float, beta: float, n_max: int) -> None:
    if not 0 < p0 < p1 < 1:
        raise ConfigError(f"Simon design: needs 0 < p0 < p1 < 1 (got p0={p0}, p1={p1})")
    if not (0 < alpha < 1 and 0 < beta < 1):
        raise ConfigError(f"Simon design: alpha and beta must be in (0, 1) (got {alpha}, {beta})")
    if n_max < 2:
        raise ConfigError(f"Simon design: n_max must be at least 2 (got {n_max})")


def search_designs(p0: float, p1: float, alpha: float, beta: float, n_max: int = 100) -> dict:
    """Simon's optimal (smallest EN(p0)) and minimax (smallest n, then smallest EN(p0)) designs
    with P(declare | p0) <= alpha and P(declare | p1) >= 1 - beta, n <= n_max. Returns
    {"optimal": {...}, "minimax": {...}}, each with r1, n1, r, n, en0, pet0, alpha, power."""
    _check(p0, p1, alpha, beta, n_max)
    tables0, tables1 = _tables(p0, n_max), _tables(p1, n_max)
    totals = np.arange(2, n_max + 1)
    totals = totals[_single_stage_power_bound(p0, p1, alpha, totals) >= 1.0 - beta - _TOLERANCE]
    minimax: tuple[float, Boundaries] | None = None
    optimal: tuple[float, Boundaries] | None = None
    for n in totals:
        # EN(p0) >= n1: once minimax is known, a first stage of best-EN subjects or more cannot
        # improve the optimal design, so only smaller n1 are searched.
        n1_limit = int(n) if optimal is None else int(np.ceil(optimal[0]))
        design = _best_at_n(tables0, tables1, int(n), n1_limit, alpha, beta)
        if design is None:
            continue
        if minimax is None:
            minimax = design
        if optimal is None or design[0] < optimal[0]:
            optimal = design
    if minimax is None or optimal is None:      # the first design found sets both
        raise ConfigError(
            f"no Simon two-stage design with n <= {n_max} has alpha <= {alpha} and power >= "
            f"{1 - beta} for p0={p0}, p1={p1}: increase monitoring.simon.n_max")
    return {"optimal": design_summary(optimal[1], p0, p1),
            "minimax": design_summary(minimax[1], p0, p1)}

"""Inference once a Simon two-stage trial has reached stage 2: the p-value and exact confidence
interval under the stage-wise ordering (Koyama & Chen, Stat Med 2008;27:3145-3154) and the UMVUE
(Jung & Kim, Stat Med 2004;23:881-896), beside the naive binomial ones that ignore the design.

Stage-wise ordering: every outcome that stopped at stage 1 ranks below every outcome that went
on to stage 2; within a stage, more responses rank higher. After stage 2 with x responses in n:
  p-value      P_p0(go on to stage 2 and X >= x) = sum_{x1=r1+1..n1} b(x1; n1, p0) P(X2 >= x - x1)
  ci_low       the p at which P_p(outcome >= observed) = alpha
  ci_high      the p at which P_p(outcome <= observed) = alpha (1 when x = n)
  estimate     UMVUE: E[X1 / n1 | stage 2, X = x], X1 given X = x hypergeometric-like:
               sum C(n1 - 1, x1 - 1) C(n2, x - x1) / sum C(n1, x1) C(n2, x - x1)
alpha is the design's one-sided type I error, so the interval is two-sided at 1 - 2 alpha and its
lower limit exceeds p0 exactly when the p-value is below alpha. R clinfun's twostage.inference
gives the same p-value, UMVUE and lower limit; its upper limit leaves the observed outcome out
(P_p(outcome < observed) = alpha), here it is the exact limit above.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import brentq
from scipy.special import comb
from scipy.stats import binom

from tasks.monitoring.simon import TwoStageDesign
from tasks.results.monitoring import SimonInference
from tasks.stats.binomial import clopper_pearson
from tasks.stats.probability import clamp

METHOD = ("stage-wise ordering p-value and exact CI (Koyama & Chen 2008); UMVUE (Jung & Kim 2004); "
          "pending and not yet enrolled subjects of the first n counted as non-responders")


def _stage1_continuing(design: TwoStageDesign) -> np.ndarray:
    return np.arange(design.r1 + 1, design.n1 + 1)


def at_least(x: int, design: TwoStageDesign, p: float) -> float:
    """P_p(the trial goes on to stage 2 and ends with >= x responses): the outcomes that rank at
    or above (stage 2, x) in the stage-wise ordering."""
    x1 = _stage1_continuing(design)
    return clamp(np.sum(binom.pmf(x1, design.n1, p)
                        * binom.sf(x - x1 - 1, design.n - design.n1, p)))


def at_most(x: int, design: TwoStageDesign, p: float) -> float:
    """P_p(an outcome that ranks at or below (stage 2, x)): 1 - P_p(stage 2 and >= x + 1)."""
    return clamp(1.0 - at_least(x + 1, design, p))


def umvue(x: int, design: TwoStageDesign) -> float:
    """Jung & Kim's UMVUE of the response rate after stage 2 with x responses in total."""
    n1, n2 = design.n1, design.n - design.n1
    x1 = np.arange(max(design.r1 + 1, x - n2), min(x, n1) + 1)
    weight = comb(n2, x - x1)
    return float(np.sum(comb(n1 - 1, x1 - 1) * weight) / np.sum(comb(n1, x1) * weight))


def _solve(f: Callable[[float], float], target: float) -> float:
    """The p in (0, 1) with f(p) = target, f monotone in p (Koyama & Chen)."""
    return float(brentq(lambda p: f(p) - target, 0.0, 1.0, xtol=1e-12))


def stagewise_interval(x: int, design: TwoStageDesign, alpha: float) -> tuple[float, float]:
    """The exact two-sided 1 - 2 alpha interval consistent with the stage-wise ordering."""
    low = _solve(lambda p: at_least(x, design, p), alpha)
    high = 1.0 if x >= design.n else _solve(lambda p: at_most(x, design, p), alpha)
    return low, high


def stagewise_inference(x: int, design: TwoStageDesign, p0: float, alpha: float,
                        provisional: int) -> SimonInference:
    """The inference after stage 2 with x responses among the design's n subjects, and the naive
    binomial p-value and Clopper-Pearson interval beside it. Both intervals are two-sided at
    1 - 2 alpha, alpha the design's one-sided type I error (as clinfun), so that the lower limit
    exceeds p0 exactly when the p-value is below alpha. `provisional`: subjects of the first n
    not yet settled (counted as non-responders: the p-value can only fall as they settle)."""
    if not design.r1 < x <= design.n:
        raise ValueError(f"stage-wise inference after stage 2 needs r1 < x <= n "
                         f"(x={x}, r1={design.r1}, n={design.n})")
    conf = 1.0 - 2.0 * alpha
    low, high = stagewise_interval(x, design, alpha)
    naive_low, naive_high = clopper_pearson(x, design.n, conf)
    return SimonInference(
        responses=x, n=design.n, provisional=provisional, p_value=at_least(x, design, p0),
        estimate=umvue(x, design), ci_low=low, ci_high=high, conf_level=conf, method=METHOD,
        naive_p_value=clamp(binom.sf(x - 1, design.n, p0)), naive_estimate=x / design.n,
        naive_ci_low=naive_low, naive_ci_high=naive_high)

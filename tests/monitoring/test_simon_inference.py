"""Inference after a Simon two-stage design against brute-force enumeration of every outcome
(x1 in stage 1, x2 in stage 2) under the stage-wise ordering, done here independently."""
from math import comb

import pytest

from tasks.config import SimonDesign
from tasks.monitoring.simon_inference import stagewise_inference

DESIGN = SimonDesign(r1=1, n1=10, r=5, n=29)        # Simon's optimal design for p0 0.1, p1 0.3


def outcomes(design: SimonDesign, p: float) -> list[tuple[tuple[int, int], float, float]]:
    """Every outcome as (rank key (stage, total responses), probability at p, estimate x1 / n1
    for the UMVUE check), enumerated over x1 and, after stage 1, x2."""
    n1, n2 = design.n1, design.n - design.n1
    b = lambda k, n: comb(n, k) * p**k * (1 - p) ** (n - k)  # noqa: E731
    out = []
    for x1 in range(n1 + 1):
        if x1 <= design.r1:
            out.append(((1, x1), b(x1, n1), x1 / n1))
        else:
            out += [((2, x1 + x2), b(x1, n1) * b(x2, n2), x1 / n1) for x2 in range(n2 + 1)]
    return out


def p_at_least(key, design, p) -> float:
    return sum(prob for k, prob, _ in outcomes(design, p) if k >= key)


def p_at_most(key, design, p) -> float:
    return sum(prob for k, prob, _ in outcomes(design, p) if k <= key)


def bisect(f, target: float, increasing: bool) -> float:
    low, high = 0.0, 1.0
    for _ in range(60):
        mid = (low + high) / 2
        if (f(mid) < target) == increasing:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def test_monitoring_md_example_six_responses_in_29():
    # docs/monitoring.md: design 1/10, 5/29, p0 = 0.10, 6 responses in 29: p = 0.0471, naive 0.0637.
    result = stagewise_inference(6, DESIGN, 0.10, 0.05, provisional=0)
    assert round(result.p_value, 4) == 0.0471
    assert round(result.naive_p_value, 4) == 0.0637
    assert result.p_value == pytest.approx(p_at_least((2, 6), DESIGN, 0.10), abs=1e-12)
    # 90% intervals (1 - 2 alpha): the naive one includes p0 = 0.10, the design-consistent one
    # does not, as its p-value is below alpha.
    assert result.conf_level == pytest.approx(0.90)
    assert result.naive_ci_low < 0.10 < result.ci_low
    assert result.naive_estimate == 6 / 29


@pytest.mark.parametrize("x", [2, 4, 6, 9, 15, 29])
def test_p_value_ci_and_umvue_match_brute_force_enumeration(x):
    result = stagewise_inference(x, DESIGN, 0.10, 0.025, provisional=0)     # 95% intervals
    assert result.p_value == pytest.approx(p_at_least((2, x), DESIGN, 0.10), abs=1e-12)
    low = bisect(lambda p: p_at_least((2, x), DESIGN, p), 0.025, increasing=True)
    assert result.ci_low == pytest.approx(low, abs=1e-9)
    if x == DESIGN.n:
        assert result.ci_high == 1.0
    else:
        high = bisect(lambda p: p_at_most((2, x), DESIGN, p), 0.025, increasing=False)
        assert result.ci_high == pytest.approx(high, abs=1e-9)
    # UMVUE = E[X1 / n1 | stage 2, X = x] from the enumeration at any p (X is sufficient).
    given = [(prob, est) for key, prob, est in outcomes(DESIGN, 0.3) if key == (2, x)]
    assert result.estimate == pytest.approx(sum(p * e for p, e in given) / sum(p for p, _ in given))


@pytest.mark.parametrize("p", [0.05, 0.2, 0.45])
def test_umvue_is_unbiased_over_every_outcome(p):
    # E_p[estimate] = p: stage-1 stops estimate x1 / n1, stage-2 outcomes the UMVUE.
    umvue = {x: stagewise_inference(x, DESIGN, 0.1, 0.05, 0).estimate
             for x in range(DESIGN.r1 + 1, DESIGN.n + 1)}
    expected = sum(prob * (first if stage == 1 else umvue[total])
                   for (stage, total), prob, first in outcomes(DESIGN, p))
    assert expected == pytest.approx(p, abs=1e-12)


def test_inference_needs_stage_two():
    with pytest.raises(ValueError, match="r1 < x"):
        stagewise_inference(1, DESIGN, 0.1, 0.05, provisional=0)

"""Bayesian safety stopping against hand-computed Beta posteriors (prior Beta(1, 1))."""
import pytest

from tasks.monitoring.safety_stopping import (
    boundary_table,
    evaluate_safety,
    exceedance_probability,
    safety_boundary,
)
from tasks.results.verdict import Verdict

CONTINUE, CROSSED = Verdict.CONTINUE, Verdict.SAFETY_BOUNDARY_CROSSED

C = 0.33          # threshold
CUTOFF = 0.80     # probability cutoff

# m = 3, posterior Beta(1 + t, 4 - t); P(rate > c) = integral from c to 1 of the density:
#   t=0: 4 (1-x)^3          -> (1 - c)^4
#   t=1: 12 x (1-x)^2       -> (1 - c)^4 + 4 c (1 - c)^3
#   t=2: 12 x^2 (1-x)       -> 12 [x^3/3 - x^4/4] from c to 1 = 1 - 4 c^3 + 3 c^4
#   t=3: 4 x^3              -> 1 - c^4
M3 = [(1 - C) ** 4, (1 - C) ** 4 + 4 * C * (1 - C) ** 3, 1 - 4 * C**3 + 3 * C**4, 1 - C**4]


def test_posterior_exceedance_for_three_subjects_by_hand():
    assert pytest.approx([0.20151121, 0.59851837, 0.89182963, 0.98814079]) == M3
    assert exceedance_probability([0, 1, 2, 3], 3, C, 1.0, 1.0) == pytest.approx(M3)


@pytest.mark.parametrize("t, verdict", [(0, CONTINUE), (1, CONTINUE), (2, CROSSED), (3, CROSSED)])
def test_safety_verdict_for_three_subjects(t, verdict):
    result = evaluate_safety(t, 3, C, CUTOFF, 1.0, 1.0)
    assert result.verdict == verdict
    assert result.posterior_prob == pytest.approx(M3[t])
    assert result.boundary_t == 2


def test_boundary_table_smallest_crossing_t_by_hand():
    # m=1: Beta(1,2) (1-c)^2 = 0.4489; Beta(2,1) 1 - c^2 = 0.8911 -> t = 1
    # m=2: Beta(2,2) 1 - 3c^2 + 2c^3 = 0.745174 (< 0.8); Beta(3,1) 1 - c^3 = 0.964063 -> t = 2
    # m=3: t = 2 (0.891830, above)
    table = boundary_table(3, C, CUTOFF, 1.0, 1.0)
    assert table["m"].tolist() == [1, 2, 3]
    assert table["boundary_t"].tolist() == [1, 2, 2]
    assert table["posterior_prob_at_boundary"].tolist() == pytest.approx(
        [1 - C**2, 1 - C**3, 1 - 4 * C**3 + 3 * C**4])
    assert pytest.approx(0.745174, abs=1e-6) == 1 - 3 * C**2 + 2 * C**3


def test_boundary_is_missing_when_no_number_of_events_crosses():
    # threshold 0.9, cutoff 0.99, m = 1: even t = 1 gives Beta(2, 1): 1 - 0.81 = 0.19
    assert safety_boundary(1, 0.9, 0.99, 1.0, 1.0) is None
    assert boundary_table(1, 0.9, 0.99, 1.0, 1.0)["boundary_t"].isna().all()
    assert evaluate_safety(1, 1, 0.9, 0.99, 1.0, 1.0).posterior_prob == pytest.approx(0.19)


def test_boundary_table_agrees_with_single_boundary_for_every_m():
    table = boundary_table(29, C, CUTOFF, 1.0, 1.0)
    assert (table["boundary_t"].tolist()
            == [safety_boundary(m, C, CUTOFF, 1.0, 1.0) for m in range(1, 30)])
